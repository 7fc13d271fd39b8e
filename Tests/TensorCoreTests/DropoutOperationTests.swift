import CKernels
import Testing
import TensorCore
import TestSupport

/// `Tensor.dropout` and `Tensor.dropoutMask`: masks from a keyed hash of the element index,
/// made again in the backward pass, the same for every thread count and every way of cutting
/// the index range.
struct DropoutOperationTests {
    static func ramp(_ count: Int) -> Tensor {
        // Every element non-zero, so a dropped element shows as an exact 0.
        // swiftlint:disable:next force_try
        try! Tensor(shape: [count], values: (0..<count).map { Float($0 % 97) + 0.5 })
    }

    @Test func aboutPOfTheElementsAreDroppedAndTheRestScaledByOneOverOneMinusP() throws {
        for probability: Float in [0.1, 0.5, 0.9] {
            var generator = RandomGenerator(seed: 11)
            let count = 1 << 20
            let mask = Tensor.dropoutMask(count: count, probability: probability, using: &generator).scalars
            let scale = 1 / (1 - probability)
            #expect(mask.allSatisfy { $0 == 0 || $0 == scale })
            let dropped = Double(mask.filter { $0 == 0 }.count)
            let expected = Double(count) * Double(probability)
            let deviation = (Double(count) * Double(probability) * Double(1 - probability)).squareRoot()
            #expect(abs(dropped - expected) < 6 * deviation, "p = \(probability): \(dropped) dropped")
            // Neighbours are independent: both of a pair dropped about p² of the time.
            var bothDropped = 0.0
            for index in stride(from: 0, to: count - 1, by: 2) where mask[index] == 0 && mask[index + 1] == 0 { bothDropped += 1 }
            let pairs = Double(count / 2), pairProbability = Double(probability * probability)
            #expect(abs(bothDropped - pairs * pairProbability) < 6 * (pairs * pairProbability * (1 - pairProbability)).squareRoot())
        }
    }

    @Test func dropoutAppliesTheMaskThatTheSameGeneratorStateGives() throws {
        let x = Self.ramp(10_001)
        var generator = RandomGenerator(seed: 3)
        var copy = generator
        let y = x.dropout(probability: 0.25, using: &generator)
        let mask = Tensor.dropoutMask(count: x.elementCount, probability: 0.25, using: &copy)
        #expect(generator == copy)
        #expect(y.scalars == zip(x.scalars, mask.scalars).map { $0 * $1 })
        // One word per call: the next call gets a different mask.
        let again = x.dropout(probability: 0.25, using: &generator)
        #expect(again.scalars != y.scalars)
    }

    @Test func backwardMultipliesByTheSameMaskAndAccumulates() throws {
        let count = 70_001
        let x = Self.ramp(count)
        x.requiresGradient = true
        var generator = RandomGenerator(seed: 5)
        var copy = generator
        let weights = TestTensors.random([count], seed: 6)
        try (x.dropout(probability: 0.3, using: &generator) * weights).sum().backward()
        let mask = Tensor.dropoutMask(count: count, probability: 0.3, using: &copy).scalars
        let expected = zip(weights.scalars, mask).map { $0 * $1 }
        #expect(try #require(x.gradient).scalars == expected)
        copy = RandomGenerator(seed: 5)
        try (x.dropout(probability: 0.3, using: &copy) * weights).sum().backward()
        #expect(try #require(x.gradient).scalars == expected.map { $0 + $0 })
    }

    @Test func everyThreadCountGivesTheSameBits() throws {
        let count = 200_003
        var results: [[Float]] = []
        for threads in [1, 2, 3] {
            results.append(try ThreadCountSetting.with(threads) {
                let x = Self.ramp(count)
                x.requiresGradient = true
                var generator = RandomGenerator(seed: 9)
                let y = x.dropout(probability: 0.1, using: &generator)
                y.sum().backward()
                let mask = Tensor.dropoutMask(count: count, probability: 0.1, using: &generator)
                return y.scalars + (try #require(x.gradient).scalars) + mask.scalars
            })
        }
        #expect(results[1] == results[0])
        #expect(results[2] == results[0])
    }

    /// A mask made in pieces (as the worker pool cuts it) equals the mask made at once,
    /// across a multiple of 2³² too, where the index's high word starts to count.
    @Test func piecesOfTheIndexRangeGiveTheSameMask() {
        let threshold: UInt32 = 1 << 23, scale: Float = 2
        func mask(first: UInt64, count: Int) -> [Float] {
            var values = [Float](repeating: -1, count: count)
            values.withUnsafeMutableBufferPointer { ck_dropout_mask(0x0123_4567_89AB_CDEF, first, $0.baseAddress, count, threshold, scale) }
            return values
        }
        let whole = mask(first: 0, count: 1_000)
        #expect(mask(first: 0, count: 37) + mask(first: 37, count: 963) == whole)
        let start = (UInt64(1) << 32) - 300
        let across = mask(first: start, count: 600)
        #expect(mask(first: start, count: 300) + mask(first: start + 300, count: 300) == across)
        #expect(mask(first: start, count: 123) + mask(first: start + 123, count: 477) == across)
        // The high word changes the decisions: indices 2³² + n and n are not the same draws.
        #expect(mask(first: 1 << 32, count: 1_000) != whole)
        var values = [Float](repeating: 0, count: 600)
        let x = (0..<600).map { Float($0) + 1 }
        values.withUnsafeMutableBufferPointer { y in
            x.withUnsafeBufferPointer { ck_dropout_apply(0x0123_4567_89AB_CDEF, start, $0.baseAddress, y.baseAddress, 600, threshold, scale, false) }
        }
        #expect(values == zip(x, across).map { $0 * $1 })
    }

    /// An element is dropped when its 24-bit uniform `u` has `u·2⁻²⁴ < p`: the threshold is `⌈p·2²⁴⌉`.
    @Test func thresholdIsTheCeilingOfPTimesTwoToTheTwentyFour() {
        #expect(Tensor.dropoutThreshold(probability: 0.1) == 1_677_722)
        #expect(Tensor.dropoutThreshold(probability: 0.5) == 8_388_608)
        #expect(Tensor.dropoutThreshold(probability: 0) == 0)
        var generator = RandomGenerator(seed: 1)
        let unchanged = Tensor.dropoutMask(count: 1_000, probability: 0, using: &generator)
        #expect(unchanged.scalars.allSatisfy { $0 == 1 })
    }

    @Test func notANumberStaysNotANumberWhereDropped() throws {
        let x = try Tensor(shape: [4_096], values: [Float](repeating: .nan, count: 4_096))
        var generator = RandomGenerator(seed: 2)
        let y = x.dropout(probability: 0.5, using: &generator)
        #expect(y.scalars.allSatisfy { $0.isNaN })
    }
}
