import ArgumentParser
import Optimizers
import Training

/// How the optimiser's steps are shaped, shared by the MLP and text training commands: a
/// learning-rate schedule with warm-up, gradient clipping and gradient accumulation.
struct ScheduleOptions: ParsableArguments {
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
        settings.learningRateSchedule = LearningRateSchedule.Kind(rawValue: lrSchedule) ?? .constant
        settings.warmupSteps = warmupSteps
        settings.maximumGradientNorm = maxGradNorm
        settings.gradientAccumulationSteps = gradientAccumulationSteps
        return settings
    }
}
