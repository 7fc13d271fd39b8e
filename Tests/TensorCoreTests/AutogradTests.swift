import Testing
import TensorCore
import TestSupport

@Suite("Autograd semantics")
struct AutogradTests {
    @Test func gradientsAccumulateAcrossBackwardCalls() throws {
        let x = try Tensor(shape: [2], values: [1, 2], requiresGradient: true)
        try (x * x).sum().backward()
        try (x * x).sum().backward()
        #expect(x.gradient?.scalars == [4, 8])
        x.clearGradient()
        #expect(x.gradient == nil)
    }

    @Test func aTensorUsedTwiceReceivesBothContributions() throws {
        let x = try Tensor(shape: [3], values: [1, 2, 3], requiresGradient: true)
        let y = x * 2
        let z = try (y * y + y).sum()  // Σ 4x² + 2x → 8x + 2
        z.backward()
        #expect(x.gradient?.scalars == [10, 18, 26])
    }

    @Test func noGradientScopeRecordsNothing() throws {
        let x = Tensor(repeating: 1, shape: [2], requiresGradient: true)
        let y = withoutGradients { x * 3 }
        #expect(!y.requiresGradient)
        #expect(y.isLeaf)
    }

    @Test func detachedStopsTheGradient() throws {
        let x = Tensor(repeating: 2, shape: [2], requiresGradient: true)
        let loss = try (x * x.detached()).sum()
        loss.backward()
        #expect(x.gradient?.scalars == [2, 2])
    }

    @Test func frozenInputsGetNoGradient() throws {
        let frozen = Tensor(repeating: 1, shape: [2, 2])
        let trained = Tensor(repeating: 1, shape: [2, 2], requiresGradient: true)
        try frozen.matmul(trained).sum().backward()
        #expect(frozen.gradient == nil)
        #expect(trained.gradient != nil)
    }

    @Test func deepChainsDoNotRecurse() throws {
        let x = Tensor(repeating: 1, shape: [1], requiresGradient: true)
        var y = x
        for _ in 0..<100_000 { y = y + 0 }
        y.sum().backward()
        #expect(x.gradient?.scalars == [1])
    }
}
