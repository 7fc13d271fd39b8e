import Testing
import TensorCore
import TestSupport

@Suite("Permuting axes")
struct PermuteTests {
    /// Row-major index of `position` in `shape`.
    private func offset(_ position: [Int], in shape: [Int]) -> Int {
        zip(position, shape).reduce(0) { $0 * $1.1 + $1.0 }
    }

    @Test(arguments: [[0, 2, 1, 3], [3, 2, 1, 0], [0, 1, 3, 2], [1, 0, 2, 3], [2, 3, 0, 1]])
    func everyElementMovesToItsPermutedPosition(_ axes: [Int]) throws {
        let source = [2, 3, 4, 5]
        let x = TestTensors.random(Shape(source), seed: 3)
        let y = try x.permuted(axes)
        let target = axes.map { source[$0] }
        #expect(y.shape == Shape(target))
        let xs = x.scalars, ys = y.scalars
        for i0 in 0..<2 { for i1 in 0..<3 { for i2 in 0..<4 { for i3 in 0..<5 {
            let index = [i0, i1, i2, i3]
            #expect(ys[offset(axes.map { index[$0] }, in: target)] == xs[offset(index, in: source)])
        } } } }
    }

    @Test func splittingHeadsAndBackIsTheIdentity() throws {
        let x = TestTensors.random([2, 5, 3, 4], seed: 8)   // [B, T, H, d]
        let heads = try x.permuted([0, 2, 1, 3])              // [B, H, T, d]
        #expect(heads.shape == [2, 3, 5, 4])
        #expect(try heads.permuted([0, 2, 1, 3]).scalars == x.scalars)
    }

    @Test func invalidAxesAreAnError() throws {
        let x = TestTensors.random([2, 3, 4], seed: 1)
        #expect(throws: ShapeError.invalidPermutation(axes: [0, 1], shape: [2, 3, 4])) { try x.permuted([0, 1]) }
        #expect(throws: ShapeError.invalidPermutation(axes: [0, 1, 1], shape: [2, 3, 4])) { try x.permuted([0, 1, 1]) }
        #expect(throws: ShapeError.invalidPermutation(axes: [0, 1, 3], shape: [2, 3, 4])) { try x.permuted([0, 1, 3]) }
    }
}
