import ArgumentParser
import Optimizers
import Training

/// The optimiser's refinements for `train` and `finetune`: AdamW's weight decay, a
/// learning-rate schedule with warm-up, gradient clipping and accumulation. `experiment`
/// keeps the reference notebook's plain Adam.
struct OptimizationOptions: ParsableArguments {
    @Option(name: .long, help: "AdamW's decoupled weight decay λ (Adam without decay when absent).")
    var weightDecay: Float?

    @Option(name: .long, help: "The learning rate's course: constant, linear or cosine (decaying to 0 at the last step).")
    var lrSchedule: String = "constant"

    @Option(name: .long, help: "Optimiser steps of linear warm-up from 0 at the start of the schedule.")
    var warmupSteps: Int = 0

    @Option(name: .long, help: "Clip the gradients to this global 2-norm before each step (no clipping when absent).")
    var maxGradNorm: Float?

    @Option(name: .long, help: "Batches whose gradients are accumulated into one optimiser step (effective batch: --batch-size × N).")
    var gradientAccumulationSteps: Int = 1

    func validate() throws {
        guard LearningRateSchedule.Kind(rawValue: lrSchedule) != nil else {
            throw ValidationError("--lr-schedule must be constant, linear or cosine, got '\(lrSchedule)'.")
        }
        if let weightDecay, !(weightDecay >= 0 && weightDecay.isFinite) {
            throw ValidationError("--weight-decay must be a finite number of at least 0, got \(weightDecay).")
        }
        guard warmupSteps >= 0 else { throw ValidationError("--warmup-steps must be at least 0, got \(warmupSteps).") }
        if let maxGradNorm, !(maxGradNorm > 0 && maxGradNorm.isFinite) {
            throw ValidationError("--max-grad-norm must be a positive number, got \(maxGradNorm).")
        }
        guard gradientAccumulationSteps >= 1 else {
            throw ValidationError("--gradient-accumulation-steps must be at least 1, got \(gradientAccumulationSteps).")
        }
    }

    /// `settings` with these options applied.
    func applied(to settings: TrainingSettings) -> TrainingSettings {
        var settings = settings
        settings.weightDecay = weightDecay
        settings.learningRateSchedule = LearningRateSchedule.Kind(rawValue: lrSchedule) ?? .constant
        settings.warmupSteps = warmupSteps
        settings.maximumGradientNorm = maxGradNorm
        settings.gradientAccumulationSteps = gradientAccumulationSteps
        return settings
    }
}
