import Adapters
import NN
import TensorCore

/// How a text classifier is trained: a linear probe (the encoder frozen, the head alone
/// trains) or LoRA / DoRA adapters in the encoder, trained with the head.
public enum TextMethod: String, Sendable, CaseIterable, Codable {
    case probe, lora, dora

    /// Prepares `classifier` for this method: freezes its encoder (probe), or injects the
    /// adapters `configuration` describes into the encoder (its `usesDoRA` set for the
    /// method; `A` drawn from `generator`), which freezes every other encoder parameter.
    /// The head keeps its parameters trainable (PEFT's `modules_to_save`). Returns the
    /// adapter configuration used (nil for the probe).
    @discardableResult
    public func prepare<Classifier: TextClassifier>(_ classifier: Classifier, adapter configuration: LoRAConfiguration,
                                                    using generator: inout RandomGenerator) throws -> LoRAConfiguration? {
        guard self != .probe else {
            classifier.encoder.freeze()
            return nil
        }
        var adapted = configuration
        adapted.usesDoRA = self == .dora
        try AdapterInjection.inject(adapted, into: classifier.encoder, using: &generator)
        return adapted
    }
}
