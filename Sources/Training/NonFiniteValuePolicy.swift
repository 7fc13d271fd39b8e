/// What a training loop does when a batch's loss or a gradient is NaN or infinite.
public enum NonFiniteValuePolicy: String, Sendable, CaseIterable, Codable {
    /// Stop with ``TrainingError/nonFiniteLoss(step:epoch:batch:value:)`` or
    /// ``TrainingError/nonFiniteGradient(step:epoch:batch:parameter:)``; the parameters are
    /// left as they were before the batch, and the last checkpoint stays the last good one.
    case stop
    /// Skip the batch: no update, gradients cleared, the count kept in ``EpochReport/skippedBatches``.
    case skipBatch
}

/// A training run cannot go on.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// The loss of a batch is NaN or infinite.
    case nonFiniteLoss(step: Int, epoch: Int, batch: Int, value: Float)
    /// A gradient holds NaN or infinity.
    case nonFiniteGradient(step: Int, epoch: Int, batch: Int, parameter: String)

    public var description: String {
        switch self {
        case let .nonFiniteLoss(step, epoch, batch, value):
            return "The loss became \(value) at step \(step) (epoch \(epoch), batch \(batch)); training stopped before updating the model. "
                + "Lower the learning rate, or pass --skip-non-finite to skip such batches. The last checkpoint is the last good state."
        case let .nonFiniteGradient(step, epoch, batch, parameter):
            return "The gradient of '\(parameter)' holds NaN or infinity at step \(step) (epoch \(epoch), batch \(batch)); training stopped "
                + "before updating the model. Lower the learning rate, or pass --skip-non-finite to skip such batches. "
                + "The last checkpoint is the last good state."
        }
    }
}
