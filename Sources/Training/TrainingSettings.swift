import Optimizers
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
    /// λ of AdamW's decoupled weight decay; nil for Adam without decay (the reference).
    public var weightDecay: Float?
    /// The learning rate's course over the run (``Optimizers/LearningRateSchedule``).
    public var learningRateSchedule: LearningRateSchedule.Kind
    /// Optimiser steps of linear warm-up from 0 at the start of the schedule.
    public var warmupSteps: Int
    /// Clip gradients to this global 2-norm before each update; nil for no clipping.
    public var maximumGradientNorm: Float?
    /// Batches of ``batchSize`` whose gradients are accumulated into one update (an
    /// effective batch of `batchSize × gradientAccumulationSteps`).
    public var gradientAccumulationSteps: Int

    public init(epochs: Int = 10, batchSize: Int = 64, learningRate: Float = 0.005, seed: UInt64 = 1, shufflesEachEpoch: Bool = false,
                nonFiniteValuePolicy: NonFiniteValuePolicy = .stop, weightDecay: Float? = nil,
                learningRateSchedule: LearningRateSchedule.Kind = .constant, warmupSteps: Int = 0, maximumGradientNorm: Float? = nil,
                gradientAccumulationSteps: Int = 1) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.seed = seed
        self.shufflesEachEpoch = shufflesEachEpoch
        self.nonFiniteValuePolicy = nonFiniteValuePolicy
        self.weightDecay = weightDecay
        self.learningRateSchedule = learningRateSchedule
        self.warmupSteps = warmupSteps
        self.maximumGradientNorm = maximumGradientNorm
        self.gradientAccumulationSteps = gradientAccumulationSteps
    }

    /// Throws ``TrainingSettingError`` naming the first setting out of range.
    public func validate() throws(TrainingSettingError) {
        try TrainingSettingError.checkAtLeast(epochs, 0, setting: "epochs")
        try TrainingSettingError.checkAtLeast(batchSize, 1, setting: "batchSize")
        try TrainingSettingError.checkAtLeast(warmupSteps, 0, setting: "warmupSteps")
        try TrainingSettingError.checkAtLeast(gradientAccumulationSteps, 1, setting: "gradientAccumulationSteps")
        guard learningRate > 0, learningRate.isFinite else {
            throw .invalid(setting: "learningRate", value: String(learningRate), expected: "a positive finite number")
        }
        if let weightDecay, !(weightDecay >= 0 && weightDecay.isFinite) {
            throw .invalid(setting: "weightDecay", value: String(weightDecay), expected: "a finite number of at least 0")
        }
        if let maximumGradientNorm, !(maximumGradientNorm > 0 && maximumGradientNorm.isFinite) {
            throw .invalid(setting: "maximumGradientNorm", value: String(maximumGradientNorm), expected: "a positive finite number")
        }
    }

    /// Optimiser updates per epoch over `sampleCount` samples: one per
    /// ``gradientAccumulationSteps`` batches, the last taking what remains.
    public func updatesPerEpoch(sampleCount: Int) -> Int {
        let batches = (sampleCount + batchSize - 1) / max(batchSize, 1)
        return (batches + gradientAccumulationSteps - 1) / max(gradientAccumulationSteps, 1)
    }

    /// The schedule of a run of `epochs` epochs over `sampleCount` samples; nil for a constant
    /// rate without warm-up (the optimiser's rate is then left alone).
    public func schedule(epochs: Int, sampleCount: Int) -> LearningRateSchedule? {
        guard learningRateSchedule != .constant || warmupSteps > 0 else { return nil }
        return LearningRateSchedule(kind: learningRateSchedule, baseLearningRate: learningRate, warmupSteps: warmupSteps,
                                    totalSteps: epochs * updatesPerEpoch(sampleCount: sampleCount))
    }

    /// The settings a resumed run must share with the run that wrote the checkpoint: all
    /// but the number of epochs, which a resume may extend.
    public var resumeIdentity: String {
        var identity = "batchSize=\(batchSize) learningRate=\(learningRate) seed=\(seed) shuffle=\(shufflesEachEpoch)"
        // Only settings away from their defaults, so that earlier checkpoints still match.
        if let weightDecay { identity += " weightDecay=\(weightDecay)" }
        if learningRateSchedule != .constant || warmupSteps > 0 {
            identity += " schedule=\(learningRateSchedule.rawValue) warmupSteps=\(warmupSteps)"
        }
        if let maximumGradientNorm { identity += " maxGradientNorm=\(maximumGradientNorm)" }
        if gradientAccumulationSteps != 1 { identity += " gradientAccumulationSteps=\(gradientAccumulationSteps)" }
        return identity
    }

    /// A generator for one purpose of this run: stream 0 initialises the model, 1 shuffles,
    /// 2 initialises adapters and their dropout, so that changing one does not shift the others.
    public func generator(stream: UInt64) -> RandomGenerator {
        RandomGenerator(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* (stream &+ 1))
    }
}
