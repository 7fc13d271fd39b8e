import TensorCore

/// Stochastic gradient descent with PyTorch's momentum, per element, gradient `g`,
/// parameter `θ`, momentum buffer `b`:
///
/// ```
/// g ← g + λ·θ                                   (when weightDecay λ ≠ 0)
/// b ← g at the first step, else μ·b + (1 − dampening)·g   (when momentum μ ≠ 0)
/// g ← g + μ·b if nesterov, else b
/// θ ← θ − lr·g
/// ```
public final class SGD: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Float
    public let momentum: Float
    public let dampening: Float
    public let weightDecay: Float
    public let usesNesterov: Bool
    private var momentumBuffers: [UnsafeMutableBufferPointer<Float>?]

    public init(parameters: [Tensor], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                weightDecay: Float = 0, usesNesterov: Bool = false) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.usesNesterov = usesNesterov
        momentumBuffers = Array(repeating: nil, count: parameters.count)
    }

    deinit {
        for buffer in momentumBuffers { buffer?.deallocate() }
    }

    public func step() {
        let learningRate = self.learningRate, momentum = self.momentum, decay = weightDecay
        let dampening = self.dampening, nesterov = usesNesterov
        for (index, parameter) in parameters.enumerated() {
            guard let gradientTensor = parameter.gradient else { continue }
            var isFirstStep = false
            if momentum != 0, momentumBuffers[index] == nil {
                momentumBuffers[index] = UnsafeMutableBufferPointer<Float>.allocate(capacity: parameter.elementCount)
                isFirstStep = true
            }
            let buffer = momentumBuffers[index]?.baseAddress
            gradientTensor.withUnsafeBufferPointer { gradientBuffer in
                parameter.withUnsafeMutableBufferPointer { theta in
                    guard let g = gradientBuffer.baseAddress, let p = theta.baseAddress else { return }
                    for i in 0..<theta.count {
                        var gradient = g[i]
                        if decay != 0 { gradient += decay * p[i] }
                        if let b = buffer {
                            b[i] = isFirstStep ? gradient : momentum * b[i] + (1 - dampening) * gradient
                            gradient = nesterov ? gradient + momentum * b[i] : b[i]
                        }
                        p[i] -= learningRate * gradient
                    }
                }
            }
        }
    }
}
