import ArgumentParser
import Datasets
import Foundation
import NN
import TensorCore
import Training

/// A held-out validation part of the training set, and the choices made on it.
///
/// `--validation-fraction F` holds out the last `⌊F·n⌋` training samples (Keras'
/// `validation_split` rule: deterministic, the same for every seed and every shuffle); the
/// model trains on the rest. After every epoch the validation loss and accuracy are printed
/// and recorded (`validation_loss`, `validation_accuracy` in `--json`). `--save-best` keeps
/// the parameters of the epoch with the lowest validation loss and writes those at the end;
/// `--early-stopping-patience N` stops after N epochs without a lower validation loss (Keras'
/// `EarlyStopping(monitor="val_loss")`). The test set is evaluated once, at the end, and is
/// never used for a choice. The validation history is not checkpointed: after `--resume`
/// the best loss and the patience count start again.
struct ValidationOptions: ParsableArguments {
    @Option(name: .long, parsing: .unconditional,
            help: "Hold out this fraction of the training set (its last samples) for per-epoch validation, in (0, 1).")
    var validationFraction: Double?

    @Flag(name: .long, help: "Write the parameters of the epoch with the lowest validation loss (needs --validation-fraction).")
    var saveBest: Bool = false

    @Option(name: .long, parsing: .unconditional,
            help: "Stop after N epochs without a lower validation loss (needs --validation-fraction).")
    var earlyStoppingPatience: Int?

    func validate() throws {
        if let validationFraction, !(validationFraction > 0 && validationFraction < 1) {
            throw ValidationError("--validation-fraction must be in (0, 1), got \(validationFraction).")
        }
        if let earlyStoppingPatience, earlyStoppingPatience < 1 {
            throw ValidationError("--early-stopping-patience must be at least 1, got \(earlyStoppingPatience).")
        }
        if validationFraction == nil && (saveBest || earlyStoppingPatience != nil) {
            throw ValidationError("--save-best and --early-stopping-patience choose by the validation loss: they need --validation-fraction.")
        }
    }

    /// The training data without the held-out part, and that part (`nil` without
    /// `--validation-fraction`); throws when either part would be empty.
    func split(_ data: MNISTFormatDataset) throws -> (training: MNISTFormatDataset, validation: LabeledImages?) {
        guard let validationFraction else { return (data, nil) }
        let train = data.train
        let heldOut = Int((validationFraction * Double(train.count)).rounded(.down))
        guard heldOut >= 1, heldOut < train.count else {
            throw ValidationError("--validation-fraction \(validationFraction) of \(train.count) training samples leaves "
                                  + "\(heldOut) for validation and \(train.count - heldOut) for training; both must be at least 1.")
        }
        let kept = train.count - heldOut
        func part(_ range: Range<Int>) throws -> LabeledImages {
            try LabeledImages(pixels: Array(train.pixels[range.lowerBound * train.pixelsPerImage..<range.upperBound * train.pixelsPerImage]),
                              labels: Array(train.labels[range]), rows: train.rows, columns: train.columns, classes: train.classes)
        }
        return (MNISTFormatDataset(train: try part(0..<kept), test: data.test), try part(kept..<train.count))
    }
}

/// One epoch's validation result.
struct ValidationRecord {
    let epoch: Int
    let loss: Double
    let accuracy: Double

    var jsonObject: [String: Any] {
        ["epoch": epoch, "validation_loss": JSONOutput.rounded(loss, 6), "validation_accuracy": JSONOutput.fraction(accuracy)]
    }
}

/// Runs a session epoch by epoch, validating after each, keeping the best parameters and
/// stopping early as ``ValidationOptions`` asks.
struct ValidatedTraining {
    let options: ValidationOptions
    let validation: LabeledImages

    /// Trains up to `epochs` epochs; returns every epoch's summary and validation record, and
    /// leaves the model with the best parameters when `--save-best`.
    func run(_ session: TrainingSession, epochs: Int, resuming: Bool,
             report: (String) -> Void) throws -> (summaries: [EpochSummary], validation: [ValidationRecord]) {
        let evaluator = Evaluator()
        evaluator.processGroup = session.processGroup
        var summaries: [EpochSummary] = []
        var records: [ValidationRecord] = []
        var best: (loss: Double, epoch: Int, values: [[Float]])?
        var epochsWithoutImprovement = 0
        let parameters = session.model.trainableParameters()
        var isFirstCall = true
        while session.trainer.completedEpochs < epochs {
            summaries += try session.run(epochs: session.trainer.completedEpochs + 1, resuming: isFirstCall && resuming)
            isFirstCall = false
            guard let summary = summaries.last, summary.epoch == session.trainer.completedEpochs else { continue }
            let result = try evaluator.evaluate(session.model, on: validation)
            records.append(ValidationRecord(epoch: summary.epoch, loss: result.loss, accuracy: result.accuracy))
            report(String(format: "Epoch: %03d/%03d validation loss: %.4f | validation accuracy: %.2f%%", summary.epoch, epochs,
                          result.loss, result.accuracyPercent))
            if best == nil || result.loss < best?.loss ?? .infinity {
                best = (result.loss, summary.epoch, options.saveBest ? parameters.map(\.scalars) : [])
                epochsWithoutImprovement = 0
            } else {
                epochsWithoutImprovement += 1
            }
            if let patience = options.earlyStoppingPatience, epochsWithoutImprovement >= patience {
                report("Early stopping: no lower validation loss for \(patience) epoch\(patience == 1 ? "" : "s") "
                       + "(best: epoch \(best?.epoch ?? 0), \(String(format: "%.4f", best?.loss ?? .nan))).")
                break
            }
        }
        if options.saveBest, let best {
            for (parameter, values) in zip(parameters, best.values) {
                try parameter.assign(Tensor(shape: parameter.shape, values: values))
            }
            report("Keeping the parameters of epoch \(best.epoch) (lowest validation loss, \(String(format: "%.4f", best.loss))).")
        }
        return (summaries, records)
    }
}
