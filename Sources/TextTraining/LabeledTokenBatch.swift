import Transformers

/// A mini-batch of tokenised texts with their class labels: what the text driver reads
/// from a ``Training/TrainingData`` batch to train and evaluate a classifier.
public protocol LabeledTokenBatch {
    /// Token ids and attention mask, `[batch, tokens]`.
    var encoderInput: BERTEncoderInput { get }
    /// One class id per row, in `0..<classes`.
    var classLabels: ArraySlice<Int> { get }
}
