import Foundation
import Testing
import SafeTensors

/// Reading real files written by Python safetensors 0.8.0 (PEFT fixtures).
@Suite("Reading real PEFT safetensors files")
struct FixtureTests {

    struct Expectation: Sendable, CustomTestStringConvertible {
        let file: String
        let tensorCount: Int
        let checkedName: String
        let checkedShape: [Int]
        let checkedDType: SafeTensorsDType
        let metadata: [String: String]
        var testDescription: String { file }
    }

    static let expectations: [Expectation] = [
        Expectation(file: "base.safetensors", tensorCount: 6, checkedName: "layers.0.weight", checkedShape: [16, 12], checkedDType: .f32, metadata: [:]),
        Expectation(file: "input.safetensors", tensorCount: 2, checkedName: "targets", checkedShape: [7], checkedDType: .i64, metadata: [:]),
        Expectation(file: "lora_adapter_model.safetensors", tensorCount: 6, checkedName: "base_model.model.layers.2.lora_B.weight", checkedShape: [8, 4], checkedDType: .f32, metadata: ["format": "pt"]),
        Expectation(file: "dora_expected.safetensors", tensorCount: 18, checkedName: "grad.base_model.model.layers.4.lora_magnitude_vector", checkedShape: [5], checkedDType: .f32, metadata: [:]),
    ]

    @Test("names, shapes, dtypes and metadata", arguments: expectations)
    func structure(_ expected: Expectation) throws {
        let file = try SafeTensorsFile(url: TestSupport.fixtureURL(expected.file))
        #expect(file.tensors.count == expected.tensorCount)
        #expect(file.names == file.names.sorted())
        #expect(file.metadata == expected.metadata)
        let info = try file.info(named: expected.checkedName)
        #expect(info.shape == expected.checkedShape)
        #expect(info.dtype == expected.checkedDType)
        #expect(info.elementCount == expected.checkedShape.reduce(1, *))
        #expect(info.byteCount == info.elementCount * info.dtype.bitWidth / 8)
        #expect(info.fileByteRange.lowerBound == file.dataSectionOffset + info.dataOffsets.lowerBound)
        #expect(file.dataSectionOffset == 8 + file.headerLength)
        // Tensors tile the data section exactly.
        #expect(file.tensors.map(\.byteCount).reduce(0, +) == file.fileSize - file.dataSectionOffset)
    }

    @Test("base.safetensors: names and shapes of all tensors")
    func baseNames() throws {
        let file = try SafeTensorsFile(url: TestSupport.fixtureURL("base.safetensors"))
        #expect(file.names == ["layers.0.bias", "layers.0.weight", "layers.2.bias", "layers.2.weight", "layers.4.bias", "layers.4.weight"])
        #expect(file.tensors.map(\.shape) == [[16], [16, 12], [8], [8, 16], [5], [5, 8]])
        #expect(file.tensors.allSatisfy { $0.dtype == .f32 })
        #expect(file.headerLength == 432)
    }

    @Test("base.safetensors: known float values (bit-exact, from numpy)")
    func baseValues() throws {
        let file = try SafeTensorsFile(url: TestSupport.fixtureURL("base.safetensors"))
        let weight = try file.floats(named: "layers.0.weight")
        #expect(weight.count == 192)
        #expect(weight.prefix(4).map(\.bitPattern) == [0xBB0D_A3E8, 0x3E1E_9313, 0xBE73_4B7E, 0xBE59_8BC9])
        #expect(weight.last?.bitPattern == 0x3E4A_4257)
        #expect(weight[0] == -0.0021612588316202164)
        let bias = try file.floats(named: "layers.4.bias")
        #expect(bias == [0.11696209758520126, 0.35343894362449646, 0.1833750307559967, 0.2197858691215515, -0.12374091148376465])
    }

    @Test("input.safetensors: I64 targets and F32 inputs")
    func inputValues() throws {
        let file = try SafeTensorsFile(url: TestSupport.fixtureURL("input.safetensors"))
        #expect(file.names == ["targets", "x"])
        #expect(try file.int64s(named: "targets") == [0, 0, 2, 0, 4, 2, 1])
        #expect(try file.floats(named: "targets") == [0, 0, 2, 0, 4, 2, 1])
        let x = try file.floats(named: "x")
        #expect(x.count == 84)
        #expect(x.prefix(3).map(\.bitPattern) == [0xBFC4_C928, 0x3E9F_F7F5, 0x3F3D_748D])
        #expect(throws: SafeTensorsError.unsupportedConversion(path: file.path, tensor: "x", dtype: .f32, target: "Int64")) {
            try file.int64s(named: "x")
        }
    }

    @Test("lora adapter and dora expected: known values")
    func adapterValues() throws {
        let lora = try SafeTensorsFile(url: TestSupport.fixtureURL("lora_adapter_model.safetensors"))
        let a = try lora.floats(named: "base_model.model.layers.0.lora_A.weight")
        #expect(a.prefix(3).map(\.bitPattern) == [0xBE22_FCDC, 0xBEAD_9040, 0xBE4E_DD09])
        let dora = try SafeTensorsFile(url: TestSupport.fixtureURL("dora_expected.safetensors"))
        #expect(try dora.floats(named: "loss").map(\.bitPattern) == [0x3FCD_762B])
        #expect(try dora.info(named: "loss").shape == [1])
    }

    @Test("copyFloats fills a caller buffer with the same values as floats(named:)")
    func copyFloatsIntoBuffer() throws {
        let file = try SafeTensorsFile(url: TestSupport.fixtureURL("base.safetensors"))
        let expected = try file.floats(named: "layers.2.weight")
        var destination = [Float](repeating: .nan, count: expected.count)
        try destination.withUnsafeMutableBufferPointer { buffer in
            try file.copyFloats(named: "layers.2.weight", into: buffer)
        }
        #expect(destination == expected)

        var tooSmall = [Float](repeating: 0, count: 3)
        #expect(throws: SafeTensorsError.destinationSizeMismatch(path: file.path, tensor: "layers.2.weight", expected: 128, actual: 3)) {
            try tooSmall.withUnsafeMutableBufferPointer { buffer in
                try file.copyFloats(named: "layers.2.weight", into: buffer)
            }
        }
    }

    @Test("raw bytes accessors agree with the file contents")
    func rawBytes() throws {
        let url = try TestSupport.fixtureURL("input.safetensors")
        let file = try SafeTensorsFile(url: url)
        let info = try file.info(named: "targets")
        let whole = try [UInt8](Data(contentsOf: url))
        let expected = Array(whole[info.fileByteRange])
        #expect(try file.rawBytes(named: "targets") == expected)
        let viaClosure = try file.withUnsafeBytes(ofTensor: "targets") { [UInt8]($0) }
        #expect(viaClosure == expected)
    }

    @Test("an unknown tensor name throws tensorNotFound")
    func missingTensor() throws {
        let file = try SafeTensorsFile(url: TestSupport.fixtureURL("base.safetensors"))
        #expect(!file.contains("layers.1.weight"))
        #expect(throws: SafeTensorsError.tensorNotFound(path: file.path, name: "layers.1.weight")) {
            try file.floats(named: "layers.1.weight")
        }
        #expect(throws: SafeTensorsError.tensorNotFound(path: file.path, name: "Layers.0.weight")) {
            try file.info(named: "Layers.0.weight")
        }
    }

    @Test("rewriting a fixture with SafeTensorsWriter reproduces Python's bytes exactly",
          arguments: ["base.safetensors", "input.safetensors", "lora_adapter_model.safetensors", "dora_expected.safetensors"])
    func byteIdenticalRewrite(_ name: String) throws {
        let url = try TestSupport.fixtureURL(name)
        let original = try Data(contentsOf: url)
        let file = try SafeTensorsFile(url: url)
        var writer = SafeTensorsWriter(metadata: file.metadata)
        for info in file.tensors {
            switch info.dtype {
            case .f32:
                try writer.addTensor(named: info.name, shape: info.shape, floats: try file.floats(named: info.name))
            case .i64:
                try writer.addTensor(named: info.name, shape: info.shape, int64s: try file.int64s(named: info.name))
            default:
                try writer.addTensor(named: info.name, shape: info.shape, dtype: info.dtype, rawBytes: try file.rawBytes(named: info.name))
            }
        }
        #expect(try writer.serialized() == original)
    }
}
