import Adapters
import Datasets
import Foundation
@testable import LoRACLI
import SafeTensors
import Testing
import Training

@Suite("lora command line: validation part, save-best, early stopping", .serialized)
struct ValidationTests {
    @Test func theLastFractionOfTheTrainingSetIsHeldOut() throws {
        let data = try MNISTFormatDataset.mnistSample()
        let options = try ValidationOptions.parse(["--validation-fraction", "0.25"])
        let (training, validation) = try options.split(data)
        let heldOut = try #require(validation)
        #expect(training.train.count == 3000 && heldOut.count == 1000)
        #expect(training.train.labels == Array(data.train.labels.prefix(3000)))
        #expect(heldOut.labels == Array(data.train.labels.suffix(1000)))
        #expect(heldOut.pixels == Array(data.train.pixels.suffix(1000 * 784)))
        #expect(training.test == data.test)
        #expect(try ValidationOptions.parse([]).split(data).validation == nil)
    }

    @Test func choicesOnTheValidationLossNeedAValidationPart() throws {
        func message(_ arguments: [String]) -> String {
            do { _ = try ValidationOptions.parse(arguments); return "" } catch { return ValidationOptions.message(for: error) }
        }
        #expect(message(["--save-best"]) == "--save-best and --early-stopping-patience choose by the validation loss: they need --validation-fraction.")
        #expect(message(["--early-stopping-patience", "2"]) == "--save-best and --early-stopping-patience choose by the validation loss: they need --validation-fraction.")
        #expect(message(["--validation-fraction", "1.5"]) == "--validation-fraction must be in (0, 1), got 1.5.")
        #expect(message(["--validation-fraction", "-0.1"]) == "--validation-fraction must be in (0, 1), got -0.1.")
        #expect(message(["--validation-fraction", "0.1", "--early-stopping-patience", "0"]) == "--early-stopping-patience must be at least 1, got 0.")
    }

    @Test func earlyStoppingAndTheBestEpochFollowTheValidationLoss() throws {
        let scratch = try ScratchDirectory()
        let model = scratch.file("model.safetensors")
        let maximumEpochs = 15, patience = 2
        let run = try LoRAExecutable.run(["train", "--layers", "784,32,10", "--epochs", String(maximumEpochs), "--batch-size", "16",
                                          "--learning-rate", "0.02", "--validation-fraction", "0.5", "--early-stopping-patience", String(patience),
                                          "--save-best", "--output", model, "--json", scratch.file("t.json")])
        #expect(run.exitCode == 0, "\(run.standardError)")
        let summary = try scratch.json("t.json")
        let records = try #require(summary["validation"] as? [[String: Any]])
        let losses = records.compactMap { $0["validation_loss"] as? Double }
        #expect(losses.count == records.count)
        // Keras' rule, computed here: stop at the first epoch that is `patience` epochs after the lowest loss so far.
        var expectedEpochs = maximumEpochs
        for epoch in 1...losses.count {
            let bestEpoch = (1...epoch).min { losses[$0 - 1] < losses[$1 - 1] || (losses[$0 - 1] == losses[$1 - 1] && $0 < $1) } ?? 1
            if epoch - bestEpoch >= patience { expectedEpochs = epoch; break }
        }
        #expect(losses.count == expectedEpochs)
        #expect(expectedEpochs < maximumEpochs, "the validation loss rose (2,000 samples, 15 epochs); losses: \(losses)")
        #expect(run.standardOutput.contains("Early stopping: no lower validation loss for 2 epochs"))
        #expect(!run.standardOutput.contains("test accuracy: "), "no per-epoch test accuracy when validating")
        let epochs = try #require(summary["epochs"] as? [[String: Any]])
        #expect(epochs.allSatisfy { $0["test_accuracy"] == nil })
        // Elapsed times count from the start of the run, across the epoch-by-epoch session calls.
        let times = epochs.compactMap { $0["seconds"] as? Double }
        #expect(times.count == epochs.count && zip(times, times.dropFirst()).allSatisfy { $0 < $1 }, "\(times)")
        #expect(summary["seconds"] as? Double == times.last)

        // The saved model is the one of the lowest validation loss.
        let best = losses.min() ?? .nan
        let data = try MNISTFormatDataset.mnistSample()
        let validation = try #require(try ValidationOptions.parse(["--validation-fraction", "0.5"]).split(data).validation)
        let saved = try StateDictionary.loadSequentialModel(from: model)
        let loss = try Evaluator().evaluate(saved, on: validation).loss
        #expect(abs(loss - best) < 1e-6, "saved model's validation loss \(loss), best recorded \(best)")
    }
}
