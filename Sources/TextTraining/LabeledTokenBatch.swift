import Transformers

/// A mini-batch of tokenised texts: what the text driver reads from a
/// ``Training/TrainingData`` batch to run a classifier.
public protocol TokenBatch {
    /// Token ids and attention mask, `[batch, tokens]`.
    var encoderInput: BERTEncoderInput { get }
}

/// A mini-batch of tokenised texts with their class labels, for training and evaluation.
public protocol LabeledTokenBatch: TokenBatch {
    /// One class id per row, in `0..<classes`.
    var classLabels: ArraySlice<Int> { get }
}
