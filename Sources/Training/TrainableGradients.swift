import TensorCore

/// The gradients of a fixed list of trainable parameters, viewed as one flat vector for
/// code that runs between the backward pass and the optimiser step (an all-reduce across
/// processes): ``withFlatBuffer(_:)`` copies every gradient, in parameter order, into one
/// contiguous buffer, runs the body, and copies the buffer back into the gradients.
///
/// Layout: parameter `i` occupies `offsets[i] ..< offsets[i] + parameters[i].elementCount`;
/// a parameter without a gradient reads as zeros and receives one. Up to ``trailingCapacity``
/// further values may follow the gradients in the same buffer (``withFlatBuffer(appending:_:)``),
/// so that a loss and counts travel in the same exchange. The buffer is allocated once, so a
/// steady-state exchange allocates nothing.
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
    /// How many values ``withFlatBuffer(appending:_:)`` can carry after the gradients.
    public let trailingCapacity: Int

    private let buffer: UnsafeMutableBufferPointer<Float>

    /// Gradients of `parameters`, with room for `trailingCapacity` values after them.
    public init(parameters: [Tensor], trailingCapacity: Int = 0) {
        self.parameters = parameters
        var offsets: [Int] = [], total = 0
        for parameter in parameters {
            offsets.append(total)
            total += parameter.elementCount
        }
        self.offsets = offsets
        elementCount = total
        self.trailingCapacity = max(trailingCapacity, 0)
        buffer = .allocate(capacity: max(total + self.trailingCapacity, 1))
        buffer.initialize(repeating: 0)
    }

    deinit { buffer.deallocate() }

    /// Copies every gradient into the flat buffer, runs `body` on it (it may rewrite it in
    /// place), and copies the buffer back into the gradients.
    public func withFlatBuffer<Result>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> Result) rethrows -> Result {
        try withFlatBuffer(appending: UnsafeMutableBufferPointer(start: nil, count: 0), body)
    }

    /// ``withFlatBuffer(_:)`` with `trailing`'s values placed after the gradients: `body`
    /// sees `elementCount + trailing.count` values, and both parts are copied back after it.
    /// - Precondition: `trailing.count <= trailingCapacity`.
    public func withFlatBuffer<Result>(appending trailing: UnsafeMutableBufferPointer<Float>,
                                       _ body: (UnsafeMutableBufferPointer<Float>) throws -> Result) rethrows -> Result {
        precondition(trailing.count <= trailingCapacity, "more trailing values than the buffer was made for")
        let whole = UnsafeMutableBufferPointer(rebasing: buffer[0..<elementCount + trailing.count])
        let flat = UnsafeMutableBufferPointer(rebasing: buffer[0..<elementCount])
        let tail = UnsafeMutableBufferPointer(rebasing: buffer[elementCount..<elementCount + trailing.count])
        if !trailing.isEmpty { _ = tail.update(fromContentsOf: trailing) }
        for (parameter, offset) in zip(parameters, offsets) {
            let slot = UnsafeMutableBufferPointer(rebasing: flat[offset..<offset + parameter.elementCount])
            if let gradient = parameter.gradient {
                gradient.withUnsafeBufferPointer { _ = slot.update(fromContentsOf: $0) }
            } else {
                slot.update(repeating: 0)
            }
        }
        let result = try body(whole)
        if !trailing.isEmpty { _ = trailing.update(fromContentsOf: tail) }
        for (parameter, offset) in zip(parameters, offsets) {
            parameter.withUnsafeMutableGradient { gradient in
                _ = gradient.update(fromContentsOf: UnsafeMutableBufferPointer(rebasing: flat[offset..<offset + parameter.elementCount]))
            }
        }
        return result
    }
}
