import SafeTensors

/// A sequence classifier could not be built, adapted, saved or loaded. Every case names the
/// file, key or value involved and what was expected.
public enum BERTClassifierError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A `cls` classifier needs BERT's pretrained pooler (`pooler.dense`), which the weights lack.
    case missingPooler
    /// A classifier needs at least two classes.
    case invalidClassCount(Int)
    /// The label names do not fit the classifier (count, duplicates, empty names).
    case invalidLabels(reason: String)
    /// The classifier has adapters but no recorded configuration (they were injected into
    /// its encoder directly rather than through ``BERTSequenceClassifier/injectAdapters(_:using:)``).
    case noAdapters
    /// A setting of the adapter configuration that this kind of classifier cannot save as PEFT loads it.
    case unsupportedConfiguration(kind: String, setting: String, reason: String)
    /// A file of the adapter directory is missing.
    case missingFile(path: String)
    /// A file of the adapter directory cannot be read or is not what it should be.
    case invalidFile(path: String, reason: String)
    /// A key of `classifier.json` or `adapter_config.json` has a wrong or missing value.
    case invalidValue(path: String, key: String, expected: String, found: String)
    /// The head file lacks a tensor, holds an unexpected one, or one of the wrong shape.
    case headMismatch(path: String, key: String, expected: String, found: String)
    /// A tensor holds NaN or infinite values.
    case nonFiniteValues(path: String, key: String)
    /// A model folder's weights file lacks the trained head of a `BertForSequenceClassification`
    /// (`classifier.weight`, `classifier.bias`): it is an encoder alone (`BertModel`), which
    /// needs an adapter directory for its head.
    case missingClassificationHead(path: String, key: String)
    /// A safetensors file is malformed.
    case safeTensors(SafeTensorsError)

    public var description: String {
        switch self {
        case .missingPooler:
            return "A 'cls' classifier needs BERT's pretrained pooler, but the model's weights have no 'pooler.dense.weight'/'pooler.dense.bias'. "
                + "Use a model folder that includes the pooler, or the 'mean' classifier."
        case let .invalidClassCount(count):
            return "A sequence classifier needs at least 2 classes, got \(count)."
        case let .invalidLabels(reason):
            return "Invalid label names: \(reason)."
        case .noAdapters:
            return "The classifier's adapters were not injected through injectAdapters(_:using:), so their configuration is unknown; "
                + "inject them with injectAdapters or load an adapter directory."
        case let .unsupportedConfiguration(kind, setting, reason):
            return "A '\(kind)' classifier cannot use \(setting): \(reason)."
        case let .missingFile(path):
            return "\(path) does not exist. A classifier adapter directory holds adapter_config.json, adapter_model.safetensors, "
                + "classifier.json and, for a 'mean' classifier or one without adapters, head.safetensors."
        case let .invalidFile(path, reason):
            return "Cannot use \(path): \(reason)."
        case let .invalidValue(path, key, expected, found):
            return "\(path): '\(key)' must be \(expected), found \(found)."
        case let .headMismatch(path, key, expected, found):
            return "\(path): tensor '\(key)' should be \(expected), found \(found)."
        case let .nonFiniteValues(path, key):
            return "\(path): tensor '\(key)' holds NaN or infinite values."
        case let .missingClassificationHead(path, key):
            return "'\(path)' has no tensor '\(key)': this model folder has no trained classification head. "
                + "Pass --adapter DIR written by 'lora finetune', or use a BertForSequenceClassification folder "
                + "(saved by transformers' save_pretrained: classifier.weight and classifier.bias in model.safetensors, id2label in config.json)."
        case let .safeTensors(error):
            return error.description
        }
    }
}
