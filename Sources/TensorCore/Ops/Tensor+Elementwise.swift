import CKernels
import Foundation

extension Tensor {
    /// Element-wise loops (C-kernel activations, dropout, LayerNorm's rows) over fewer elements
    /// than this run on the calling thread alone: a job on the worker pool costs a few
    /// microseconds, this many elements take tens.
    static let elementwiseParallelMinimumCount = 32_768

    /// Applies `F` (with constant `c`) to every element; backward multiplies dy by
    /// `F.derivative(x, y, c)`, where `y` is the output element.
    @inline(__always)
    private func mapped<F: ElementwiseFunction>(_ function: F.Type, constant c: Float = 0) -> Tensor {
        let count = elementCount
        let result = Tensor(uninitializedShape: shape)
        let x = storage.pointer, y = result.storage.pointer
        for index in 0..<count { y[index] = F.value(x[index], c) }
        guard Tensor.shouldRecord(self) else { return result }
        let outputStorage = result.storage
        result.recordGradient(inputs: [self]) { [self] dy in
            let y = outputStorage.pointer
            updateGradient { gradient, accumulate in
                if accumulate {
                    for index in 0..<count { gradient[index] += dy[index] * F.derivative(x: x[index], y: y[index], c: c) }
                } else {
                    for index in 0..<count { gradient[index] = dy[index] * F.derivative(x: x[index], y: y[index], c: c) }
                }
            }
        }
        return result
    }

    /// `max(x, 0)` element-wise. Backward: `dx = dy` where `x > 0`, else 0 (PyTorch's
    /// choice at exactly 0). Both loops are C kernels (`ck_relu_forward`/`ck_relu_backward`).
    public func relu() -> Tensor {
        mapped(forward: ck_relu_forward, backward: ck_relu_backward)
    }

    /// An element-wise function whose two loops are C kernels: `forward(x, y, count)` writes
    /// `y = f(x)`, `backward(x, dy, dx, count, accumulate)` writes (or adds) `dx = dy·f′(x)`.
    /// Both are split into ranges over the worker pool (each element's value does not depend
    /// on the split).
    func mapped(
        forward: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
        backward: @escaping (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Bool) -> Void
    ) -> Tensor {
        let count = elementCount
        let result = Tensor(uninitializedShape: shape)
        let x = storage.pointer, y = result.storage.pointer
        WorkerPool.splitting(count, minimumCount: Tensor.elementwiseParallelMinimumCount) { range in
            forward(x + range.lowerBound, y + range.lowerBound, range.count)
        }
        guard Tensor.shouldRecord(self) else { return result }
        result.recordGradient(inputs: [self]) { [self] dy in
            updateGradient { gradient, accumulate in
                WorkerPool.splitting(count, minimumCount: Tensor.elementwiseParallelMinimumCount) { range in
                    backward(x + range.lowerBound, dy + range.lowerBound, gradient + range.lowerBound, range.count, accumulate)
                }
            }
        }
        return result
    }

    /// `eˣ` element-wise. Backward: `dx = dy·eˣ`.
    public func exp() -> Tensor {
        mapped(Exponential.self)
    }

    /// Natural logarithm element-wise. Backward: `dx = dy/x`.
    public func log() -> Tensor {
        mapped(NaturalLogarithm.self)
    }

    /// `√x` element-wise. Backward: `dx = dy/(2√x)`.
    public func squareRoot() -> Tensor {
        mapped(SquareRoot.self)
    }

    /// `tanh x` element-wise (BERT's pooler). Backward: `dx = dy·(1 − tanh²x)`, from the output.
    public func tanh() -> Tensor {
        mapped(HyperbolicTangent.self)
    }

    /// `x²` element-wise. Backward: `dx = 2x·dy`.
    public func squared() -> Tensor {
        mapped(Square.self)
    }

    /// `-x` element-wise.
    public static prefix func - (tensor: Tensor) -> Tensor {
        tensor.mapped(Negation.self)
    }

    /// `x + c` element-wise.
    public static func + (tensor: Tensor, scalar: Float) -> Tensor {
        tensor.mapped(ConstantAddition.self, constant: scalar)
    }

    /// `x - c` element-wise.
    public static func - (tensor: Tensor, scalar: Float) -> Tensor {
        tensor.mapped(ConstantSubtraction.self, constant: scalar)
    }

    /// `c·x` element-wise.
    public static func * (tensor: Tensor, scalar: Float) -> Tensor {
        tensor.mapped(ConstantMultiplication.self, constant: scalar)
    }

    /// `c·x` element-wise.
    public static func * (scalar: Float, tensor: Tensor) -> Tensor {
        tensor * scalar
    }

    /// `x / c` element-wise.
    public static func / (tensor: Tensor, scalar: Float) -> Tensor {
        tensor.mapped(ConstantDivision.self, constant: scalar)
    }
}
