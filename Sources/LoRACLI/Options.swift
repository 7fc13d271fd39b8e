import ArgumentParser
import Datasets
import Foundation
import Training

/// Where the data comes from: `--data DIR` or `--dataset NAME`; when neither is given, the
/// data set recorded in the model read (see ``DataSetRecord``), else a command's own default.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "A directory with the four MNIST-format IDX files (raw or .gz).")
    var data: String?

    @Option(name: .long, help: "A known data set: mnist-sample (shipped), fashion-mnist, mnist (default: the one recorded in --model; mnist-sample for 'train' and 'experiment').")
    var dataset: String?

    /// Loads the data set named by the flags, else `fallback`.
    func load(fallback: String = "mnist-sample") throws -> (data: MNISTFormatDataset, record: DataSetRecord) {
        let name = dataset ?? fallback
        let loaded = try DataSetLocator.load(directory: data, name: name)
        return (loaded, DataSetRecord(name: name, directory: data, data: loaded))
    }

    /// Loads the data set for a model at `modelPath`: the flags when given (with a note on
    /// standard error when the model records another data set), else the model's recorded
    /// data set; throws a hint when neither is known. Refuses data whose image shape differs
    /// from the recorded one.
    func load(forModel modelPath: String, quiet: Bool) throws -> (data: MNISTFormatDataset, record: DataSetRecord) {
        let recorded = DataSetRecord.read(fromFile: modelPath)
        let loaded: (data: MNISTFormatDataset, record: DataSetRecord)
        if data != nil || dataset != nil {
            loaded = try load()
            if let recorded, recorded.name != loaded.record.name || recorded.directory != loaded.record.directory, !quiet {
                Console.note("\(modelPath) was trained on \(recorded.directory ?? recorded.name ?? "?"); using \(loaded.record.flagText) as asked.")
            }
        } else if let recorded {
            loaded = try load(recorded: recorded)
        } else {
            throw ValidationError("--model '\(modelPath)' does not record the data set it was trained on: "
                                  + "pass --dataset NAME (mnist-sample, fashion-mnist, mnist) or --data DIR.")
        }
        if let recorded, recorded.rows != loaded.record.rows || recorded.columns != loaded.record.columns {
            throw ValidationError("--model '\(modelPath)' was trained on images of shape [\(recorded.rows), \(recorded.columns)] "
                                  + "(\(recorded.directory ?? recorded.name ?? "?")), but \(loaded.record.flagText) has [\(loaded.record.rows), \(loaded.record.columns)].")
        }
        return loaded
    }

    /// Loads the data set `recorded` names.
    private func load(recorded: DataSetRecord) throws -> (data: MNISTFormatDataset, record: DataSetRecord) {
        let loaded = try DataSetLocator.load(directory: recorded.directory, name: recorded.name ?? "mnist-sample")
        return (loaded, DataSetRecord(name: recorded.name, directory: recorded.directory, data: loaded))
    }
}

/// The hyper-parameters of a training run, spelled the same in every subcommand.
struct TrainingOptions: ParsableArguments {
    @Option(name: .long, parsing: .unconditional, help: "Passes over the training data.")
    var epochs: Int = 10

    @Option(name: .long, parsing: .unconditional, help: "Samples per optimisation step.")
    var batchSize: Int = 64

    @Option(name: .long, parsing: .unconditional, help: "Adam's learning rate.")
    var learningRate: Float = 0.005

    @Option(name: .long, parsing: .unconditional, help: "Seed of every random choice (initialisation, shuffling, dropout).")
    var seed: UInt64 = 1

    /// `--shuffle` / `--no-shuffle`; `nil` when neither is given, so that each command
    /// picks its default (``shufflesEachEpoch``; `experiment` keeps the notebook's file order).
    @Flag(name: .long, inversion: .prefixedNo,
          help: "Draw a new order of the training data every epoch (default: on; off in 'experiment', as the reference notebook).")
    var shuffle: Bool?

    @Flag(name: .long, help: "Skip a batch whose loss or gradient is NaN or infinite instead of stopping.")
    var skipNonFinite: Bool = false

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs).") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize).") }
        guard learningRate > 0, learningRate.isFinite else {
            throw ValidationError("--learning-rate must be a positive number, got \(learningRate).")
        }
    }

    var settings: TrainingSettings {
        TrainingSettings(epochs: epochs, batchSize: batchSize, learningRate: learningRate, seed: seed, shufflesEachEpoch: shuffle ?? true,
                         nonFiniteValuePolicy: skipNonFinite ? .skipBatch : .stop)
    }
}

/// What is written besides the main result.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print nothing but errors.")
    var quiet: Bool = false

    @Option(name: .long, help: "Write a machine-readable JSON summary to this file.")
    var json: String?

    @Option(name: .long, help: "Write JSON lines (step, epoch, loss, accuracy, seconds) to this file.")
    var metrics: String?

    @Option(name: .long, help: "Write an HTML page with SVG charts of loss and accuracy per epoch to this directory.")
    var report: String?

    @Option(name: .long, parsing: .unconditional, help: "Print the loss every N batches (the reference notebook's 400).")
    var logEvery: Int = 400

    func validate() throws {
        if let json { try OutputPath.checkWritable(json, flag: "--json") }
        if let metrics { try OutputPath.checkWritable(metrics, flag: "--metrics") }
        if let report { try OutputPath.checkCreatableDirectory(report, flag: "--report") }
        guard logEvery >= 1 else { throw ValidationError("--log-every must be at least 1, got \(logEvery).") }
    }
}

/// Checks on output paths, made before any work starts so that a long run cannot fail at
/// its end for want of a directory.
enum OutputPath {
    /// Throws unless the directory that will hold `path` exists and a file can be created
    /// in it (checked by creating and removing a probe file: permission bits alone do not
    /// tell, e.g. for root or on a read-only or virtual file system).
    static func checkWritable(_ path: String, flag: String) throws {
        var isExistingDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isExistingDirectory), isExistingDirectory.boolValue {
            throw ValidationError("\(flag) '\(path)' is a directory; name a file.")
        }
        let parent = PathText.parentDirectory(of: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory) else {
            throw ValidationError("\(flag) '\(path)': directory '\(parent)' does not exist.")
        }
        guard isDirectory.boolValue else {
            throw ValidationError("\(flag) '\(path)': '\(parent)' is not a directory.")
        }
        try probe(parent, flag: flag, path: path)
    }

    /// Creates and removes a file in `directory`, or throws naming `flag` and `path`.
    private static func probe(_ directory: String, flag: String, path: String) throws {
        let probe = directory + "/.lora-write-probe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw ValidationError(directory == path ? "\(flag) '\(path)' is not writable (\(reason))."
                                                    : "\(flag) '\(path)': directory '\(directory)' is not writable (\(reason)).")
        }
        close(descriptor)
        unlink(probe)
    }

    /// Throws unless `path` names a directory that exists or can be created (its parent exists and is writable).
    static func checkCreatableDirectory(_ path: String, flag: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw ValidationError("\(flag) '\(path)' exists and is not a directory.") }
            try probe(path, flag: flag, path: path)
            return
        }
        try checkWritable(path, flag: flag)
    }

    /// Throws unless `path` exists.
    static func checkExists(_ path: String, flag: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("\(flag) '\(path)' does not exist.")
        }
    }
}
