import Testing
import TensorCore

@Suite("RandomGenerator")
struct RandomGeneratorTests {
    @Test func xoshiroMatchesThePublishedSequenceFromState1234() {
        var generator = RandomGenerator(state: (1, 2, 3, 4))
        let outputs = (0..<4).map { _ in generator.next() }
        #expect(outputs == [11520, 0, 1_509_978_240, 1_215_971_899_390_074_240])
    }

    @Test func seedingUsesSplitMix64() {
        // SplitMix64's first output for seed 0 is 0xE220A8397B1DCDAF.
        #expect(RandomGenerator(seed: 0).state.0 == 0xE220_A839_7B1D_CDAF)
    }

    @Test func sameSeedGivesSameSequence() {
        var first = RandomGenerator(seed: 42), second = RandomGenerator(seed: 42)
        for _ in 0..<100 { #expect(first.next() == second.next()) }
        #expect(RandomGenerator(seed: 42) != RandomGenerator(seed: 43))
    }

    @Test func unitFloatsAreInRangeWithMeanOneHalf() {
        var generator = RandomGenerator(seed: 7)
        var total: Double = 0
        for _ in 0..<100_000 {
            let value = generator.nextUnitFloat()
            #expect(value >= 0 && value < 1)
            total += Double(value)
        }
        #expect(abs(total / 100_000 - 0.5) < 0.01)
    }

    @Test func normalSamplesHaveUnitVariance() {
        var generator = RandomGenerator(seed: 3)
        let samples = (0..<100_000).map { _ in Double(generator.nextNormal()) }
        let mean = samples.reduce(0, +) / Double(samples.count)
        let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(samples.count)
        #expect(abs(mean) < 0.02)
        #expect(abs(variance - 1) < 0.02)
    }

    @Test func shuffleIsAPermutation() {
        var generator = RandomGenerator(seed: 5)
        var indices = Array(0..<1000)
        generator.shuffle(&indices)
        #expect(indices != Array(0..<1000))
        #expect(indices.sorted() == Array(0..<1000))
    }
}
