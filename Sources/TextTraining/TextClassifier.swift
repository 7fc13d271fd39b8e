import NN
import TensorCore
import Transformers

/// A sequence classifier over a pretrained encoder, as the text training driver sees it:
/// token ids and mask `[batch, tokens]` to logits `[batch, classes]`, split at the head:
///
/// ```
/// h      = headInput(input)     [batch, features]   the encoder and its pooling
/// logits = logits(headInput: h) [batch, classes]    the head
/// forward(input) = logits(headInput: headInput(input))
/// ```
///
/// With a frozen ``encoder`` (a linear probe), `h` of a sample does not change during
/// training, so the driver computes it once per sample (``HeadInputTable``) and trains the
/// head on the table; adapters are injected into ``encoder``.
public protocol TextClassifier: MultiInputModule where Input == BERTEncoderInput {
    /// The pretrained encoder, where adapters go; frozen for a probe.
    var encoder: BERTEncoder { get }
    /// The number of classes (the logits' last dimension).
    var classCount: Int { get }
    /// Everything of the forward below the head: `[batch, features]`.
    func headInput(_ input: BERTEncoderInput) throws -> Tensor
    /// The logits `[batch, classes]` from the head's input `[batch, features]`.
    func logits(headInput: Tensor) throws -> Tensor
}

extension TextClassifier {
    /// Whether the encoder has no parameter that receives a gradient (a linear probe, or
    /// evaluation only): then its output for a sample is the same in every step.
    public var hasFrozenEncoder: Bool {
        encoder.namedParameters().allSatisfy { !$0.parameter.requiresGradient }
    }
}
