import Testing
import TensorCore
import TestSupport

/// A value kept while its source tensors are unchanged (`DerivedValueCache`, as
/// `Linear.frozenWeightPacked` keeps W's packed panels): the product that reads the kept
/// panels equals the one that packs W, and the kept value follows in-place changes of W.
struct DerivedValueCacheTests {
    @Test(arguments: [(64, 784, 128), (5, 7, 3), (33, 100, 65)])
    func linearWithTheKeptPanelsMatchesThePlainOne(_ sizes: (Int, Int, Int)) throws {
        let (batch, inFeatures, outFeatures) = sizes
        let x = TestTensors.random([batch, inFeatures], seed: 1), w = TestTensors.random([outFeatures, inFeatures], seed: 2)
        let bias = TestTensors.random([outFeatures], seed: 3)
        let cache = DerivedValueCache<PackedLinearWeight>()
        let packed = cache.value(from: [w]) { PackedLinearWeight(w) }
        #expect(packed.forward.depth == inFeatures && packed.forward.width == outFeatures)
        #expect(cache.value(from: [w]) { PackedLinearWeight(w) } === packed)
        let expected = try Tensor.linear(x, weight: w, bias: bias).scalars
        let viaCache = try Tensor.linear(x, weight: w, bias: bias, packedWeight: packed).scalars
        let tolerance = 1e-5 * (expected.map(abs).max() ?? 1)
        #expect(zip(expected, viaCache).allSatisfy { abs($0 - $1) <= tolerance })
    }

    @Test func theCopyFollowsChangesOfTheWeight() throws {
        let w = TestTensors.random([3, 4], seed: 4)
        let cache = DerivedTensorCache()
        let first = try cache.value(from: [w]) { try w.transposed() }
        let again = try cache.value(from: [w]) { try w.transposed() }
        #expect(again === first)  // unchanged weight: the same copy
        w.withUnsafeMutableBufferPointer { $0[1] = 42 }  // W[0, 1]
        let second = try cache.value(from: [w]) { try w.transposed() }
        #expect(second !== first)
        #expect(second.scalars[1 * 3 + 0] == 42)  // Wᵀ[1, 0]
    }

    /// A freed source's address is reused by the next storage of the same size (and its
    /// version starts at 0 again): the cache must still see a different tensor.
    @Test func aNewTensorWhereAFreedSourceWasIsNotTheSameSource() throws {
        let cache = DerivedTensorCache()
        var identities: Set<UInt64> = []
        for round in 0..<20 {
            let value = Float(round)
            let source = Tensor(repeating: value, shape: [4, 4])  // dropped at the end of the round
            #expect(identities.insert(source.storageIdentity).inserted)
            let derived = try cache.value(from: [source]) { try source.transposed() }
            #expect(derived.scalars == [Float](repeating: value, count: 16), "round \(round) got a stale value")
        }
    }

    @Test func sharedStorageSharesTheIdentity() throws {
        let source = TestTensors.random([2, 3], seed: 5)
        #expect(try source.reshaped(to: [6]).storageIdentity == source.storageIdentity)
        #expect(source.detached().storageIdentity == source.storageIdentity)
        #expect(source.copy().storageIdentity != source.storageIdentity)
    }
}
