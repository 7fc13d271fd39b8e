import Adapters
import ArgumentParser
import Foundation
import SafeTensors

/// `lora inspect`: what a safetensors file or an adapter directory holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "List the tensors of a safetensors file, or the configuration and tensors of an adapter directory.")

    @Argument(help: "A .safetensors file or a PEFT adapter directory.")
    var path: String

    @Flag(name: .long, help: "Print one JSON object instead of text (keys in snake_case, see README).")
    var json: Bool = false

    func validate() throws {
        try OutputPath.checkExists(path, flag: "PATH")
    }

    func run() throws {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if json {
            let object = isDirectory.boolValue
                ? ["path": path, "adapter": try PEFTAdapterDirectory.readConfiguration(from: path).jsonObject,
                   "weights": try Self.jsonObject(file: path + "/" + PEFTAdapterDirectory.weightsFileName)]
                : try Self.jsonObject(file: path)
            FileHandle.standardOutput.write(try JSONOutput.text(object) + Data("\n".utf8))
            return
        }
        if isDirectory.boolValue {
            let configuration = try PEFTAdapterDirectory.readConfiguration(from: path)
            print("PEFT adapter directory \(path)")
            print("  method: \(configuration.usesDoRA ? "DoRA" : "LoRA"), rank \(configuration.rank), alpha \(configuration.alpha), "
                  + "scale \(configuration.scale) (\(configuration.scaling.rawValue)), dropout \(configuration.dropout)")
            if configuration.usesDoRA {
                print("  DoRA magnitude per \(configuration.doraMagnitudeAxis.rawValue), norm \(configuration.treatsDoRANormAsConstant ? "constant" : "differentiated") in backpropagation")
            }
            print("  targets: " + (configuration.targetsAllLinearLayers ? "all-linear"
                : configuration.targetModulePattern.map { "pattern \($0)" } ?? configuration.targetModules.sorted().joined(separator: ", ")))
            if let pattern = configuration.excludedModulePattern { print("  excluded: pattern \(pattern)") }
            if !configuration.excludedModules.isEmpty { print("  excluded: " + configuration.excludedModules.sorted().joined(separator: ", ")) }
            if !configuration.rankPattern.isEmpty {
                print("  rank pattern: " + configuration.rankPattern.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
            }
            if !configuration.alphaPattern.isEmpty {
                print("  alpha pattern: " + configuration.alphaPattern.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
            }
            if configuration.bias != .none { print("  trained biases: \(configuration.bias.rawValue)") }
            try describe(file: path + "/" + PEFTAdapterDirectory.weightsFileName)
        } else {
            try describe(file: path)
        }
    }

    /// `{"path", "tensors": [{"name", "dtype", "shape", "values"}], "values", "bytes", "metadata"}`.
    static func jsonObject(file path: String) throws -> [String: Any] {
        let file = try SafeTensorsFile(path: path)
        return ["path": path, "bytes": file.fileSize, "metadata": file.metadata,
                "values": file.tensors.reduce(0) { $0 + $1.elementCount },
                "tensors": file.tensors.map { ["name": $0.name, "dtype": $0.dtype.rawValue, "shape": $0.shape, "values": $0.elementCount] as [String: Any] }]
    }

    private func describe(file path: String) throws {
        let file = try SafeTensorsFile(path: path)
        let parameters = file.tensors.reduce(0) { $0 + $1.elementCount }
        print("\(path): \(file.tensors.count) tensors, \(parameters) values, \(file.fileSize) bytes")
        if !file.metadata.isEmpty {
            print("  metadata: " + file.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        }
        let width = file.tensors.map(\.name.count).max() ?? 0
        for tensor in file.tensors {
            let name = tensor.name.padding(toLength: width, withPad: " ", startingAt: 0)
            print("  \(name)  \(tensor.dtype.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0))  \(tensor.shape)")
        }
    }
}

extension LoRAConfiguration {
    /// The configuration as `inspect --json` shows it.
    var jsonObject: [String: Any] {
        var object: [String: Any] = [
            "method": usesDoRA ? "dora" : "lora", "r": rank, "lora_alpha": Double(alpha), "scale": Double(scale),
            "scaling": scaling.rawValue, "lora_dropout": Double(dropout), "bias": bias.rawValue,
            "rank_pattern": rankPattern, "alpha_pattern": alphaPattern.mapValues(Double.init),
        ]
        object["target_modules"] = targetsAllLinearLayers ? "all-linear" : targetModulePattern ?? targetModules.sorted() as Any
        object["exclude_modules"] = excludedModulePattern ?? (excludedModules.isEmpty ? NSNull() : excludedModules.sorted() as Any)
        if usesDoRA {
            object["dora_magnitude_axis"] = doraMagnitudeAxis.rawValue
            object["dora_norm_is_constant"] = treatsDoRANormAsConstant
        }
        return object
    }
}
