import TensorCore

/// The hyper-parameters of one training run (pretraining or fine-tuning). The defaults are
/// the reference notebook's: 10 epochs of Adam with learning rate 0.005, batch 64, data in
/// file order.
public struct TrainingSettings: Sendable, Equatable, Codable {
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Float
    /// The seed of every random choice in the run (initialisation, shuffling, dropout).
    public var seed: UInt64
    /// Draw a new order of the training samples every epoch.
    public var shufflesEachEpoch: Bool
    /// What to do with a NaN or infinite loss or gradient.
    public var nonFiniteValuePolicy: NonFiniteValuePolicy

    public init(epochs: Int = 10, batchSize: Int = 64, learningRate: Float = 0.005, seed: UInt64 = 1, shufflesEachEpoch: Bool = false,
                nonFiniteValuePolicy: NonFiniteValuePolicy = .stop) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.seed = seed
        self.shufflesEachEpoch = shufflesEachEpoch
        self.nonFiniteValuePolicy = nonFiniteValuePolicy
    }

    /// The settings a resumed run must share with the run that wrote the checkpoint: all
    /// but the number of epochs, which a resume may extend.
    public var resumeIdentity: String {
        "batchSize=\(batchSize) learningRate=\(learningRate) seed=\(seed) shuffle=\(shufflesEachEpoch)"
    }

    /// A generator for one purpose of this run: stream 0 initialises the model, 1 shuffles,
    /// 2 initialises adapters and their dropout, so that changing one does not shift the others.
    public func generator(stream: UInt64) -> RandomGenerator {
        RandomGenerator(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* (stream &+ 1))
    }
}
