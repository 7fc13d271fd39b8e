import Foundation
import NN
import SafeTensors
import TensorCore

/// A model's parameters as a safetensors file keyed by PyTorch's dotted names
/// (`layers.0.weight`), the layout of `torch.save(model.state_dict())` converted with
/// `safetensors.torch.save_file`.
public enum StateDictionary {
    /// Writes every parameter of `model` as F32 under its key, atomically (temporary file,
    /// fsync, rename, directory fsync).
    public static func save(_ model: any Module, to path: String, metadata: [String: String] = ["format": "pt"]) throws {
        var writer = SafeTensorsWriter(metadata: metadata)
        for (key, parameter) in model.namedParameters() {
            try parameter.withUnsafeBufferPointer { values in
                try writer.addTensor(named: key, shape: parameter.shape.dimensions, floats: values)
            }
        }
        try writer.write(toPath: path)
    }

    /// Opens a safetensors file, with a ``PEFTFormatError/missingFile(path:)`` when absent.
    static func open(_ path: String) throws(PEFTFormatError) -> SafeTensorsFile {
        guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path: path) }
        do {
            return try SafeTensorsFile(path: path)
        } catch {
            throw .safeTensors(error)
        }
    }

    /// Copies tensor `key` of `file` into `parameter` after checking its shape.
    static func copy(_ key: String, of file: SafeTensorsFile, into parameter: Tensor) throws(PEFTFormatError) {
        var failure: SafeTensorsError?
        parameter.withUnsafeMutableBufferPointer { destination in
            do throws(SafeTensorsError) { try file.copyFloats(named: key, into: destination) } catch { failure = error }
        }
        if let failure { throw .safeTensors(failure) }
    }

    /// Checks that `file` holds exactly the keys of `expected`, each with the expected
    /// shape; reports every missing and unexpected key by name.
    static func check(_ file: SafeTensorsFile, against expected: [(key: String, shape: [Int])]) throws(PEFTFormatError) {
        let fileKeys = Set(file.names)
        let expectedKeys = Set(expected.map(\.key))
        let missing = expected.map(\.key).filter { !fileKeys.contains($0) }
        guard missing.isEmpty else { throw .missingKeys(path: file.path, keys: missing) }
        let unexpected = file.names.filter { !expectedKeys.contains($0) }
        guard unexpected.isEmpty else { throw .unexpectedKeys(path: file.path, keys: unexpected) }
        for (key, shape) in expected {
            let found: [Int]
            do { found = try file.info(named: key).shape } catch { throw .safeTensors(error) }
            guard found == shape else { throw .shapeMismatch(path: file.path, key: key, expected: shape, found: found) }
        }
    }

    /// Throws ``PEFTFormatError/nonFiniteValues(path:key:count:)`` for the first of `keys`
    /// whose tensor in `file` holds NaN or an infinity.
    static func checkFinite(_ file: SafeTensorsFile, keys: [String]) throws(PEFTFormatError) {
        for key in keys {
            let values: [Float]
            do { values = try file.floats(named: key) } catch { throw .safeTensors(error) }
            let count = values.reduce(0) { $1.isFinite ? $0 : $0 + 1 }
            if count > 0 { throw .nonFiniteValues(path: file.path, key: key, count: count) }
        }
    }

    /// Loads every parameter of `model` from `path`. Nothing is written unless every key
    /// is present with the right shape, no key is left over, and (unless
    /// `allowingNonFiniteValues`) every value is finite.
    public static func load(into model: any Module, from path: String, allowingNonFiniteValues: Bool = false) throws {
        let file = try open(path)
        let parameters = model.namedParameters()
        try check(file, against: parameters.map { ($0.key, $0.parameter.shape.dimensions) })
        if !allowingNonFiniteValues { try checkFinite(file, keys: parameters.map(\.key)) }
        for (key, parameter) in parameters { try copy(key, of: file, into: parameter) }
    }

    /// Builds the model a state dict of `layers.N.weight` / `layers.N.bias` describes: a
    /// ``Sequential`` named `layers` with a Linear at every index that has a weight and a
    /// ReLU at every index between them (PyTorch's `nn.Sequential(Linear, ReLU, …)`),
    /// then loads the values, refusing NaN and infinities unless `allowingNonFiniteValues`.
    public static func loadSequentialModel(from path: String, allowingNonFiniteValues: Bool = false) throws -> MLP {
        let file = try open(path)
        var linearIndices: [Int: (weight: [Int], bias: [Int]?)] = [:]
        for info in file.tensors {
            let parts = info.name.split(separator: ".")
            guard parts.count == 3, parts[0] == "layers", let index = Int(parts[1]), index >= 0, index < 10_000,
                  parts[2] == "weight" || parts[2] == "bias" else {
                throw PEFTFormatError.notASequentialModel(path: path, reason: "unexpected key '\(info.name)'")
            }
            if parts[2] == "weight" {
                guard info.shape.count == 2 else {
                    throw PEFTFormatError.notASequentialModel(path: path, reason: "'\(info.name)' has shape \(info.shape), not [out, in]")
                }
                linearIndices[index, default: ([], nil)].weight = info.shape
            } else {
                linearIndices[index, default: ([], nil)].bias = info.shape
            }
        }
        guard let last = linearIndices.keys.max() else {
            throw PEFTFormatError.notASequentialModel(path: path, reason: "it holds no layers")
        }
        var modules: [any Module] = []
        var previousOut: Int?
        var generator = RandomGenerator(seed: 0)
        for index in 0...last {
            guard let entry = linearIndices[index] else { modules.append(ReLU()); continue }
            guard entry.weight.count == 2 else {
                throw PEFTFormatError.notASequentialModel(path: path, reason: "layers.\(index).bias has no layers.\(index).weight")
            }
            let (outFeatures, inFeatures) = (entry.weight[0], entry.weight[1])
            guard outFeatures > 0, inFeatures > 0 else {
                throw PEFTFormatError.notASequentialModel(path: path, reason: "layers.\(index).weight has an empty dimension")
            }
            if let previousOut, previousOut != inFeatures {
                throw PEFTFormatError.notASequentialModel(
                    path: path, reason: "layers.\(index).weight takes \(inFeatures) inputs but the layer before gives \(previousOut)")
            }
            if let bias = entry.bias, bias != [outFeatures] {
                throw PEFTFormatError.shapeMismatch(path: path, key: "layers.\(index).bias", expected: [outFeatures], found: bias)
            }
            modules.append(Linear(inFeatures: inFeatures, outFeatures: outFeatures, hasBias: entry.bias != nil, using: &generator))
            previousOut = outFeatures
        }
        let model = MLP(layers: Sequential(modules))
        if !allowingNonFiniteValues { try checkFinite(file, keys: model.namedParameters().map(\.key)) }
        for (key, parameter) in model.namedParameters() { try copy(key, of: file, into: parameter) }
        return model
    }
}
