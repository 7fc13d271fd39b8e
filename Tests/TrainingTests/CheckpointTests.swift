import Adapters
import Datasets
import Foundation
import NN
import SafeTensors
import Testing
import TensorCore
import Training

@Suite("Checkpoints and resuming")
struct CheckpointTests {
    /// A small DoRA fine-tuning run with shuffling and adapter dropout, so that the
    /// shuffle and dropout generators both matter.
    func makeSession(data: MNISTFormatDataset, directory: String?) throws -> (TrainingSession, MLP) {
        let settings = TrainingSettings(epochs: 3, batchSize: 200, learningRate: 0.005, seed: 7, shufflesEachEpoch: true)
        var generator = settings.generator(stream: 0)
        let model = MLP(layerSizes: [784, 16, 10], using: &generator)
        var adapterGenerator = settings.generator(stream: 2)
        try AdapterInjection.inject(LoRAConfiguration(rank: 2, alpha: 4, dropout: 0.1, usesDoRA: true, targetModules: ["layers.0", "layers.2"]),
                                    into: model, using: &adapterGenerator)
        let session = try TrainingSession(model: model, data: data, settings: settings)
        session.checkpointDirectory = directory
        session.settingsDescription = "test run"
        return (session, model)
    }

    @Test func resumingGivesTheSameResultAsAnUninterruptedRun() throws {
        let data = try MNISTFormatDataset.mnistSample()
        let directory = NSTemporaryDirectory() + "checkpoint-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let (uninterrupted, reference) = try makeSession(data: data, directory: nil)
        let referenceSummaries = try uninterrupted.run(epochs: 3)

        let (first, _) = try makeSession(data: data, directory: directory)
        try first.run(epochs: 1)
        #expect(TrainingCheckpoint.exists(in: directory))

        let (resumed, model) = try makeSession(data: data, directory: directory)
        let resumedSummaries = try resumed.run(epochs: 3, resuming: true)
        #expect(resumedSummaries.map(\.epoch) == [2, 3])
        #expect(resumedSummaries.map(\.meanLoss) == Array(referenceSummaries.map(\.meanLoss).suffix(2)))
        for (a, b) in zip(model.namedParameters(), reference.namedParameters()) {
            let identical = a.parameter.scalars == b.parameter.scalars
            #expect(identical, "\(a.key) differs after resuming")
        }
    }

    @Test func aCheckpointFromOtherSettingsIsRefused() throws {
        let data = try MNISTFormatDataset.mnistSample()
        let directory = NSTemporaryDirectory() + "checkpoint-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (first, _) = try makeSession(data: data, directory: directory)
        try first.run(epochs: 1)
        let (other, _) = try makeSession(data: data, directory: directory)
        other.settingsDescription = "another run"
        #expect(throws: CheckpointError.settingsDiffer(path: directory + "/checkpoint.safetensors", saved: "test run", current: "another run")) {
            try other.run(epochs: 2, resuming: true)
        }
    }
}

@Suite("Checkpoints of a model with Dropout layers")
struct DropoutCheckpointTests {
    /// Full training of an MLP with a `Dropout` layer: its masks matter to every step.
    func makeSession(data: MNISTFormatDataset, directory: String?) throws -> (TrainingSession, MLP) {
        let settings = TrainingSettings(epochs: 2, batchSize: 200, learningRate: 0.005, seed: 8, shufflesEachEpoch: true)
        var generator = settings.generator(stream: 0)
        let model = MLP(layers: Sequential([
            Linear(inFeatures: 784, outFeatures: 16, using: &generator), ReLU(),
            try Dropout(probability: 0.3, using: &generator), Linear(inFeatures: 16, outFeatures: 10, using: &generator),
        ]))
        let session = try TrainingSession(model: model, data: data, settings: settings)
        session.checkpointDirectory = directory
        session.settingsDescription = "dropout run"
        return (session, model)
    }

    @Test func resumingRestoresTheDropoutLayersGenerator() throws {
        let data = try MNISTFormatDataset.mnistSample()
        let directory = NSTemporaryDirectory() + "checkpoint-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let (uninterrupted, reference) = try makeSession(data: data, directory: nil)
        let referenceSummaries = try uninterrupted.run(epochs: 2)

        let (first, _) = try makeSession(data: data, directory: directory)
        try first.run(epochs: 1)
        let file = try SafeTensorsFile(path: directory + "/" + TrainingCheckpoint.fileName)
        #expect(file.metadata["dropout_rng.layers.2"] != nil)

        let (resumed, model) = try makeSession(data: data, directory: directory)
        let resumedSummaries = try resumed.run(epochs: 2, resuming: true)
        #expect(resumedSummaries.map(\.meanLoss) == Array(referenceSummaries.map(\.meanLoss).suffix(1)))
        for (a, b) in zip(model.namedParameters(), reference.namedParameters()) {
            let identical = a.parameter.scalars == b.parameter.scalars
            #expect(identical, "\(a.key) differs after resuming")
        }
    }
}
