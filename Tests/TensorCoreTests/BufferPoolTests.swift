import Testing
import TensorCore
import TestSupport

/// The buffer pool under changing shapes: bounded, and flat once every size a run uses has
/// been seen. Each test runs on one thread and uses that thread's pool, so it first sets the
/// pool to a known state and restores the default limit afterwards.
struct BufferPoolTests {
    /// One step of a two-layer model on `[batch·tokens, features]` rows (a token model's
    /// shapes flattened): `h = relu(x·W₁ᵀ + b₁)`, `y = h·W₂ᵀ + b₂`, `L = mean(y²)`, backward,
    /// then a plain SGD update in place, so tensors live as long as in a training step.
    private struct TwoLayerModel {
        let parameters: [Tensor]

        init() {
            parameters = [TestTensors.random([48, 24], seed: 1), TestTensors.random([48], seed: 2),
                          TestTensors.random([16, 48], seed: 3), TestTensors.random([16], seed: 4)]
            for parameter in parameters { parameter.requiresGradient = true }
        }

        func step(rows: Int, using generator: inout RandomGenerator) throws -> Float {
            let x = Tensor.uniform([rows, 24], low: -1, high: 1, using: &generator)
            let hidden = try Tensor.linear(x, weight: parameters[0], bias: parameters[1]).relu()
            let y = try Tensor.linear(hidden, weight: parameters[2], bias: parameters[3])
            let loss = try (y * y).mean()
            loss.backward()
            for parameter in parameters {
                let gradient = parameter.gradient!.scalars
                parameter.withUnsafeMutableBufferPointer { values in
                    for index in values.indices { values[index] -= 0.01 * gradient[index] }
                }
                parameter.clearGradient()
            }
            return loss.scalarValue
        }
    }

    @Test func randomBatchShapesLeaveTheCacheAndTheSystemAllocationsFlat() throws {
        let pool = BufferPool.current
        pool.releaseCachedBuffers()
        pool.resetPeakLiveBytes()
        let releasesBefore = pool.systemReleaseCount
        let model = TwoLayerModel()
        var generator = RandomGenerator(seed: 7)
        func randomStep() throws {
            let batch = Int(generator.next() % 8) + 1, tokens = Int(generator.next() % 64) + 1
            _ = try model.step(rows: batch * tokens, using: &generator)
            #expect(pool.cachedBytes <= pool.cachedByteLimit)
        }
        for _ in 0..<400 { try randomStep() }
        let allocationsAfterWarmUp = pool.systemAllocationCount
        let cachedAfterWarmUp = pool.cachedBytes
        var cachedAfterEachStep: Set<Int> = []
        for _ in 0..<400 {
            try randomStep()
            cachedAfterEachStep.insert(pool.cachedBytes)
        }
        // No new system buffers, none given back (the run stays far below the limit), and
        // between steps the same bytes cached: every buffer of the step is back in the pool.
        #expect(pool.systemAllocationCount == allocationsAfterWarmUp)
        #expect(pool.systemReleaseCount == releasesBefore)
        #expect(cachedAfterEachStep == [cachedAfterWarmUp])
    }

    @Test func overTheLimitTheLeastRecentlyUsedClassIsFreedFirst() throws {
        let pool = BufferPool.current
        let previousLimit = pool.cacheLimit
        defer { pool.cacheLimit = previousLimit }
        pool.releaseCachedBuffers()
        // Three sizes in three different classes: 4 KiB, 8 KiB and 16 KiB buffers.
        let small = 1024, medium = 2048, large = 4096
        pool.cacheLimit = .bytes(4 * (medium + large))
        do {
            _ = Tensor(zeros: [small])  // returned first: the least recently used class
            _ = Tensor(zeros: [medium])
            _ = Tensor(zeros: [large])
        }
        #expect(pool.cachedBytes == 4 * (small + medium + large) - 4 * small)
        #expect(pool.systemReleaseCount >= 1)

        // The medium and large buffers are still there; the small one must come from the system.
        let allocations = pool.systemAllocationCount
        let keptMedium = Tensor(zeros: [medium]), keptLarge = Tensor(zeros: [large])
        #expect(pool.systemAllocationCount == allocations)
        let newSmall = Tensor(zeros: [small])
        #expect(pool.systemAllocationCount == allocations + 1)
        withExtendedLifetime((keptMedium, keptLarge, newSmall)) {}

        // Lowering the limit frees at once; never more than the limit is kept.
        pool.cacheLimit = .bytes(4 * large)
        #expect(pool.cachedBytes <= 4 * large)
        pool.trim(toBytes: 0)
        #expect(pool.cachedBytes == 0)
    }

    @Test func aBufferLargerThanTheLimitGoesStraightBack() {
        let pool = BufferPool.current
        let previousLimit = pool.cacheLimit
        defer { pool.cacheLimit = previousLimit }
        pool.releaseCachedBuffers()
        pool.cacheLimit = .bytes(1000)
        let released = pool.systemReleaseCount
        do { _ = Tensor(zeros: [1000]) }
        #expect(pool.cachedBytes == 0)
        #expect(pool.systemReleaseCount == released + 1)
    }

    @Test func theLimitFollowsThePeakLiveBytes() {
        let pool = BufferPool.current
        let previousLimit = pool.cacheLimit
        defer { pool.cacheLimit = previousLimit }
        pool.releaseCachedBuffers()
        pool.resetPeakLiveBytes()
        pool.cacheLimit = BufferPool.CacheLimit(minimumBytes: 0, peakLiveBytesMultiple: 2)
        let before = pool.peakLiveBytes
        let tensors = (0..<4).map { _ in Tensor(zeros: [1 << 16]) }  // 256 KiB each, one class
        #expect(pool.peakLiveBytes >= before + 4 << 18)
        #expect(pool.cachedByteLimit == 2 * pool.peakLiveBytes)
        withExtendedLifetime(tensors) {}
    }

    @Test func aRequestWhoseClassIsEmptyTakesAFreeBufferUpToTwiceItsClassSize() {
        let pool = BufferPool.current
        pool.releaseCachedBuffers()
        do { _ = Tensor(zeros: [1000]) }  // leaves one buffer of the 1024-float class
        let allocations = pool.systemAllocationCount
        do {
            let sevenHundred = Tensor(repeating: 1, shape: [700])  // class 768, four classes below 1024
            #expect(pool.systemAllocationCount == allocations)
            #expect(sevenHundred.scalars == [Float](repeating: 1, count: 700))
        }
        do { _ = Tensor(zeros: [1000]) }  // the buffer went back to its own class
        do { _ = Tensor(zeros: [400]) }  // class 448: 1024 is five classes up, too far
        #expect(pool.systemAllocationCount == allocations + 1)
    }

    @Test func largestRequestReportsTheRequestedCount() {
        let pool = BufferPool.current
        pool.resetLargestRequest()
        _ = Tensor(zeros: [1001])  // served from the 1024-float class
        #expect(pool.largestRequest == 1001)
    }
}
