/// What one optimisation step (one mini-batch) of one training method produced.
///
/// In JSON (``Codable``, and the lines ``MetricsWriter`` writes) the keys are the property
/// names; a non-finite ``loss`` or ``seconds`` is written as `null` and read back as `.nan`,
/// and a missing or non-finite ``accuracy`` is written as `null` and read back as `nil`.
public struct StepRecord: Sendable, Equatable, Codable {
    /// The training method, for example `"base"`, `"lora"` or `"dora"`.
    public var method: String
    /// The global step number over the whole run of this method, from 1.
    public var step: Int
    /// The epoch the step belongs to.
    public var epoch: Int
    /// The batch's index within its epoch.
    public var batch: Int
    /// The batch's mean loss.
    public var loss: Double
    /// Correct predictions in the batch, in [0, 1].
    public var accuracy: Double?
    /// Seconds elapsed since the run of this method started, at the end of the step.
    public var seconds: Double

    public init(method: String, step: Int, epoch: Int, batch: Int, loss: Double,
                accuracy: Double? = nil, seconds: Double) {
        self.method = method
        self.step = step
        self.epoch = epoch
        self.batch = batch
        self.loss = loss
        self.accuracy = accuracy
        self.seconds = seconds
    }

    enum CodingKeys: String, CodingKey {
        case method, step, epoch, batch, loss, accuracy, seconds
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        method = try container.decode(String.self, forKey: .method)
        step = try container.decode(Int.self, forKey: .step)
        epoch = try container.decode(Int.self, forKey: .epoch)
        batch = try container.decode(Int.self, forKey: .batch)
        loss = try container.decodeMeasurement(forKey: .loss)
        accuracy = try container.decodeIfPresent(Double.self, forKey: .accuracy)
        seconds = try container.decodeMeasurement(forKey: .seconds)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(method, forKey: .method)
        try container.encode(step, forKey: .step)
        try container.encode(epoch, forKey: .epoch)
        try container.encode(batch, forKey: .batch)
        try container.encodeMeasurement(loss, forKey: .loss)
        try container.encodeMeasurement(accuracy, forKey: .accuracy)
        try container.encodeMeasurement(seconds, forKey: .seconds)
    }
}
