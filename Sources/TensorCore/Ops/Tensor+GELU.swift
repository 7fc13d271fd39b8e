import Foundation

extension Tensor {
    /// The Gaussian error linear unit in its exact form (PyTorch's `F.gelu` with
    /// `approximate='none'`, transformers' `"gelu"`), element-wise:
    /// `y = x·Φ(x) = 0.5·x·(1 + erf(x/√2))`.
    ///
    /// Backward: `dx = dy·(Φ(x) + x·φ(x))` with `φ(x) = exp(−x²/2)/√(2π)`.
    public func gelu() -> Tensor {
        let count = elementCount
        let result = Tensor(uninitializedShape: shape)
        let x = storage.pointer, y = result.storage.pointer
        let inverseSquareRootTwo: Float = 1 / Float(2).squareRoot()
        for index in 0..<count {
            let value = x[index]
            y[index] = 0.5 * value * (1 + Foundation.erf(value * inverseSquareRootTwo))
        }
        guard Tensor.shouldRecord(self) else { return result }
        result.recordGradient(inputs: [self]) { [self] dy in
            let inverseSquareRootTwoPi: Float = 1 / (2 * Float.pi).squareRoot()
            updateGradient { gradient, accumulate in
                for index in 0..<count {
                    let value = x[index]
                    let cumulative = 0.5 * (1 + Foundation.erf(value * inverseSquareRootTwo))
                    let density = Foundation.exp(-0.5 * value * value) * inverseSquareRootTwoPi
                    let local = dy[index] * (cumulative + value * density)
                    gradient[index] = accumulate ? gradient[index] + local : local
                }
            }
        }
        return result
    }
}
