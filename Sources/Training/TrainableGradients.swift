import TensorCore

/// The gradients of a fixed list of trainable parameters, viewed as one flat vector for
/// code that runs between the backward pass and the optimiser step (an all-reduce across
/// processes): ``withFlatBuffer(_:)`` copies every gradient, in parameter order, into one
/// contiguous buffer, runs the body, and copies the buffer back into the gradients.
///
/// Layout: parameter `i` occupies `offsets[i] ..< offsets[i] + parameters[i].elementCount`;
/// a parameter without a gradient reads as zeros and receives one. The buffer is allocated
/// once, so a steady-state exchange allocates nothing.
public final class TrainableGradients {
    /// The parameters, in the order of the flat buffer.
    public let parameters: [Tensor]
    /// Where each parameter's gradient starts in the flat buffer.
    public let offsets: [Int]
    /// The total number of elements of the flat buffer.
    public let elementCount: Int
    /// The number of samples behind these gradients in the current step (this process's share).
    public internal(set) var sampleCount = 0
    /// Whether a loss in the current step was NaN or infinite (its backward was skipped).
    /// A hook that combines steps across processes combines this flag too (logical or), so
    /// that every process makes the same skip or stop decision.
    public var hasNonFiniteLoss = false

    private let buffer: UnsafeMutableBufferPointer<Float>

    public init(parameters: [Tensor]) {
        self.parameters = parameters
        var offsets: [Int] = [], total = 0
        for parameter in parameters {
            offsets.append(total)
            total += parameter.elementCount
        }
        self.offsets = offsets
        elementCount = total
        buffer = .allocate(capacity: max(total, 1))
        buffer.initialize(repeating: 0)
    }

    deinit { buffer.deallocate() }

    /// Copies every gradient into the flat buffer, runs `body` on it (it may rewrite it in
    /// place), and copies the buffer back into the gradients.
    public func withFlatBuffer<Result>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> Result) rethrows -> Result {
        let flat = UnsafeMutableBufferPointer(rebasing: buffer[0..<elementCount])
        for (parameter, offset) in zip(parameters, offsets) {
            let slot = UnsafeMutableBufferPointer(rebasing: flat[offset..<offset + parameter.elementCount])
            if let gradient = parameter.gradient {
                gradient.withUnsafeBufferPointer { _ = slot.update(fromContentsOf: $0) }
            } else {
                slot.update(repeating: 0)
            }
        }
        let result = try body(flat)
        for (parameter, offset) in zip(parameters, offsets) {
            parameter.withUnsafeMutableGradient { gradient in
                _ = gradient.update(fromContentsOf: UnsafeMutableBufferPointer(rebasing: flat[offset..<offset + parameter.elementCount]))
            }
        }
        return result
    }
}
