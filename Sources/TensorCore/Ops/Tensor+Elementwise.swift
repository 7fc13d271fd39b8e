import CKernels
import Foundation

extension Tensor {
    /// Applies `value(x)` to every element; backward multiplies dy by
    /// `derivative(x, y)`, where `y` is the output element.
    @inline(__always)
    private func mapped(_ value: (Float) -> Float, derivative: @escaping (_ x: Float, _ y: Float) -> Float) -> Tensor {
        let count = elementCount
        let result = Tensor(uninitializedShape: shape)
        let x = storage.pointer, y = result.storage.pointer
        for index in 0..<count { y[index] = value(x[index]) }
        guard Tensor.shouldRecord(self) else { return result }
        let outputStorage = result.storage
        result.recordGradient(inputs: [self]) { [self] dy in
            let y = outputStorage.pointer
            updateGradient { gradient, accumulate in
                for index in 0..<count {
                    let value = dy[index] * derivative(x[index], y[index])
                    gradient[index] = accumulate ? gradient[index] + value : value
                }
            }
        }
        return result
    }

    /// `max(x, 0)` element-wise. Backward: `dx = dy` where `x > 0`, else 0 (PyTorch's
    /// choice at exactly 0). Both loops are C kernels (`ck_relu_forward`/`ck_relu_backward`).
    public func relu() -> Tensor {
        let count = elementCount
        let result = Tensor(uninitializedShape: shape)
        let x = storage.pointer
        ck_relu_forward(x, result.storage.pointer, count)
        guard Tensor.shouldRecord(self) else { return result }
        result.recordGradient(inputs: [self]) { [self] dy in
            updateGradient { gradient, accumulate in
                ck_relu_backward(x, dy, gradient, count, accumulate)
            }
        }
        return result
    }

    /// `eˣ` element-wise. Backward: `dx = dy·eˣ`.
    public func exp() -> Tensor {
        mapped({ Foundation.exp($0) }, derivative: { _, y in y })
    }

    /// Natural logarithm element-wise. Backward: `dx = dy/x`.
    public func log() -> Tensor {
        mapped({ Foundation.log($0) }, derivative: { x, _ in 1 / x })
    }

    /// `√x` element-wise. Backward: `dx = dy/(2√x)`.
    public func squareRoot() -> Tensor {
        mapped({ $0.squareRoot() }, derivative: { _, y in 0.5 / y })
    }

    /// `x²` element-wise. Backward: `dx = 2x·dy`.
    public func squared() -> Tensor {
        mapped({ $0 * $0 }, derivative: { x, _ in 2 * x })
    }

    /// `-x` element-wise.
    public static prefix func - (tensor: Tensor) -> Tensor {
        tensor.mapped({ -$0 }, derivative: { _, _ in -1 })
    }

    /// `x + c` element-wise.
    public static func + (tensor: Tensor, scalar: Float) -> Tensor {
        tensor.mapped({ $0 + scalar }, derivative: { _, _ in 1 })
    }

    /// `x - c` element-wise.
    public static func - (tensor: Tensor, scalar: Float) -> Tensor {
        tensor.mapped({ $0 - scalar }, derivative: { _, _ in 1 })
    }

    /// `c·x` element-wise.
    public static func * (tensor: Tensor, scalar: Float) -> Tensor {
        tensor.mapped({ $0 * scalar }, derivative: { _, _ in scalar })
    }

    /// `c·x` element-wise.
    public static func * (scalar: Float, tensor: Tensor) -> Tensor {
        tensor * scalar
    }

    /// `x / c` element-wise.
    public static func / (tensor: Tensor, scalar: Float) -> Tensor {
        tensor.mapped({ $0 / scalar }, derivative: { _, _ in 1 / scalar })
    }
}
