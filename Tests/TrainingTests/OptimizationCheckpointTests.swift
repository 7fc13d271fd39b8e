import Adapters
import Datasets
import Foundation
import NN
import SafeTensors
import Testing
import TensorCore
import Training

@Suite("Resuming a run with AdamW, a schedule, clipping and accumulation")
struct OptimizationCheckpointTests {
    static let settings = TrainingSettings(epochs: 3, batchSize: 300, learningRate: 0.01, seed: 9, shufflesEachEpoch: true,
                                           weightDecay: 0.05, learningRateSchedule: .cosine, warmupSteps: 3,
                                           maximumGradientNorm: 0.5, gradientAccumulationSteps: 2)

    func makeSession(data: MNISTFormatDataset, directory: String?) throws -> (TrainingSession, MLP) {
        var generator = Self.settings.generator(stream: 0)
        let model = MLP(layerSizes: [784, 16, 10], using: &generator)
        var adapterGenerator = Self.settings.generator(stream: 2)
        try AdapterInjection.inject(LoRAConfiguration(rank: 2, alpha: 4, dropout: 0.1, targetModules: ["layers.0", "layers.2"]),
                                    into: model, using: &adapterGenerator)
        let session = try TrainingSession(model: model, data: data, settings: Self.settings)
        session.checkpointDirectory = directory
        session.settingsDescription = "optimization test " + Self.settings.resumeIdentity
        return (session, model)
    }

    /// The schedule's position (updates applied) is saved, so a resumed run's learning rates
    /// and parameters are those of an uninterrupted run, bit for bit.
    @Test func resumingIsBitIdentical() throws {
        let data = try MNISTFormatDataset.mnistSample()
        let directory = NSTemporaryDirectory() + "optimization-checkpoint-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let (uninterrupted, reference) = try makeSession(data: data, directory: nil)
        let referenceSummaries = try uninterrupted.run(epochs: 3)
        #expect(uninterrupted.optimizer.decouplesWeightDecay && uninterrupted.optimizer.weightDecay == 0.05)
        // 4,000 samples: 14 batches of 300, 7 updates an epoch.
        #expect(uninterrupted.trainer.loop.appliedUpdates == 21)
        #expect(uninterrupted.trainer.loop.learningRateSchedule?.totalSteps == 21)

        let (first, _) = try makeSession(data: data, directory: directory)
        try first.run(epochs: 3 - 2)
        #expect(try SafeTensorsFile(path: directory + "/" + TrainingCheckpoint.fileName).metadata["applied_updates"] == "7")

        let (resumed, model) = try makeSession(data: data, directory: directory)
        let resumedSummaries = try resumed.run(epochs: 3, resuming: true)
        #expect(resumed.trainer.loop.appliedUpdates == 21)
        #expect(resumedSummaries.map(\.meanLoss) == Array(referenceSummaries.map(\.meanLoss).suffix(2)))
        for (a, b) in zip(model.namedParameters(), reference.namedParameters()) {
            let identical = a.parameter.scalars == b.parameter.scalars
            #expect(identical, "\(a.key) differs after resuming")
        }
    }

    @Test func theResumeIdentityNamesOnlySettingsAwayFromTheDefaults() {
        #expect(TrainingSettings().resumeIdentity == "batchSize=64 learningRate=0.005 seed=1 shuffle=false")
        #expect(Self.settings.resumeIdentity == "batchSize=300 learningRate=0.01 seed=9 shuffle=true weightDecay=0.05 "
                + "schedule=cosine warmupSteps=3 maxGradientNorm=0.5 gradientAccumulationSteps=2")
    }
}
