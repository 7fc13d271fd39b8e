import Adapters
import NN
import TensorCore
import Transformers

/// A sequence classifier over a pretrained encoder, as the text training driver sees it:
/// token ids and mask `[batch, tokens]` to logits `[batch, classes]`, split at the head:
///
/// ```
/// h      = headInput(input)     [batch, features]   the encoder and its pooling
/// logits = logits(headInput: h) [batch, classes]    the head (``headModules``)
/// forward(input) = logits(headInput: headInput(input))
/// ```
///
/// When only the head's parameters train (a linear probe, ``headTrainsAlone``), `h` of a
/// sample does not change during training, so the driver computes it once per sample
/// (``HeadInputTable``) and trains the head on the table.
public protocol TextClassifier: MultiInputModule where Input == BERTEncoderInput {
    /// The pretrained encoder.
    var encoder: BERTEncoder { get }
    /// The number of classes (the logits' last dimension).
    var classCount: Int { get }
    /// The modules of ``logits(headInput:)`` (the head and, e.g., its dropout).
    var headModules: [any Module] { get }
    /// Everything of the forward below the head: `[batch, features]`.
    func headInput(_ input: BERTEncoderInput) throws -> Tensor
    /// The logits `[batch, classes]` from the head's input `[batch, features]`.
    func logits(headInput: Tensor) throws -> Tensor
    /// Wraps the Linears `configuration` selects in LoRA/DoRA adapters drawn from
    /// `generator`, freezes every other parameter except the head's, and returns the adapters.
    @discardableResult
    func injectAdapters(_ configuration: LoRAConfiguration, using generator: inout RandomGenerator) throws
        -> [(path: String, adapter: any AdapterLayer)]
}

extension TextClassifier {
    /// Whether every parameter that receives a gradient belongs to the head: then the
    /// head's input of a sample is the same in every step.
    public var headTrainsAlone: Bool {
        let headParameters = Set(headModules.flatMap { $0.namedParameters().map { ObjectIdentifier($0.parameter) } })
        return namedParameters().allSatisfy { !$0.parameter.requiresGradient || headParameters.contains(ObjectIdentifier($0.parameter)) }
    }
}
