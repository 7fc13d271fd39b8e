import ArgumentParser
import Training

/// The optimiser's refinements for `train` and `finetune`: AdamW's weight decay, and the
/// schedule, clipping and accumulation of ``ScheduleOptions``. `experiment` keeps the
/// reference notebook's plain Adam.
struct OptimizationOptions: ParsableArguments {
    @Option(name: .long, help: "AdamW's decoupled weight decay λ (Adam without decay when absent).")
    var weightDecay: Float?

    @OptionGroup var schedule: ScheduleOptions

    func validate() throws {
        if let weightDecay, !(weightDecay >= 0 && weightDecay.isFinite) {
            throw ValidationError("--weight-decay must be a finite number of at least 0, got \(weightDecay).")
        }
    }

    /// `settings` with these options applied.
    func applied(to settings: TrainingSettings) -> TrainingSettings {
        var settings = schedule.applied(to: settings)
        settings.weightDecay = weightDecay
        return settings
    }
}
