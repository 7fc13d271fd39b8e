import Testing
import TensorCore
import TestSupport

/// Row L2 normalisation against the formula in Double, the 1e-12 clamp for a zero row,
/// and the gradient against central finite differences (rank 2 and rank 3).
struct L2NormalizationTests {
    @Test func forwardDividesEachRowByItsNorm() throws {
        let x = TestTensors.random([4, 6], seed: 51)
        let y = x.l2Normalized().scalars
        let values = x.scalars
        for row in 0..<4 {
            let slice = values[(row * 6)..<((row + 1) * 6)].map(Double.init)
            let norm = slice.map { $0 * $0 }.reduce(0, +).squareRoot()
            for j in 0..<6 {
                #expect(abs(Double(y[row * 6 + j]) - slice[j] / norm) < 1e-6)
            }
        }
    }

    @Test func aZeroRowStaysZeroAndATinyRowIsDividedByEpsilon() throws {
        let x = try Tensor(shape: [2, 2], values: [0, 0, 3e-13, 0])
        let y = x.l2Normalized().scalars
        #expect(y[0] == 0 && y[1] == 0)
        #expect(abs(y[2] - 0.3) < 1e-6)
    }

    @Test(arguments: [Shape([3, 5]), Shape([2, 2, 4])])
    func gradientMatchesFiniteDifferences(shape: Shape) throws {
        let inputs = [TestTensors.awayFromZero(shape, margin: 0.2, seed: 52)]
        let error = try GradientCheck.maximumError(inputs: inputs, step: 1e-3) { $0[0].l2Normalized() }
        #expect(error < 2e-3)
    }

    @Test func gradientBelowTheClampIsTheOutputGradientOverEpsilon() throws {
        let x = try Tensor(shape: [1, 2], values: [1e-4, -2e-4], requiresGradient: true)
        let weights = try Tensor(shape: [1, 2], values: [0.5, -1])
        let loss = try (x.l2Normalized(epsilon: 1) * weights).sum()
        loss.backward()
        #expect(try #require(x.gradient).scalars == [0.5, -1])
    }
}
