import Adapters
import Foundation
import NN
import SafeTensors
import TensorCore

/// A classifier's adapter directory:
///
/// ```
/// adapter_config.json        PEFT's LoraConfig (mean: task_type null, modules_to_save null;
///                                                cls: task_type "SEQ_CLS", modules_to_save ["classifier", "score"])
/// adapter_model.safetensors  mean: base_model.model.encoder.layer.N.….lora_A.weight …   (keys of the bare BertModel)
///                            cls:  base_model.model.bert.encoder.layer.N.….lora_A.weight …,
///                                  base_model.model.classifier.weight [classes, hidden], ….classifier.bias [classes]
/// head.safetensors           mean only: head.weight [classes, hidden], head.bias [classes]
/// classifier.json            kind, label names, has_adapters (``BERTClassifierDescription``)
/// ```
///
/// A classifier without adapters (its head trained alone on the frozen encoder) saves only
/// `head.safetensors` (mean: `head.weight`/`head.bias`; cls: `classifier.weight`/`classifier.bias`)
/// and `classifier.json` with `has_adapters` false.
///
/// A `cls` directory loads in PEFT on `AutoModelForSequenceClassification` of the same base
/// folder (with `num_labels` = the label count); a `mean` directory's adapter loads in PEFT on
/// `AutoModel`, its head being a plain `nn.Linear` state dict with the `head.` prefix.
extension BERTSequenceClassifier {
    /// The head file of a `mean` classifier.
    public static let headFileName = "head.safetensors"

    /// Saves the adapters, the head and `labels` (class `i` is `labels[i]`) into `directory`
    /// (created if needed); each file is written atomically, `classifier.json` last. Without
    /// adapters (none injected or loaded) only the head and `classifier.json` are written.
    /// Throws ``BERTClassifierError/invalidLabels(reason:)`` unless there is one distinct,
    /// non-empty name per class.
    public func save(to directory: String, labels: [String]) throws {
        let hasAdapters = !AdapterInjection.adapters(in: adapterRoot).isEmpty
        let description = try BERTClassifierDescription(kind: kind, labels: labels, hasAdapters: hasAdapters)
        guard labels.count == classCount else {
            throw BERTClassifierError.invalidLabels(reason: "\(labels.count) labels for a classifier of \(classCount) classes")
        }
        if hasAdapters {
            guard let configuration = adapterConfiguration else { throw BERTClassifierError.noAdapters }
            try PEFTAdapterDirectory.save(adaptersOf: adapterRoot, configuration: configuration, to: directory)
        } else {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw BERTClassifierError.invalidFile(path: directory, reason: "the directory cannot be created (\(error.localizedDescription))")
            }
        }
        if kind == .mean || !hasAdapters {
            let path = directory + "/" + Self.headFileName
            AtomicFileWriter.removeStaleTemporaryFiles(forPath: path)
            var writer = SafeTensorsWriter(metadata: ["format": "pt"])
            for (key, tensor) in headTensors {
                try tensor.withUnsafeBufferPointer { try writer.addTensor(named: key, shape: tensor.shape.dimensions, floats: $0) }
            }
            try writer.write(toPath: path)
        }
        AtomicFileWriter.removeStaleTemporaryFiles(forPath: directory + "/" + BERTClassifierDescription.fileName)
        try description.write(toDirectory: directory)
    }

    /// The head's tensors under their keys in `head.safetensors`: `head.weight`, `head.bias`
    /// (mean) or `classifier.weight`, `classifier.bias` (cls), the head's parameter paths.
    var headTensors: [(key: String, tensor: Tensor)] {
        head.namedParameters().map { (headName + "." + $0.key, $0.parameter) }
    }

    /// Builds the classifier a directory written by ``save(to:labels:)`` (or by PEFT, for
    /// `cls`) describes on `weights`, with its adapters, head and labels. Every file, key,
    /// shape and value is checked; anything wrong throws a typed error naming the file and
    /// key (``BERTClassifierError``, ``Adapters/PEFTFormatError``). NaN or infinite values
    /// are refused unless `allowingNonFiniteValues`. The classifier starts in training mode,
    /// as a new module does; call `eval()` before evaluating.
    public static func load(from directory: String, weights: BERTWeights,
                            allowingNonFiniteValues: Bool = false) throws -> (classifier: BERTSequenceClassifier, labels: [String]) {
        let description = try BERTClassifierDescription(directory: directory)
        let classifier = try BERTSequenceClassifier(weights: weights, kind: description.kind, classCount: description.labels.count, seed: 0)
        guard description.hasAdapters else {
            let head = try readHead(directory: directory, classifier: classifier, allowingNonFiniteValues: allowingNonFiniteValues)
            try classifier.assignHead(head)
            return (classifier, description.labels)
        }
        if description.kind == .mean {
            let head = try readHead(directory: directory, classifier: classifier, allowingNonFiniteValues: allowingNonFiniteValues)
            try classifier.loadPEFTAdapter(from: directory, allowingNonFiniteValues: allowingNonFiniteValues)
            try classifier.assignHead(head)
        } else {
            try classifier.loadPEFTAdapter(from: directory, allowingNonFiniteValues: allowingNonFiniteValues)
        }
        return (classifier, description.labels)
    }

    /// Loads a PEFT adapter directory (`adapter_config.json`, `adapter_model.safetensors`, as
    /// PEFT's `save_pretrained` writes it) into this classifier, which must have no adapters
    /// yet: for `mean` an adapter of the bare `BertModel` (`task_type` null, no
    /// `modules_to_save`; the head is left as it is), for `cls` a `SEQ_CLS` adapter of
    /// `BertForSequenceClassification` (`task_type` `"SEQ_CLS"`, `classifier` in
    /// `modules_to_save`), whose `base_model.model.classifier.weight`/`.bias` replace the
    /// head. Every key, shape and value is checked before anything changes (PEFT's keys, the
    /// head's shape against ``classCount``). Returns the adapters by path below ``adapterRoot``.
    @discardableResult
    public func loadPEFTAdapter(from directory: String,
                                allowingNonFiniteValues: Bool = false) throws -> [(path: String, adapter: any AdapterLayer)] {
        let configuration = try PEFTAdapterDirectory.readConfiguration(from: directory)
        let configurationPath = directory + "/" + PEFTAdapterDirectory.configurationFileName
        switch kind {
        case .mean:
            guard configuration.modulesToSave.isEmpty else {
                throw BERTClassifierError.invalidValue(path: configurationPath, key: "modules_to_save", expected: "null for a 'mean' classifier",
                                                       found: "\(configuration.modulesToSave)")
            }
        case .cls:
            guard configuration.taskType == Self.sequenceClassificationTaskType else {
                throw BERTClassifierError.invalidValue(path: configurationPath, key: "task_type",
                                                       expected: "\"\(Self.sequenceClassificationTaskType)\" for a 'cls' classifier",
                                                       found: configuration.taskType.map { "\"\($0)\"" } ?? "null")
            }
            guard configuration.modulesToSave.contains(where: { "classifier".hasSuffix($0) }) else {
                throw BERTClassifierError.invalidValue(path: configurationPath, key: "modules_to_save", expected: "a list naming \"classifier\"",
                                                       found: "\(configuration.modulesToSave)")
            }
        }
        let (loaded, adapters) = try PEFTAdapterDirectory.load(from: directory, into: adapterRoot, allowingNonFiniteValues: allowingNonFiniteValues)
        head.unfreeze()
        setAdapterConfiguration(loaded)
        return adapters
    }

    /// Copies checked head values, by key in ``headTensors``, into the head.
    func assignHead(_ values: [String: [Float]]) throws {
        for (key, tensor) in headTensors {
            guard let entry = values[key] else { continue }
            try tensor.assign(try Tensor(shape: tensor.shape, values: entry))
        }
    }

    /// The values of `head.safetensors`, after checking that it holds exactly the head's
    /// weight `[classes, hidden]` and bias `[classes]` (``headTensors``), finite unless allowed otherwise.
    private static func readHead(directory: String, classifier: BERTSequenceClassifier,
                                 allowingNonFiniteValues: Bool) throws(BERTClassifierError) -> [String: [Float]] {
        let path = directory + "/" + headFileName
        guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path: path) }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: path) } catch { throw .safeTensors(error) }
        let expected = classifier.headTensors
        let expectedKeys = Set(expected.map(\.key))
        if let extra = file.names.first(where: { !expectedKeys.contains($0) }) {
            throw .headMismatch(path: path, key: extra, expected: "absent (the head file holds \(expected.map(\.key).joined(separator: ", ")))",
                                found: "a tensor")
        }
        var values: [String: [Float]] = [:]
        for (key, tensor) in expected {
            guard file.contains(key) else { throw .headMismatch(path: path, key: key, expected: "shape \(tensor.shape.dimensions)", found: "no such tensor") }
            do {
                let shape = try file.info(named: key).shape
                guard shape == tensor.shape.dimensions else {
                    throw BERTClassifierError.headMismatch(path: path, key: key, expected: "shape \(tensor.shape.dimensions)", found: "shape \(shape)")
                }
                values[key] = try file.floats(named: key)
            } catch let error as BERTClassifierError {
                throw error
            } catch let error as SafeTensorsError {
                throw .safeTensors(error)
            } catch {
                throw .invalidFile(path: path, reason: "\(error)")
            }
            if !allowingNonFiniteValues, values[key]?.contains(where: { !$0.isFinite }) == true {
                throw .nonFiniteValues(path: path, key: key)
            }
        }
        return values
    }
}
