import SafeTensors

/// A problem reading or writing an adapter directory or a state dict, naming the file,
/// the key and what was expected.
public enum PEFTFormatError: Error, Equatable, CustomStringConvertible {
    /// A required file is not there.
    case missingFile(path: String)
    /// A file could not be read or written.
    case unreadableFile(path: String, reason: String)
    /// `adapter_config.json` is not a JSON object.
    case invalidConfiguration(path: String, reason: String)
    /// A configuration key is missing or has a value of the wrong kind or range.
    case invalidConfigurationValue(path: String, key: String, expected: String, found: String)
    /// The configuration asks for a PEFT feature this library does not implement.
    case unsupportedConfiguration(path: String, key: String, value: String)
    /// `peft_type` is not `LORA`.
    case unsupportedPEFTType(path: String, found: String)
    /// Tensors the model needs are not in the file.
    case missingKeys(path: String, keys: [String])
    /// Tensors in the file that the model has no place for.
    case unexpectedKeys(path: String, keys: [String])
    /// A tensor's shape differs from the parameter it loads into.
    case shapeMismatch(path: String, key: String, expected: [Int], found: [Int])
    /// A DoRA magnitude vector in a file whose configuration does not enable DoRA.
    case magnitudeWithoutDoRA(path: String, key: String)
    /// A state dict does not describe a stack of Linear layers (`layers.N.weight`/`bias`).
    case notASequentialModel(path: String, reason: String)
    /// A tensor holds NaN or infinite values.
    case nonFiniteValues(path: String, key: String, count: Int)
    /// The safetensors file itself is malformed.
    case safeTensors(SafeTensorsError)

    public var description: String {
        switch self {
        case let .missingFile(path):
            return "\(path) does not exist. An adapter directory holds adapter_config.json and adapter_model.safetensors."
        case let .unreadableFile(path, reason):
            return "Cannot read or write \(path): \(reason)."
        case let .invalidConfiguration(path, reason):
            return "\(path) is not a valid adapter configuration: \(reason)."
        case let .invalidConfigurationValue(path, key, expected, found):
            return "\(path): '\(key)' must be \(expected), found \(found)."
        case let .unsupportedConfiguration(path, key, value):
            return "\(path): '\(key)' = \(value) is not supported by this library."
        case let .unsupportedPEFTType(path, found):
            return "\(path): peft_type is '\(found)'; only LORA adapters (including DoRA) can be loaded."
        case let .missingKeys(path, keys):
            return "\(path) lacks tensors the model needs: \(keys.joined(separator: ", "))."
        case let .unexpectedKeys(path, keys):
            return "\(path) holds tensors that match no parameter of the model or that its configuration does not account for "
                + "(a module that is not a target, or a kind of tensor the configuration does not enable): \(keys.joined(separator: ", ")). "
                + "Was it made for another model or with another configuration?"
        case let .shapeMismatch(path, key, expected, found):
            return "\(path): tensor '\(key)' has shape \(found), but the model expects \(expected)."
        case let .magnitudeWithoutDoRA(path, key):
            return "\(path) holds DoRA magnitude '\(key)' but its configuration has use_dora false. Set use_dora to true or remove the tensor."
        case let .notASequentialModel(path, reason):
            return "\(path) is not a state dict of Linear layers named layers.N.weight / layers.N.bias: \(reason)."
        case let .nonFiniteValues(path, key, count):
            return "\(path): tensor '\(key)' holds \(count) NaN or infinite value\(count == 1 ? "" : "s"). "
                + "Refusing to use it; pass --allow-non-finite to load it anyway."
        case let .safeTensors(error):
            return error.description
        }
    }
}
