import Foundation

/// A seeded pseudo-random generator: xoshiro256** (Blackman and Vigna, 2018), its
/// 256-bit state filled from the seed by SplitMix64, as the authors recommend.
///
/// The same seed gives the same sequence on every machine and every run; floats are
/// derived with exact integer arithmetic, so a seeded training run is reproducible bit
/// for bit on the same machine. The state is public so that a checkpoint can save and
/// restore it.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Equatable {
    /// The four 64-bit words of xoshiro256**'s state.
    public var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose state is derived from `seed` with SplitMix64.
    public init(seed: UInt64) {
        var mix = seed
        func splitMix() -> UInt64 {
            mix &+= 0x9E37_79B9_7F4A_7C15
            var z = mix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// A generator resuming from a saved state (not all zero).
    public init(state: (UInt64, UInt64, UInt64, UInt64)) {
        self.state = state
    }

    public static func == (lhs: RandomGenerator, rhs: RandomGenerator) -> Bool {
        lhs.state == rhs.state
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, by: 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotateLeft(state.3, by: 45)
        return result
    }

    private func rotateLeft(_ value: UInt64, by amount: UInt64) -> UInt64 {
        (value << amount) | (value >> (64 &- amount))
    }

    /// A float uniform in `[0, 1)`: the top 24 bits of the next word times 2⁻²⁴.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A float uniform in `[low, high)`.
    public mutating func nextFloat(in low: Float, _ high: Float) -> Float {
        low + (high - low) * nextUnitFloat()
    }

    /// A standard normal sample by the Box–Muller transform on two 53-bit uniforms
    /// (computed in Double, then rounded to Float).
    public mutating func nextNormal() -> Float {
        let u1 = (Double(next() >> 11) + 1) * (1.0 / 9_007_199_254_740_993.0)  // (0, 1]
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }

    /// A random permutation of `0..<count` (Fisher–Yates), written into `indices`.
    public mutating func shuffle(_ indices: inout [Int]) {
        guard indices.count > 1 else { return }
        for position in stride(from: indices.count - 1, to: 0, by: -1) {
            let other = Int(next() % UInt64(position + 1))
            indices.swapAt(position, other)
        }
    }
}
