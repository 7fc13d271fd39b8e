import ArgumentParser
import Datasets
import SafeTensors

/// Which data set a model was trained on, kept in the safetensors metadata of every model
/// the command line writes (`train`, `merge`) and in the settings of its checkpoints:
///
/// - `dataset`: the catalog name (`mnist-sample`, `fashion-mnist`, `mnist`), or
/// - `data_directory`: the `--data` directory, when the data came from one;
/// - `input_shape`: the image shape `[rows, columns]`, e.g. `[28, 28]`;
/// - `classes`: the number of classes.
///
/// Commands that read a model (`finetune`, `evaluate`, `predict`) use it when neither
/// `--dataset` nor `--data` is given, and refuse a model that records none.
struct DataSetRecord: Equatable {
    /// The catalog name, or `nil` when the data came from a directory.
    var name: String?
    /// The `--data` directory, or `nil` for a catalog data set.
    var directory: String?
    var rows: Int
    var columns: Int
    var classes: Int

    /// The record of `data`, loaded by name or from `directory`.
    init(name: String?, directory: String?, data: MNISTFormatDataset) {
        self.name = directory == nil ? name : nil
        self.directory = directory
        rows = data.train.rows
        columns = data.train.columns
        classes = data.train.classes
    }

    /// The record in a file's metadata, or `nil` when it holds none.
    init?(metadata: [String: String]) {
        let shape = metadata["input_shape"].map { ListArgument.entries([$0.trimmingCharacters(in: ["[", "]"])]).compactMap { Int($0) } }
        guard metadata["dataset"] != nil || metadata["data_directory"] != nil,
              let shape, shape.count == 2, let classes = metadata["classes"].flatMap({ Int($0) }) else { return nil }
        name = metadata["dataset"]
        directory = name == nil ? metadata["data_directory"] : nil
        rows = shape[0]
        columns = shape[1]
        self.classes = classes
    }

    /// The metadata entries, besides PyTorch's `format`.
    var metadata: [String: String] {
        var entries = ["input_shape": "[\(rows), \(columns)]", "classes": String(classes)]
        if let directory { entries["data_directory"] = directory } else { entries["dataset"] = name ?? "" }
        return entries
    }

    /// How a user names it on the command line.
    var flagText: String { directory.map { "--data \($0)" } ?? "--dataset \(name ?? "")" }

    /// A short description for run settings and messages.
    var summary: String { (directory ?? name ?? "") + " [\(rows), \(columns)] \(classes) classes" }

    /// The record in the safetensors file at `path`, or `nil` when it holds none or cannot be read.
    static func read(fromFile path: String) -> DataSetRecord? {
        (try? SafeTensorsFile(path: path)).flatMap { DataSetRecord(metadata: $0.metadata) }
    }
}
