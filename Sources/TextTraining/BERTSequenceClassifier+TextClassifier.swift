import Adapters
import NN
import TensorCore
import Training
import Transformers

/// The library's classifier as the text driver trains it: the head's input is the pooled
/// output (the masked mean, or the pooler on `[CLS]`), the head its dropout (`cls`) and
/// Linear layer.
extension BERTSequenceClassifier: TextClassifier {
    public func headInput(_ input: BERTEncoderInput) throws -> Tensor {
        try pooledOutput(input)
    }

    public func logits(headInput: Tensor) throws -> Tensor {
        try head(try dropout.map { try $0(headInput) } ?? headInput)
    }

    public var headModules: [any Module] {
        if let dropout { return [dropout, head] }
        return [head]
    }

    /// A classifier on `weights` with a fresh head for `classCount` classes, drawn from the
    /// settings' stream 0 (the same head for every method of a run with these settings).
    public static func fresh(weights: BERTWeights, kind: Kind, classCount: Int, settings: TrainingSettings) throws -> BERTSequenceClassifier {
        var generator = settings.generator(stream: 0)
        return try BERTSequenceClassifier(weights: weights, kind: kind, classCount: classCount, seed: generator.next())
    }
}
