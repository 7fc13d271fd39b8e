import Foundation

/// How the learning rate changes over a run, as Hugging Face transformers' schedules
/// (`get_constant_schedule_with_warmup`, `get_linear_schedule_with_warmup`,
/// `get_cosine_schedule_with_warmup` with `num_cycles = 0.5`), a factor λ(s) of the base
/// rate at optimiser step index `s` (from 0), warm-up `w` steps, `T` steps in all:
///
/// ```
/// s < w:      λ(s) = s / max(1, w)                                  (every kind)
/// constant:   λ(s) = 1
/// linear:     λ(s) = max(0, (T − s) / max(1, T − w))
/// cosine:     p = (s − w) / max(1, T − w);  λ(s) = max(0, ½·(1 + cos(π·p)))
/// lr(s) = baseLearningRate · λ(s)
/// ```
///
/// As with PyTorch's `LambdaLR`, the first update uses `s = 0` (so with warm-up the first
/// update has learning rate 0) and the schedule advances once per optimiser update (after
/// gradient accumulation, not per micro-batch). λ is computed in Double, the rate rounded
/// to Float once.
public struct LearningRateSchedule: Sendable, Equatable {
    /// The shape of the schedule after warm-up.
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case constant, linear, cosine
    }

    public var kind: Kind
    /// The rate that λ scales (the optimiser's configured learning rate).
    public var baseLearningRate: Float
    /// `w`: steps of linear warm-up from 0.
    public var warmupSteps: Int
    /// `T`: optimiser steps in the whole run (linear and cosine decay to 0 at `T`).
    public var totalSteps: Int

    public init(kind: Kind, baseLearningRate: Float, warmupSteps: Int = 0, totalSteps: Int) {
        self.kind = kind
        self.baseLearningRate = baseLearningRate
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// λ(s), the factor of ``baseLearningRate`` at optimiser step index `step` (from 0).
    public func factor(atStep step: Int) -> Double {
        if step < warmupSteps { return Double(step) / Double(max(1, warmupSteps)) }
        switch kind {
        case .constant:
            return 1
        case .linear:
            return max(0, Double(totalSteps - step) / Double(max(1, totalSteps - warmupSteps)))
        case .cosine:
            let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
            return max(0, 0.5 * (1 + cos(Double.pi * progress)))
        }
    }

    /// The learning rate of the update at step index `step` (from 0).
    public func learningRate(atStep step: Int) -> Float {
        Float(Double(baseLearningRate) * factor(atStep: step))
    }
}
