/// What happened in one training batch.
public struct StepReport: Sendable {
    public let epoch: Int
    /// The batch's index within the epoch, from 0.
    public let batchIndex: Int
    public let batchCount: Int
    /// The batch's mean loss before the update.
    public let loss: Float
}

/// What happened in one epoch.
public struct EpochReport: Sendable {
    public let epoch: Int
    /// The mean of the batch losses (of the updates applied).
    public let meanLoss: Double
    /// Correct training predictions, taken from each batch's forward pass before its update,
    /// over the epoch's samples: the ``BatchMetric/correctPredictionsName`` metric's total
    /// divided by the sample count (0 without that metric).
    public let runningAccuracy: Double
    public let batchCount: Int
    /// Batches skipped because of a non-finite loss or gradient (``NonFiniteValuePolicy/skipBatch``).
    public let skippedBatches: Int
    /// Every metric's total over the batches of the updates applied, by name.
    public var metricTotals: [String: Double] = [:]
}
