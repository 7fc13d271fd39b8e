import ArgumentParser
import Optimizers
import Training

/// The hyper-parameters of a text training run, with the text defaults: AdamW, learning
/// rate 1e-3, weight decay 0.01, batch 32, 1 epoch. Spelled as the MLP's
/// (``TrainingOptions``, ``OptimizationOptions``), with the same messages; the schedule,
/// clipping and accumulation flags are the same ``ScheduleOptions``.
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

    @OptionGroup var schedule: ScheduleOptions

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs).") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize).") }
        guard learningRate > 0, learningRate.isFinite else {
            throw ValidationError("--learning-rate must be a positive number, got \(learningRate).")
        }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw ValidationError("--weight-decay must be a finite number of at least 0, got \(weightDecay).")
        }
    }

    /// The settings, shuffling by `shufflesByDefault` unless `--shuffle`/`--no-shuffle` says.
    func settings(shufflesByDefault: Bool) -> TrainingSettings {
        schedule.applied(to: TrainingSettings(epochs: epochs, batchSize: batchSize, learningRate: learningRate, seed: seed,
                                              shufflesEachEpoch: shuffle ?? shufflesByDefault,
                                              nonFiniteValuePolicy: skipNonFinite ? .skipBatch : .stop, weightDecay: weightDecay))
    }
}
