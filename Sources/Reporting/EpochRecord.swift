/// What one epoch of one training method produced: its mean loss, its accuracies and the
/// time elapsed since that method's run started.
///
/// Accuracies are fractions in [0, 1]; `nil` means "not measured". In JSON (``Codable``,
/// and the lines ``MetricsWriter`` writes) the keys are the property names in snake_case
/// (`mean_loss`, `training_accuracy`, `test_accuracy`); a non-finite
/// ``meanLoss`` or ``seconds`` is written as `null` and read back as `.nan`, and a missing
/// or non-finite accuracy is written as `null` and read back as `nil`.
public struct EpochRecord: Sendable, Equatable, Codable {
    /// The training method, for example `"base"`, `"lora"` or `"dora"`.
    public var method: String
    /// The epoch number, usually counted from 1.
    public var epoch: Int
    /// The mean of the epoch's batch losses.
    public var meanLoss: Double
    /// Accuracy on the training split after the epoch, in [0, 1].
    public var trainingAccuracy: Double?
    /// Correct predictions on the test set after the epoch, in [0, 1].
    public var testAccuracy: Double?
    /// Seconds elapsed since the run of this method started, at the end of the epoch.
    public var seconds: Double

    public init(method: String, epoch: Int, meanLoss: Double, trainingAccuracy: Double? = nil,
                testAccuracy: Double? = nil, seconds: Double) {
        self.method = method
        self.epoch = epoch
        self.meanLoss = meanLoss
        self.trainingAccuracy = trainingAccuracy
        self.testAccuracy = testAccuracy
        self.seconds = seconds
    }

    /// snake_case, as every JSON file of the command line (`mean_loss`, `test_accuracy`).
    enum CodingKeys: String, CodingKey {
        case method, epoch, seconds
        case meanLoss = "mean_loss", trainingAccuracy = "training_accuracy", testAccuracy = "test_accuracy"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        method = try container.decode(String.self, forKey: .method)
        epoch = try container.decode(Int.self, forKey: .epoch)
        meanLoss = try container.decodeMeasurement(forKey: .meanLoss)
        trainingAccuracy = try container.decodeIfPresent(Double.self, forKey: .trainingAccuracy)
        testAccuracy = try container.decodeIfPresent(Double.self, forKey: .testAccuracy)
        seconds = try container.decodeMeasurement(forKey: .seconds)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(method, forKey: .method)
        try container.encode(epoch, forKey: .epoch)
        try container.encodeMeasurement(meanLoss, forKey: .meanLoss)
        try container.encodeMeasurement(trainingAccuracy, forKey: .trainingAccuracy)
        try container.encodeMeasurement(testAccuracy, forKey: .testAccuracy)
        try container.encodeMeasurement(seconds, forKey: .seconds)
    }
}
