import TensorCore

/// The probability given to a ``Dropout`` layer is not in `[0, 1]`.
public enum DropoutError: Error, Equatable, CustomStringConvertible {
    case invalidProbability(Float)

    public var description: String {
        switch self {
        case let .invalidProbability(probability):
            return "Dropout probability must be between 0 and 1, got \(probability)."
        }
    }
}

/// Inverted dropout, PyTorch's `nn.Dropout(p)`: in training mode each element is zeroed
/// with probability `p` and the others are scaled by `1/(1−p)`,
/// `y = x ⊙ m / (1−p)` with `m ~ Bernoulli(1−p)` element-wise (`p = 1`: `y = x·0`); in
/// evaluation mode `y = x`. Any shape; no parameters.
///
/// The masks come from the layer's own ``generator`` (a stream seeded from the generator
/// given at construction), so they do not depend on what else draws random numbers, and a
/// checkpoint can save and restore it (``StochasticModule``).
public final class Dropout: StochasticModule {
    /// `p`, the probability of zeroing an element.
    public let probability: Float
    public var generator: RandomGenerator
    public var isTraining = true

    /// A dropout layer with probability `probability` in `[0, 1]`, its mask generator seeded
    /// by one draw from `generator`.
    public init(probability: Float = 0.5, using generator: inout RandomGenerator) throws(DropoutError) {
        guard probability >= 0, probability <= 1 else { throw .invalidProbability(probability) }
        self.probability = probability
        self.generator = RandomGenerator(seed: generator.next())
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        guard isTraining, probability > 0 else { return input }
        guard probability < 1 else { return input * 0 }
        return input.dropout(probability: probability, using: &generator)
    }
}
