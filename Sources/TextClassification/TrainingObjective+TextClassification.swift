import TensorCore
import Training

extension TrainingObjective where Batch == TextClassificationBatch {
    /// Text classification: `forward` gives logits `[batch, classes]` (e.g. a sequence
    /// classifier on `batch.input`), the loss is their mean cross-entropy against the labels
    /// (`L = −(1/batch) Σ_b log softmax(logits)[b, labels[b]]`), and the metric
    /// ``Training/BatchMetric/correctPredictionsName`` counts the rows whose arg-max is the label.
    public static func textClassification(forward: @escaping (TextClassificationBatch) throws -> Tensor) -> TrainingObjective {
        TrainingObjective(
            forward: forward,
            loss: { logits, batch in try Tensor.crossEntropy(logits: logits, targets: batch.labels) },
            metrics: [BatchMetric(name: BatchMetric<TextClassificationBatch>.correctPredictionsName) { logits, batch in
                Double(Evaluator.correctPredictions(logits: logits, labels: batch.labels))
            }])
    }
}
