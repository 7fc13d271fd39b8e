import Foundation
import Testing
import SafeTensors

/// Writing with SafeTensorsWriter and reading back.
@Suite("Writer round trips and output format")
struct RoundTripTests {

    @Test("F32, F16, BF16, F64 and I64 tensors with metadata round-trip through a file")
    func mixedRoundTrip() throws {
        let directory = try TestSupport.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("mixed.safetensors").path

        let f32: [Float] = [0, -1.5, .pi, 0x1p-140, -.infinity, 3.4e38]
        let halfExact: [Float] = [1, -2, 0.5, 65504, 0x1p-24, -0.0]
        let bf16Exact: [Float] = [1, -2, 3.140625, 0x1p-133, 1e38]
        let f64: [Float] = [0.1, -7]
        let ints: [Int64] = [Int64.min, -1, 0, 42, Int64.max]

        var writer = SafeTensorsWriter(metadata: ["format": "pt", "note": "round \"trip\"\n\\ é 日本"])
        try writer.addTensor(named: "w.f32", shape: [2, 3], floats: f32)
        try writer.addTensor(named: "w.f16", shape: [3, 2], floats: halfExact, as: .f16)
        try writer.addTensor(named: "w.bf16", shape: [5], floats: bf16Exact, as: .bf16)
        try writer.addTensor(named: "w.f64", shape: [2, 1], floats: f64, as: .f64)
        try writer.addTensor(named: "ids", shape: [5], int64s: ints)
        try writer.addTensor(named: "scalar", shape: [], floats: [7])
        try writer.addTensor(named: "empty", shape: [0, 4], floats: [])
        #expect(writer.tensorNames == ["empty", "ids", "scalar", "w.bf16", "w.f16", "w.f32", "w.f64"])
        try writer.write(toPath: path)

        let file = try SafeTensorsFile(path: path)
        #expect(file.names == ["empty", "ids", "scalar", "w.bf16", "w.f16", "w.f32", "w.f64"])
        #expect(file.metadata == writer.metadata)
        #expect(try file.floats(named: "w.f32").map(\.bitPattern) == f32.map(\.bitPattern))
        #expect(try file.floats(named: "w.f16").map(\.bitPattern) == halfExact.map(\.bitPattern))
        #expect(try file.floats(named: "w.bf16") == bf16Exact.map { HalfPrecision.float(fromBFloat16Bits: HalfPrecision.bfloat16Bits(from: $0)) })
        #expect(try file.floats(named: "w.bf16").prefix(4) == bf16Exact.prefix(4))
        #expect(try file.floats(named: "w.f64") == f64)
        #expect(try file.int64s(named: "ids") == ints)
        #expect(try file.info(named: "scalar").shape == [])
        #expect(try file.floats(named: "scalar") == [7])
        #expect(try file.info(named: "empty").elementCount == 0)
        #expect(try file.floats(named: "empty") == [])
        #expect(try file.info(named: "w.f16").dtype == .f16)
        #expect(try file.info(named: "w.bf16").dtype == .bf16)
        #expect(try file.info(named: "w.f64").dtype == .f64)
        #expect(try file.info(named: "ids").dtype == .i64)
        #expect(try file.info(named: "w.f32").shape == [2, 3])
    }

    @Test("F16 and BF16 writing rounds to nearest, ties to even")
    func narrowingOnWrite() throws {
        var writer = SafeTensorsWriter()
        try writer.addTensor(named: "h", shape: [3], floats: [1 + 0x1p-11, 1 + 0x1.8p-10, 0.1], as: .f16)
        try writer.addTensor(named: "b", shape: [2], floats: [Float(bitPattern: 0x3F80_8000), Float(bitPattern: 0x3F81_8000)], as: .bf16)
        let file = try SafeTensorsFile(data: writer.serialized())
        #expect(try file.rawBytes(named: "h") == TestSupport.bytes([UInt16(0x3C00), 0x3C02, 0x2E66]))
        #expect(try file.rawBytes(named: "b") == TestSupport.bytes([UInt16(0x3F80), 0x3F82]))
    }

    @Test("the header is compact JSON padded with spaces to a multiple of 8")
    func headerLayout() throws {
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        try writer.addTensor(named: "b", shape: [2], floats: [1, 2])
        try writer.addTensor(named: "a", shape: [1], floats: [3])
        let bytes = [UInt8](try writer.serialized())
        let length = Int(bytes[0]) | Int(bytes[1]) << 8
        #expect(bytes[2..<8].allSatisfy { $0 == 0 })
        #expect(length % 8 == 0)
        let header = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
        let json = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        #expect(header.hasPrefix(json))
        #expect(header.dropFirst(json.utf8.count).allSatisfy { $0 == " " })
        #expect(header.utf8.count - json.utf8.count < 8)
        #expect(bytes.count == 8 + length + 12)
    }

    @Test("matches the reference implementation's serialization test byte for byte")
    func referenceBytes() throws {
        // huggingface/safetensors tensor.rs `test_serialization`: "attn.0", F32, [1, 2, 3].
        var writer = SafeTensorsWriter()
        try writer.addTensor(named: "attn.0", shape: [1, 2, 3], floats: [0, 1, 2, 3, 4, 5])
        let expected: [UInt8] = [
            64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
            116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
            58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
            101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
            0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
        ]
        #expect([UInt8](try writer.serialized()) == expected)
    }

    @Test("an empty writer produces {} padded to 8 bytes, with or without metadata")
    func emptyFiles() throws {
        #expect([UInt8](try SafeTensorsWriter().serialized()) == [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32])
        let withMetadata = try SafeTensorsWriter(metadata: ["framework": "pt"]).serialized()
        #expect([UInt8](withMetadata) == [40, 0, 0, 0, 0, 0, 0, 0] + Array(#"{"__metadata__":{"framework":"pt"}}"#.utf8) + [32, 32, 32, 32, 32])
        let file = try SafeTensorsFile(data: withMetadata)
        #expect(file.tensors.isEmpty)
        #expect(file.metadata == ["framework": "pt"])
    }

    @Test("mixed dtypes are laid out widest first, then by name, so every tensor is aligned")
    func dtypeOrdering() throws {
        var writer = SafeTensorsWriter()
        try writer.addTensor(named: "a.half", shape: [3], floats: [1, 2, 3], as: .f16)
        try writer.addTensor(named: "b.float", shape: [1], floats: [1])
        try writer.addTensor(named: "c.long", shape: [1], int64s: [1])
        try writer.addTensor(named: "d.byte", shape: [1], dtype: .u8, rawBytes: [9])
        try writer.addTensor(named: "e.double", shape: [1], floats: [1], as: .f64)
        let file = try SafeTensorsFile(data: writer.serialized())
        let byOffset = file.tensors.sorted { $0.dataOffsets.lowerBound < $1.dataOffsets.lowerBound }
        #expect(byOffset.map(\.name) == ["c.long", "e.double", "b.float", "a.half", "d.byte"])
        for info in file.tensors {
            #expect(info.fileByteRange.lowerBound % (info.dtype.bitWidth / 8) == 0, "\(info.name)")
        }
    }

    @Test("names and metadata with quotes, escapes, control characters and non-ASCII survive")
    func unusualNames() throws {
        let names = ["quote\"d", "back\\slash", "new\nline", "tab\t", "bell\u{07}", "nul\u{00}", "slash/", "日本語", "emoji 🦙", ""]
        var writer = SafeTensorsWriter(metadata: ["k\"\u{01}": "v\u{1F}\\", "": ""])
        for (index, name) in names.enumerated() {
            try writer.addTensor(named: name, shape: [1], floats: [Float(index)])
        }
        let data = try writer.serialized()
        let file = try SafeTensorsFile(data: data)
        #expect(Set(file.names) == Set(names))
        #expect(file.metadata == writer.metadata)
        for (index, name) in names.enumerated() {
            #expect(try file.floats(named: name) == [Float(index)])
        }
        // serde_json escapes control characters as lowercase \u00xx.
        let header = String(decoding: data, as: UTF8.self)
        #expect(header.contains(#""bell\u0007""#))
        #expect(header.contains(#""k\"\u0001":"v\u001f\\""#))
    }

    @Test("writer rejects bad input with precise errors")
    func writerErrors() throws {
        var writer = SafeTensorsWriter()
        try writer.addTensor(named: "x", shape: [2], floats: [1, 2])
        #expect(throws: SafeTensorsError.duplicateTensorName(name: "x")) {
            try writer.addTensor(named: "x", shape: [1], floats: [1])
        }
        #expect(throws: SafeTensorsError.invalidTensorName(name: "__metadata__", reason: "\"__metadata__\" is reserved for the metadata map")) {
            try writer.addTensor(named: "__metadata__", shape: [1], floats: [1])
        }
        #expect(throws: SafeTensorsError.valueCountMismatch(tensor: "y", shape: [2, 3], expected: 6, actual: 5)) {
            try writer.addTensor(named: "y", shape: [2, 3], floats: [1, 2, 3, 4, 5])
        }
        #expect(throws: SafeTensorsError.valueCountMismatch(tensor: "y", shape: [2], expected: 2, actual: 3)) {
            try writer.addTensor(named: "y", shape: [2], int64s: [1, 2, 3])
        }
        #expect(throws: SafeTensorsError.invalidShape(tensor: "y", shape: [2, -1])) {
            try writer.addTensor(named: "y", shape: [2, -1], floats: [])
        }
        #expect(throws: SafeTensorsError.invalidShape(tensor: "y", shape: [Int.max, 2])) {
            try writer.addTensor(named: "y", shape: [Int.max, 2], floats: [])
        }
        #expect(throws: SafeTensorsError.unsupportedWriteType(tensor: "y", dtype: .i32, source: "Float")) {
            try writer.addTensor(named: "y", shape: [1], floats: [1], as: .i32)
        }
        #expect(throws: SafeTensorsError.valueCountMismatch(tensor: "y", shape: [2], expected: 4, actual: 3)) {
            try writer.addTensor(named: "y", shape: [2], dtype: .f16, rawBytes: [1, 2, 3])
        }
        #expect(throws: SafeTensorsError.packedSizeNotWholeBytes(path: "<writer>", tensor: "y", dtype: .f4, elementCount: 3)) {
            try writer.addTensor(named: "y", shape: [3], dtype: .f4, rawBytes: [1, 2])
        }
        // Failed additions leave the writer unchanged.
        #expect(writer.tensorNames == ["x"])
    }
}
