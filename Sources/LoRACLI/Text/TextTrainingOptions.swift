import ArgumentParser
import Optimizers
import Training

/// The hyper-parameters of a text training run, with the text defaults: AdamW, learning
/// rate 1e-3, weight decay 0.01, batch 32, 1 epoch. Spelled as the MLP's
/// (``TrainingOptions``, ``OptimizationOptions``), with the same messages.
struct TextTrainingOptions: ParsableArguments {
    @Option(name: .long, parsing: .unconditional, help: "Passes over the training data.")
    var epochs: Int = 1

    @Option(name: .long, parsing: .unconditional, help: "Texts per optimisation step (per micro-batch with --gradient-accumulation-steps).")
    var batchSize: Int = 32

    @Option(name: .long, parsing: .unconditional, help: "AdamW's learning rate.")
    var learningRate: Float = 1e-3

    @Option(name: .long, help: "AdamW's decoupled weight decay λ (0: Adam).")
    var weightDecay: Float = 0.01

    @Option(name: .long, parsing: .unconditional, help: "Seed of every random choice (the head, adapters, shuffling, dropout).")
    var seed: UInt64 = 1

    /// `--shuffle` / `--no-shuffle`; nil when neither is given (each command picks its default).
    @Flag(name: .long, inversion: .prefixedNo,
          help: "Draw a new order of the training texts every epoch (default: on; off in 'experiment').")
    var shuffle: Bool?

    @Flag(name: .long, help: "Skip a batch whose loss or gradient is NaN or infinite instead of stopping.")
    var skipNonFinite: Bool = false

    @Option(name: .long, help: "The learning rate's course: constant, linear or cosine (decaying to 0 at the last step).")
    var lrSchedule: String = "constant"

    @Option(name: .long, help: "Optimiser steps of linear warm-up from 0 at the start of the schedule.")
    var warmupSteps: Int = 0

    @Option(name: .long, help: "Clip the gradients to this global 2-norm before each step (no clipping when absent).")
    var maxGradNorm: Float?

    @Option(name: .long, help: "Batches whose gradients are accumulated into one optimiser step (effective batch: --batch-size × N).")
    var gradientAccumulationSteps: Int = 1

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs).") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize).") }
        guard learningRate > 0, learningRate.isFinite else {
            throw ValidationError("--learning-rate must be a positive number, got \(learningRate).")
        }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw ValidationError("--weight-decay must be a finite number of at least 0, got \(weightDecay).")
        }
        guard LearningRateSchedule.Kind(rawValue: lrSchedule) != nil else {
            throw ValidationError("--lr-schedule must be constant, linear or cosine, got '\(lrSchedule)'.")
        }
        guard warmupSteps >= 0 else { throw ValidationError("--warmup-steps must be at least 0, got \(warmupSteps).") }
        if let maxGradNorm, !(maxGradNorm > 0 && maxGradNorm.isFinite) {
            throw ValidationError("--max-grad-norm must be a positive number, got \(maxGradNorm).")
        }
        guard gradientAccumulationSteps >= 1 else {
            throw ValidationError("--gradient-accumulation-steps must be at least 1, got \(gradientAccumulationSteps).")
        }
    }

    /// The settings, shuffling by `shufflesByDefault` unless `--shuffle`/`--no-shuffle` says.
    func settings(shufflesByDefault: Bool) -> TrainingSettings {
        TrainingSettings(epochs: epochs, batchSize: batchSize, learningRate: learningRate, seed: seed,
                         shufflesEachEpoch: shuffle ?? shufflesByDefault, nonFiniteValuePolicy: skipNonFinite ? .skipBatch : .stop,
                         weightDecay: weightDecay, learningRateSchedule: LearningRateSchedule.Kind(rawValue: lrSchedule) ?? .constant,
                         warmupSteps: warmupSteps, maximumGradientNorm: maxGradNorm,
                         gradientAccumulationSteps: gradientAccumulationSteps)
    }
}
