extension HTMLReport {
    /// One row of a report's summary table: what a training method cost and achieved.
    public struct SummaryRow: Sendable, Equatable, Codable {
        /// The training method, for example `"base"`, `"lora"` or `"dora"`.
        public var method: String
        /// The number of parameters the method trains.
        public var trainableParameters: Int
        /// The final test accuracy as a fraction in [0, 1] (shown as a percentage), or `nil`.
        public var testAccuracy: Double?
        /// The method's total training time in seconds.
        public var seconds: Double

        public init(method: String, trainableParameters: Int, testAccuracy: Double?, seconds: Double) {
            self.method = method
            self.trainableParameters = trainableParameters
            self.testAccuracy = testAccuracy
            self.seconds = seconds
        }
    }
}
