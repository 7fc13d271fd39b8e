import TensorCore

/// Gradient clipping by global norm, as PyTorch's `torch.nn.utils.clip_grad_norm_`:
///
/// ```
/// total = √(Σ over parameters ‖g‖²)             (the 2-norm of all gradients as one vector)
/// coefficient = min(maxNorm / (total + 1e-6), 1)
/// g ← g · coefficient                          (every gradient, in place, when coefficient < 1)
/// ```
///
/// The squares are summed in Double (PyTorch sums in Float per tensor; the difference is
/// rounding). A non-finite total leaves the gradients as they are, so that a non-finite check
/// after clipping still names the parameter at fault.
public enum GradientClipping {
    /// Scales the gradients of `parameters` so that their global 2-norm is at most `maxNorm`;
    /// returns the norm before clipping. Parameters without a gradient count as zero.
    @discardableResult
    public static func clipByGlobalNorm(_ parameters: [Tensor], maxNorm: Float) -> Double {
        let total = globalNorm(parameters)
        guard total.isFinite else { return total }
        let coefficient = Double(maxNorm) / (total + 1e-6)
        guard coefficient < 1 else { return total }
        let factor = Float(coefficient)
        for parameter in parameters where parameter.gradient != nil {
            parameter.withUnsafeMutableGradient { values in
                for index in values.indices { values[index] *= factor }
            }
        }
        return total
    }

    /// `√(Σ ‖g‖²)` over the gradients of `parameters`, in Double.
    public static func globalNorm(_ parameters: [Tensor]) -> Double {
        var sum: Double = 0
        for parameter in parameters {
            guard let gradient = parameter.gradient else { continue }
            gradient.withUnsafeBufferPointer { values in
                // Four partial sums: independent chains the compiler can keep in flight.
                var partial: (Double, Double, Double, Double) = (0, 0, 0, 0)
                var index = 0
                while index + 4 <= values.count {
                    let a = Double(values[index]), b = Double(values[index + 1])
                    let c = Double(values[index + 2]), d = Double(values[index + 3])
                    partial.0 += a * a; partial.1 += b * b; partial.2 += c * c; partial.3 += d * d
                    index += 4
                }
                while index < values.count {
                    let a = Double(values[index])
                    partial.0 += a * a
                    index += 1
                }
                sum += (partial.0 + partial.1) + (partial.2 + partial.3)
            }
        }
        return sum.squareRoot()
    }
}
