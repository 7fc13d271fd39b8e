import Collectives
import NN
import TensorCore

extension Module {
    /// Gives every stochastic module (dropout, adapter dropout) of rank `r > 0` of a
    /// data-parallel `group` its own generator, derived from its current state and `r`:
    /// `seed = s₀ ⊕ rotl(s₁, 17) ⊕ rotl(s₂, 31) ⊕ rotl(s₃, 47)`, then
    /// `RandomGenerator(seed: seed + 0x9E3779B97F4A7C15 · r)`. Without it every rank would
    /// start from the same state and draw the same masks over its share of the batch.
    /// Rank 0 keeps its generators (they are the ones a checkpoint saves); one process changes
    /// nothing. Call it once per launch, after restoring a checkpoint: a run with dropout
    /// resumed at several ranks is then a valid run, but not bit-identical to an uninterrupted
    /// one (ranks above 0 draw from a newly derived state).
    public func separateRandomStreams(for group: any ProcessGroup) throws {
        guard group.isDistributed, group.rank > 0 else { return }
        let generators = namedGenerators()
        guard !generators.isEmpty else { return }
        var derived: [String: RandomGenerator] = [:]
        for (path, generator) in generators {
            let (s0, s1, s2, s3) = generator.state
            let seed = s0 ^ s1.rotatedLeft(17) ^ s2.rotatedLeft(31) ^ s3.rotatedLeft(47)
            derived[path] = RandomGenerator(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(group.rank))
        }
        try restoreGenerators(derived)
    }
}

extension UInt64 {
    fileprivate func rotatedLeft(_ count: UInt64) -> UInt64 { (self << count) | (self >> (64 - count)) }
}
