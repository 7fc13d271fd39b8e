import TensorCore

/// What training minimises and reports, chosen by the caller: the forward pass (so a model
/// may take several inputs, such as token ids and an attention mask), the loss, and
/// metrics summed over an epoch.
///
/// For a batch `b`: `output = forward(b)`, `loss = loss(output, b)` (a one-element tensor,
/// the batch's mean loss), and each metric `measure(output, b)` is added to its epoch total.
public struct TrainingObjective<Batch> {
    /// The model's output for a batch, recording gradients.
    public var forward: (Batch) throws -> Tensor
    /// The batch's mean loss from the output: a one-element tensor to back-propagate.
    public var loss: (_ output: Tensor, _ batch: Batch) throws -> Tensor
    /// Values summed over the batches of an epoch (e.g. correct predictions).
    public var metrics: [BatchMetric<Batch>]

    public init(forward: @escaping (Batch) throws -> Tensor, loss: @escaping (_ output: Tensor, _ batch: Batch) throws -> Tensor,
                metrics: [BatchMetric<Batch>] = []) {
        self.forward = forward
        self.loss = loss
        self.metrics = metrics
    }
}

/// A value measured on each training batch from the forward's output, summed over an epoch.
public struct BatchMetric<Batch> {
    /// The name it is reported under (``EpochReport/metricTotals``).
    public let name: String
    /// The batch's contribution (for accuracy: the number of correct predictions).
    public let measure: (_ output: Tensor, _ batch: Batch) -> Double

    public init(name: String, measure: @escaping (_ output: Tensor, _ batch: Batch) -> Double) {
        self.name = name
        self.measure = measure
    }
}
