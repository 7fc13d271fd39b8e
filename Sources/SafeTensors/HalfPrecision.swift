/// Bit-exact conversions between `Float` and the two 16-bit float formats of safetensors.
///
/// * **F16** (IEEE 754 binary16): 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits.
///   Largest finite value 65504, smallest normal 2^-14, smallest subnormal 2^-24.
/// * **BF16** (bfloat16): the upper 16 bits of a binary32 `Float`: 1 sign bit, 8 exponent
///   bits (bias 127), 7 fraction bits.
///
/// Widening (16 -> 32 bits) is exact for every input, subnormals, infinities and NaN
/// payloads included. Narrowing (32 -> 16 bits) rounds to nearest, ties to even, like IEEE
/// 754 and PyTorch: values too large round to infinity, values too small to (signed) zero,
/// and NaN stays NaN (quieted, sign and leading payload bits kept).
///
/// Implemented with integer bit manipulation only, so it behaves the same on every platform
/// (Swift's `Float16` is not available on macOS x86-64).
public enum HalfPrecision {

    /// The `Float` whose value equals the F16 value with bit pattern `bits`.
    @inlinable
    public static func float(fromFloat16Bits bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let fraction = UInt32(bits) & 0x3FF
        if exponent == 0x1F {
            // Infinity (fraction 0) or NaN (payload moved to the top of the Float fraction).
            return Float(bitPattern: sign | 0x7F80_0000 | (fraction << 13))
        }
        if exponent != 0 {
            // Normal: rebias 15 -> 127.
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (fraction << 13))
        }
        if fraction == 0 {
            return Float(bitPattern: sign)  // signed zero
        }
        // Subnormal: fraction x 2^-24. Normalize: shift the leading 1 into bit 10.
        var normalized = fraction
        var floatExponent: UInt32 = 113  // 127 - 14, the exponent of 2^-14
        while normalized & 0x400 == 0 {
            normalized <<= 1
            floatExponent -= 1
        }
        return Float(bitPattern: sign | (floatExponent << 23) | ((normalized & 0x3FF) << 13))
    }

    /// The F16 bit pattern nearest to `value` (round to nearest, ties to even).
    @inlinable
    public static func float16Bits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        let fraction = bits & 0x7F_FFFF

        if exponent == 0xFF {
            if fraction == 0 {
                return sign | 0x7C00  // infinity
            }
            // NaN: keep the top 9 payload bits and set the quiet bit so it cannot become infinity.
            return sign | 0x7E00 | UInt16(truncatingIfNeeded: fraction >> 13)
        }
        let unbiased = exponent - 127
        if unbiased > 15 {
            return sign | 0x7C00  // overflow: rounds to infinity
        }
        if unbiased >= -14 {
            // Normal F16 range: keep 10 fraction bits, round the 13 dropped bits.
            var result = UInt32(unbiased + 15) << 10 | (fraction >> 13)
            let dropped = fraction & 0x1FFF
            if dropped > 0x1000 || (dropped == 0x1000 && result & 1 == 1) {
                result += 1  // may carry into the exponent, up to 0x7C00 = infinity: correct
            }
            return sign | UInt16(truncatingIfNeeded: result)
        }
        if unbiased < -25 {
            return sign  // below half the smallest subnormal (this includes Float subnormals)
        }
        // F16 subnormal: the value is significand x 2^(unbiased - 23) with a 24-bit
        // significand; in units of 2^-24 that is significand >> (-(unbiased + 1)).
        let significand = fraction | 0x80_0000
        let shift = UInt32(-(unbiased + 1))  // 14...24
        var result = significand >> shift
        let dropped = significand & ((1 << shift) - 1)
        let half: UInt32 = 1 << (shift - 1)
        if dropped > half || (dropped == half && result & 1 == 1) {
            result += 1  // may become 0x400, the smallest normal: correct encoding
        }
        return sign | UInt16(truncatingIfNeeded: result)
    }

    /// The `Float` whose value equals the BF16 value with bit pattern `bits` (always exact).
    @inlinable
    public static func float(fromBFloat16Bits bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// The BF16 bit pattern nearest to `value` (round to nearest, ties to even).
    @inlinable
    public static func bfloat16Bits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if bits & 0x7FFF_FFFF > 0x7F80_0000 {
            // NaN: truncate and force the quiet bit so the payload cannot round to infinity.
            return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040
        }
        // Adding 0x7FFF plus the lowest kept bit rounds to nearest, ties to even; the carry
        // propagates into the exponent (finite values past the largest BF16 become infinity).
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }
}
