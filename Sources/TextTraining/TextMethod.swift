import Adapters
import NN
import TensorCore

/// How a text classifier is trained: a linear probe (the encoder frozen, the head alone
/// trains) or LoRA / DoRA adapters in the encoder, trained with the head.
public enum TextMethod: String, Sendable, CaseIterable, Codable {
    case probe, lora, dora

    /// Prepares `classifier` for this method: freezes every parameter outside the head
    /// (probe), or injects the adapters `configuration` describes
    /// (``TextClassifier/injectAdapters(_:using:)``, its `usesDoRA` set for the method; `A`
    /// drawn from `generator`), which freezes every other parameter but the head's. Returns
    /// the adapter configuration given to the classifier (nil for the probe).
    @discardableResult
    public func prepare<Classifier: TextClassifier>(_ classifier: Classifier, adapter configuration: LoRAConfiguration,
                                                    using generator: inout RandomGenerator) throws -> LoRAConfiguration? {
        guard self != .probe else {
            classifier.freeze()
            for module in classifier.headModules { module.unfreeze() }
            return nil
        }
        var adapted = configuration
        adapted.usesDoRA = self == .dora
        try classifier.injectAdapters(adapted, using: &generator)
        return adapted
    }
}
