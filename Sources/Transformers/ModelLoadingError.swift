import SafeTensors

/// A Hugging Face model folder could not be loaded. Every case names the file and the key or
/// tensor involved, and what was expected; nothing is returned half loaded.
public enum ModelLoadingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A file of the folder does not exist or cannot be read.
    case unreadableFile(path: String, reason: String)
    /// `config.json` is not a JSON object.
    case invalidConfiguration(path: String)
    /// `config.json`'s `model_type` is not one this library loads.
    case unsupportedModelType(path: String, found: String)
    /// A key of `config.json` has a value of the wrong type or range.
    case invalidConfigurationValue(path: String, key: String, expected: String)
    /// A setting of `config.json` that this library does not implement.
    case unsupportedConfigurationValue(path: String, key: String, found: String, supported: String)
    /// The weights file lacks a tensor the configuration needs.
    case missingTensor(path: String, name: String)
    /// A tensor's shape disagrees with the configuration.
    case shapeMismatch(path: String, name: String, expected: [Int], actual: [Int])
    /// A tensor's element type is not a floating-point type that converts to Float32.
    case unsupportedDType(path: String, name: String, dtype: String)
    /// The safetensors file itself is invalid (its own error says why).
    case weightsFile(SafeTensorsError)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason):
            return "Cannot read '\(path)': \(reason)."
        case let .invalidConfiguration(path):
            return "'\(path)' is not a JSON object; expected a Hugging Face config.json."
        case let .unsupportedModelType(path, found):
            return "'\(path)' has model_type \(found); only 'bert' models are supported."
        case let .invalidConfigurationValue(path, key, expected):
            return "'\(path)': '\(key)' should be \(expected)."
        case let .unsupportedConfigurationValue(path, key, found, supported):
            return "'\(path)': '\(key)' is \(found), which is not supported; supported: \(supported)."
        case let .missingTensor(path, name):
            return "'\(path)' has no tensor '\(name)' (also looked for it with a 'bert.' prefix). Is this a BERT model saved by transformers?"
        case let .shapeMismatch(path, name, expected, actual):
            return "'\(path)': tensor '\(name)' has shape \(actual), but config.json implies \(expected)."
        case let .unsupportedDType(path, name, dtype):
            return "'\(path)': tensor '\(name)' is \(dtype); weights must be F32, F16, BF16 or F64."
        case let .weightsFile(error):
            return error.description
        }
    }
}
