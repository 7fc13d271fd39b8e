import Foundation
import Testing
import SafeTensors

/// Reading every convertible dtype as Float and Int64, from hand-built files.
@Suite("Element conversions for every dtype")
struct ElementConversionTests {

    /// Writes one tensor of raw bytes and opens the result.
    private func file(_ dtype: SafeTensorsDType, shape: [Int], bytes: [UInt8]) throws -> SafeTensorsFile {
        var writer = SafeTensorsWriter()
        try writer.addTensor(named: "t", shape: shape, dtype: dtype, rawBytes: bytes)
        return try SafeTensorsFile(data: writer.serialized())
    }

    @Test("signed and unsigned integers read as Float and Int64")
    func integers() throws {
        let cases: [(SafeTensorsDType, [UInt8], [Int64])] = [
            (.u8, [0, 1, 255], [0, 1, 255]),
            (.i8, [0, 0x7F, 0x80, 0xFF], [0, 127, -128, -1]),
            (.u16, TestSupport.bytes([UInt16(0), 1, 65535]), [0, 1, 65535]),
            (.i16, TestSupport.bytes([Int16.min, -1, Int16.max]), [-32768, -1, 32767]),
            (.u32, TestSupport.bytes([UInt32(0), UInt32.max]), [0, 4_294_967_295]),
            (.i32, TestSupport.bytes([Int32.min, -7, Int32.max]), [-2_147_483_648, -7, 2_147_483_647]),
            (.i64, TestSupport.bytes([Int64.min, -3, Int64.max]), [Int64.min, -3, Int64.max]),
            (.u64, TestSupport.bytes([UInt64(0), UInt64(Int64.max)]), [0, Int64.max]),
            (.bool, [0, 1, 0, 1], [0, 1, 0, 1]),
        ]
        for (dtype, bytes, expected) in cases {
            let file = try file(dtype, shape: [expected.count], bytes: bytes)
            #expect(try file.int64s(named: "t") == expected, "\(dtype)")
            #expect(try file.floats(named: "t") == expected.map { Float($0) }, "\(dtype)")
        }
    }

    @Test("U64 values above Int64.max throw integerOutOfRange")
    func u64OutOfRange() throws {
        let file = try file(.u64, shape: [2], bytes: TestSupport.bytes([UInt64(5), UInt64.max]))
        #expect(throws: SafeTensorsError.integerOutOfRange(path: "<memory>", tensor: "t", index: 1, value: UInt64.max)) {
            try file.int64s(named: "t")
        }
        #expect(try file.floats(named: "t") == [5, 0x1p64])
    }

    @Test("F64 rounds to the nearest Float; F16 and BF16 widen exactly")
    func floatingPoint() throws {
        let doubles: [Double] = [1, -2.5, 0.1, 1e300, .infinity]
        let f64 = try file(.f64, shape: [5], bytes: TestSupport.bytes(doubles.map(\.bitPattern)))
        #expect(try f64.floats(named: "t") == [1, -2.5, Float(0.1), .infinity, .infinity])

        let f16 = try file(.f16, shape: [4], bytes: TestSupport.bytes([UInt16(0x3C00), 0x0001, 0xFC00, 0x7BFF]))
        #expect(try f16.floats(named: "t") == [1, 0x1p-24, -.infinity, 65504])

        let bf16 = try file(.bf16, shape: [2, 2], bytes: TestSupport.bytes([UInt16(0x3F80), 0xC000, 0x0001, 0x7F80]))
        #expect(try bf16.floats(named: "t") == [1, -2, 0x1p-133, .infinity])
        #expect(throws: SafeTensorsError.unsupportedConversion(path: "<memory>", tensor: "t", dtype: .bf16, target: "Int64")) {
            try bf16.int64s(named: "t")
        }
    }

    @Test("FP8 formats: E5M2, E4M3 (fn) and E8M0")
    func float8() throws {
        let e5m2 = try file(.f8E5M2, shape: [4], bytes: [0x3C, 0x01, 0x7C, 0xC0])
        #expect(try e5m2.floats(named: "t") == [1, 0x1p-16, .infinity, -2])

        let e4m3 = try file(.f8E4M3, shape: [6], bytes: [0x38, 0x01, 0x7E, 0xB8, 0x08, 0x07])
        #expect(try e4m3.floats(named: "t") == [1, 0x1p-9, 448, -1, 0x1p-6, 7 * 0x1p-9])
        let nan = try file(.f8E4M3, shape: [2], bytes: [0x7F, 0xFF])
        #expect(try nan.floats(named: "t").allSatisfy(\.isNaN))

        let e8m0 = try file(.f8E8M0, shape: [4], bytes: [127, 128, 0, 0xFF])
        let scales = try e8m0.floats(named: "t")
        #expect(Array(scales.prefix(3)) == [1, 2, 0x1p-127])
        #expect(scales[3].isNaN)
    }

    @Test("packed micro-floats and C64 can be opened but not converted", arguments: [
        (SafeTensorsDType.f4, [2], 1),
        (.f6E2M3, [4], 3),
        (.f6E3M2, [4], 3),
        (.c64, [1], 8),
    ] as [(SafeTensorsDType, [Int], Int)])
    func unsupported(_ dtype: SafeTensorsDType, _ shape: [Int], _ byteCount: Int) throws {
        let file = try file(dtype, shape: shape, bytes: [UInt8](repeating: 0x11, count: byteCount))
        #expect(try file.info(named: "t").byteCount == byteCount)
        #expect(try file.rawBytes(named: "t") == [UInt8](repeating: 0x11, count: byteCount))
        #expect(throws: SafeTensorsError.unsupportedConversion(path: "<memory>", tensor: "t", dtype: dtype, target: "Float")) {
            try file.floats(named: "t")
        }
    }

    @Test("unaligned tensors are read correctly")
    func unaligned() throws {
        // One U8 element first, so the F32 tensor starts at an odd data offset.
        let header = #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"F32","shape":[2],"data_offsets":[1,9]}}"#
        let file = try TestSupport.open(header: header, data: [7] + TestSupport.bytes([Float(1.5), -3]))
        #expect(try file.floats(named: "b") == [1.5, -3])
        #expect(try file.int64s(named: "a") == [7])
    }
}
