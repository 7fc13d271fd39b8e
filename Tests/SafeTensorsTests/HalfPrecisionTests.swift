import TestSupport
import Testing
import SafeTensors

/// F16 and BF16 bit conversions against known bit patterns, exhaustively and, where the
/// platform has `Float16`, against the hardware/compiler conversion.
@Suite("F16 and BF16 conversions")
struct HalfPrecisionTests {

    // MARK: F16 -> Float

    @Test("F16 -> Float on known patterns", arguments: [
        (UInt16(0x0000), Float(0)),
        (0x3C00, 1),
        (0xC000, -2),
        (0x3555, 0.333251953125),
        (0x7BFF, 65504),             // largest finite
        (0xFBFF, -65504),
        (0x0400, 0x1p-14),           // smallest normal
        (0x03FF, 0x1.ff8p-15),       // largest subnormal = 1023 x 2^-24
        (0x0001, 0x1p-24),           // smallest subnormal
        (0x8001, -0x1p-24),
        (0x0200, 0x1p-15),
        (0x7C00, .infinity),
        (0xFC00, -.infinity),
    ] as [(UInt16, Float)])
    func f16ToFloat(_ bits: UInt16, _ value: Float) {
        #expect(HalfPrecision.float(fromFloat16Bits: bits) == value)
    }

    @Test("F16 negative zero and NaNs keep sign and payload")
    func f16Specials() {
        #expect(HalfPrecision.float(fromFloat16Bits: 0x8000).bitPattern == 0x8000_0000)
        #expect(HalfPrecision.float(fromFloat16Bits: 0x7E00).bitPattern == 0x7FC0_0000)
        #expect(HalfPrecision.float(fromFloat16Bits: 0x7C01).bitPattern == 0x7F80_2000)  // signalling, payload kept
        #expect(HalfPrecision.float(fromFloat16Bits: 0xFE00).bitPattern == 0xFFC0_0000)
        #expect(HalfPrecision.float(fromFloat16Bits: 0x7C01).isNaN)
    }

    // MARK: Float -> F16

    @Test("Float -> F16 on known values, rounding ties to even", arguments: [
        (Float(1), UInt16(0x3C00)),
        (-2, 0xC000),
        (65504, 0x7BFF),
        (65519.99, 0x7BFF),          // below the halfway point to 65536
        (65520, 0x7C00),             // halfway between 65504 and 65536: ties to even = infinity
        (1e6, 0x7C00),
        (-1e6, 0xFC00),
        (.infinity, 0x7C00),
        (-.infinity, 0xFC00),
        (-0.0, 0x8000),
        (0x1p-14, 0x0400),
        (0x1p-24, 0x0001),
        (0x1p-25, 0x0000),           // exactly half the smallest subnormal: ties to even = 0
        (0x1.000002p-25, 0x0001),    // just above half: rounds up
        (-0x1p-25, 0x8000),
        (0x1.8p-24, 0x0002),         // 1.5 x 2^-24: tie between 1 and 2 -> 2 (even)
        (0x1.4p-23, 0x0002),         // 2.5 x 2^-24: tie between 2 and 3 -> 2 (even)
        (0x1p-26, 0x0000),
        (0x1p-149, 0x0000),          // Float subnormal
        (0x1.ffcp-15, 0x0400),       // (2^-14 - 2^-25): tie between 0x03FF and 0x0400 -> 0x0400
        (1 + 0x1p-11, 0x3C00),       // tie between 0x3C00 and 0x3C01 -> even 0x3C00
        (1 + 0x1.8p-10, 0x3C02),     // tie between 0x3C01 and 0x3C02 -> even 0x3C02
        (Float(1 + 0x1p-11).nextUp, 0x3C01), // just above the tie
        (0.1, 0x2E66),
        (0.333333343, 0x3555),
    ] as [(Float, UInt16)])
    func floatToF16(_ value: Float, _ bits: UInt16) {
        #expect(HalfPrecision.float16Bits(from: value) == bits, "value \(value)")
    }

    @Test("Float -> F16 keeps NaN as a quiet NaN with its sign")
    func floatToF16NaN() {
        let quiet = HalfPrecision.float16Bits(from: .nan)
        #expect(quiet & 0x7C00 == 0x7C00 && quiet & 0x03FF != 0)
        #expect(quiet & 0x0200 != 0)
        // A signalling NaN whose payload lives only in the low 13 bits must not become infinity.
        let signalling = HalfPrecision.float16Bits(from: Float(bitPattern: 0x7F80_0001))
        #expect(signalling & 0x7C00 == 0x7C00 && signalling & 0x03FF != 0)
        #expect(HalfPrecision.float16Bits(from: Float(bitPattern: 0xFFC0_0000)) & 0x8000 == 0x8000)
    }

    @Test("every F16 pattern survives F16 -> Float -> F16 exactly (NaNs stay NaN)")
    func exhaustiveRoundTrip() {
        var failures = 0
        for raw in 0...UInt16.max {
            let value = HalfPrecision.float(fromFloat16Bits: raw)
            let back = HalfPrecision.float16Bits(from: value)
            let isNaN = raw & 0x7C00 == 0x7C00 && raw & 0x03FF != 0
            if isNaN {
                if !value.isNaN || back & 0x7C00 != 0x7C00 || back & 0x03FF == 0 { failures += 1 }
            } else if back != raw {
                failures += 1
            }
        }
        #expect(failures == 0)
    }

    @Test("Float -> F16 rounds to nearest on every F16 interval midpoint and its neighbours")
    func midpoints() {
        // For each pair of adjacent finite non-negative F16 values, the exact midpoint is a
        // Float; it must round to the even neighbour, and the Floats on either side to the
        // nearer one.
        var failures = 0
        for raw in UInt16(0)..<0x7BFF {
            let low = HalfPrecision.float(fromFloat16Bits: raw)
            let high = HalfPrecision.float(fromFloat16Bits: raw + 1)
            let middle = (low + high) / 2  // exact in Float
            let even = raw & 1 == 0 ? raw : raw + 1
            if HalfPrecision.float16Bits(from: middle) != even { failures += 1 }
            if HalfPrecision.float16Bits(from: middle.nextDown) != raw { failures += 1 }
            if HalfPrecision.float16Bits(from: middle.nextUp) != raw + 1 { failures += 1 }
            if HalfPrecision.float16Bits(from: -middle) != even | 0x8000 { failures += 1 }
        }
        #expect(failures == 0)
    }

    #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
    @Test("agrees with Swift's Float16 on all F16 patterns and on a million random Floats")
    func matchesFloat16() {
        var failures = 0
        for raw in 0...UInt16.max {
            let reference = Float(Float16(bitPattern: raw))
            let ours = HalfPrecision.float(fromFloat16Bits: raw)
            if reference.isNaN ? !ours.isNaN : reference.bitPattern != ours.bitPattern { failures += 1 }
        }
        var generator = SplitMix64(seed: 0x5AFE_7E45)
        for index in 0..<1_000_000 {
            // Mix uniformly random bit patterns with values concentrated in the F16 range.
            let value: Float = index % 2 == 0
                ? Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()))
                : Float(sign: generator.next() & 1 == 0 ? .plus : .minus,
                        exponent: Int(generator.next() % 48) - 30,
                        significand: 1 + Float(generator.next() % (1 << 23)) * 0x1p-23)
            let reference = Float16(value)
            let ours = HalfPrecision.float16Bits(from: value)
            if value.isNaN {
                if !Float16(bitPattern: ours).isNaN { failures += 1 }
            } else if reference.bitPattern != ours {
                failures += 1
            }
        }
        #expect(failures == 0)
    }
    #endif

    // MARK: BF16

    @Test("BF16 -> Float is the upper half of the Float bits, exhaustively")
    func bf16ToFloat() {
        var failures = 0
        for raw in 0...UInt16.max where HalfPrecision.float(fromBFloat16Bits: raw).bitPattern != UInt32(raw) << 16 {
            failures += 1
        }
        #expect(failures == 0)
        #expect(HalfPrecision.float(fromBFloat16Bits: 0x3F80) == 1)
        #expect(HalfPrecision.float(fromBFloat16Bits: 0xFF80) == -.infinity)
        #expect(HalfPrecision.float(fromBFloat16Bits: 0x0001) == 0x1p-133)  // subnormal
    }

    @Test("Float -> BF16 on known patterns, rounding ties to even", arguments: [
        (UInt32(0x3F80_0000), UInt16(0x3F80)),  // 1
        (0x3F80_8000, 0x3F80),                  // tie, kept bit even -> down
        (0x3F81_8000, 0x3F82),                  // tie, kept bit odd -> up
        (0x3F80_8001, 0x3F81),                  // above the tie
        (0x3F80_7FFF, 0x3F80),                  // below the tie
        (0x7F7F_FFFF, 0x7F80),                  // Float.greatestFiniteMagnitude rounds to infinity
        (0x7F7F_7FFF, 0x7F7F),                  // largest value that stays finite
        (0x7F80_0000, 0x7F80),                  // infinity
        (0xFF80_0000, 0xFF80),                  // -infinity
        (0x8000_0000, 0x8000),                  // -0
        (0x0001_0000, 0x0001),                  // subnormal, exact
        (0x0000_0001, 0x0000),                  // smallest Float subnormal rounds to 0
        (0x0000_8000, 0x0000),                  // tie at zero -> even
        (0x0001_8000, 0x0002),                  // subnormal tie, odd -> up
        (0x3DCC_CCCD, 0x3DCD),                  // 0.1
    ] as [(UInt32, UInt16)])
    func floatToBF16(_ floatBits: UInt32, _ bits: UInt16) {
        #expect(HalfPrecision.bfloat16Bits(from: Float(bitPattern: floatBits)) == bits)
    }

    @Test("Float -> BF16 keeps NaNs NaN, including signalling NaNs with low payload bits")
    func floatToBF16NaN() {
        for pattern: UInt32 in [0x7FC0_0000, 0x7F80_0001, 0x7FFF_FFFF, 0xFF80_0001, 0xFFC0_0000] {
            let bits = HalfPrecision.bfloat16Bits(from: Float(bitPattern: pattern))
            #expect(HalfPrecision.float(fromBFloat16Bits: bits).isNaN, "pattern \(pattern)")
            #expect(bits & 0x8000 == UInt16(pattern >> 16) & 0x8000)
        }
    }

    @Test("every BF16 pattern survives BF16 -> Float -> BF16 exactly (NaNs stay NaN)")
    func bf16RoundTrip() {
        var failures = 0
        for raw in 0...UInt16.max {
            let value = HalfPrecision.float(fromBFloat16Bits: raw)
            let back = HalfPrecision.bfloat16Bits(from: value)
            if value.isNaN {
                if !HalfPrecision.float(fromBFloat16Bits: back).isNaN { failures += 1 }
            } else if back != raw {
                failures += 1
            }
        }
        #expect(failures == 0)
    }
}
