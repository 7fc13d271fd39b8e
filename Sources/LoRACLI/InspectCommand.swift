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

    func validate() throws {
        try OutputPath.checkExists(path, flag: "PATH")
    }

    func run() throws {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if isDirectory.boolValue {
            let configuration = try PEFTAdapterDirectory.readConfiguration(from: path)
            print("PEFT adapter directory \(path)")
            print("  method: \(configuration.usesDoRA ? "DoRA" : "LoRA"), rank \(configuration.rank), alpha \(configuration.alpha), "
                  + "scale \(configuration.scale) (\(configuration.scaling.rawValue)), dropout \(configuration.dropout)")
            if configuration.usesDoRA {
                print("  DoRA magnitude per \(configuration.doraMagnitudeAxis.rawValue), norm \(configuration.treatsDoRANormAsConstant ? "constant" : "differentiated") in backpropagation")
            }
            print("  targets: " + (configuration.targetModulePattern.map { "pattern \($0)" } ?? configuration.targetModules.sorted().joined(separator: ", ")))
            try describe(file: path + "/" + PEFTAdapterDirectory.weightsFileName)
        } else {
            try describe(file: path)
        }
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
