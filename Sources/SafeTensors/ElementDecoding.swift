/// Conversion of a tensor's little-endian bytes to `Float` or `Int64` elements.
///
/// Every loop reads with `loadUnaligned`, so tensors need not be aligned in the file, and
/// reads at most `destination.count` elements, so a short source can never be over-read.
enum ElementDecoding {

    /// Outcome of an integer conversion.
    enum IntegerResult: Equatable {
        case success
        case unsupported
        /// A `U64` value above `Int64.max` at this element index.
        case outOfRange(index: Int, value: UInt64)
    }

    /// Converts `source` (elements of `dtype`) into `destination`, one element per slot.
    /// Returns `false` for dtypes with no `Float` conversion (packed micro-floats, `C64`)
    /// or when `source` is too short.
    static func decodeFloats(
        _ dtype: SafeTensorsDType,
        from source: UnsafeRawBufferPointer,
        into destination: UnsafeMutableBufferPointer<Float>
    ) -> Bool {
        guard dtype.isConvertibleToFloat else { return false }
        let count = destination.count
        let size = dtype.bitWidth / 8
        guard count == 0 || source.count / size >= count else { return false }
        if count == 0 { return true }

        switch dtype {
        case .f32:
            #if _endian(little)
            UnsafeMutableRawBufferPointer(destination)
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<(count * 4)]))
            #else
            for i in 0..<count {
                destination[i] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            }
            #endif
        case .f16:
            for i in 0..<count {
                destination[i] = HalfPrecision.float(fromFloat16Bits: load(UInt16.self, source, i))
            }
        case .bf16:
            for i in 0..<count {
                destination[i] = HalfPrecision.float(fromBFloat16Bits: load(UInt16.self, source, i))
            }
        case .f64:
            for i in 0..<count {
                destination[i] = Float(Double(bitPattern: load(UInt64.self, source, i)))
            }
        case .f8E5M2:
            for i in 0..<count {
                // E5M2 is the upper byte of an F16.
                destination[i] = HalfPrecision.float(fromFloat16Bits: UInt16(source[i]) << 8)
            }
        case .f8E4M3:
            for i in 0..<count {
                destination[i] = float(fromFloat8E4M3FNBits: source[i])
            }
        case .f8E8M0:
            for i in 0..<count {
                destination[i] = float(fromFloat8E8M0Bits: source[i])
            }
        case .bool:
            for i in 0..<count {
                destination[i] = source[i] == 0 ? 0 : 1
            }
        case .u8:
            for i in 0..<count { destination[i] = Float(source[i]) }
        case .i8:
            for i in 0..<count { destination[i] = Float(Int8(bitPattern: source[i])) }
        case .u16:
            for i in 0..<count { destination[i] = Float(load(UInt16.self, source, i)) }
        case .i16:
            for i in 0..<count { destination[i] = Float(Int16(bitPattern: load(UInt16.self, source, i))) }
        case .u32:
            for i in 0..<count { destination[i] = Float(load(UInt32.self, source, i)) }
        case .i32:
            for i in 0..<count { destination[i] = Float(Int32(bitPattern: load(UInt32.self, source, i))) }
        case .u64:
            for i in 0..<count { destination[i] = Float(load(UInt64.self, source, i)) }
        case .i64:
            for i in 0..<count { destination[i] = Float(Int64(bitPattern: load(UInt64.self, source, i))) }
        case .f4, .f6E2M3, .f6E3M2, .c64:
            return false
        }
        return true
    }

    /// Converts integer or boolean elements into `destination`. Floating-point dtypes are
    /// `.unsupported`: they are never truncated silently.
    static func decodeInt64s(
        _ dtype: SafeTensorsDType,
        from source: UnsafeRawBufferPointer,
        into destination: UnsafeMutableBufferPointer<Int64>
    ) -> IntegerResult {
        guard dtype.isInteger else { return .unsupported }
        let count = destination.count
        let size = dtype.bitWidth / 8
        guard count == 0 || source.count / size >= count else { return .unsupported }
        if count == 0 { return .success }

        switch dtype {
        case .bool:
            for i in 0..<count { destination[i] = source[i] == 0 ? 0 : 1 }
        case .u8:
            for i in 0..<count { destination[i] = Int64(source[i]) }
        case .i8:
            for i in 0..<count { destination[i] = Int64(Int8(bitPattern: source[i])) }
        case .u16:
            for i in 0..<count { destination[i] = Int64(load(UInt16.self, source, i)) }
        case .i16:
            for i in 0..<count { destination[i] = Int64(Int16(bitPattern: load(UInt16.self, source, i))) }
        case .u32:
            for i in 0..<count { destination[i] = Int64(load(UInt32.self, source, i)) }
        case .i32:
            for i in 0..<count { destination[i] = Int64(Int32(bitPattern: load(UInt32.self, source, i))) }
        case .i64:
            for i in 0..<count { destination[i] = Int64(bitPattern: load(UInt64.self, source, i)) }
        case .u64:
            for i in 0..<count {
                let value = load(UInt64.self, source, i)
                guard let converted = Int64(exactly: value) else {
                    return .outOfRange(index: i, value: value)
                }
                destination[i] = converted
            }
        default:
            return .unsupported
        }
        return .success
    }

    /// Element `index` of a little-endian array of `T` starting at `source`.
    @inline(__always)
    private static func load<T: FixedWidthInteger>(_ type: T.Type, _ source: UnsafeRawBufferPointer, _ index: Int) -> T {
        T(littleEndian: source.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.size, as: T.self))
    }

    /// OCP FP8 E4M3 "FN" (as in PyTorch `float8_e4m3fn`): bias 7, no infinities,
    /// `S.1111.111` is NaN, subnormals are fraction x 2^-9. Every value is exact in `Float`.
    static func float(fromFloat8E4M3FNBits bits: UInt8) -> Float {
        let negative = bits & 0x80 != 0
        let exponent = Int((bits >> 3) & 0x0F)
        let fraction = Int(bits & 0x07)
        let magnitude: Float
        if exponent == 0x0F && fraction == 0x07 {
            magnitude = .nan
        } else if exponent == 0 {
            magnitude = Float(fraction) * 0x1p-9
        } else {
            magnitude = Float(sign: .plus, exponent: exponent - 7, significand: 1 + Float(fraction) / 8)
        }
        return negative ? -magnitude : magnitude
    }

    /// OCP MX E8M0 scale: 2^(bits - 127), `0xFF` is NaN. 2^-127 is a `Float` subnormal, exact.
    static func float(fromFloat8E8M0Bits bits: UInt8) -> Float {
        bits == 0xFF ? .nan : Float(sign: .plus, exponent: Int(bits) - 127, significand: 1)
    }
}
