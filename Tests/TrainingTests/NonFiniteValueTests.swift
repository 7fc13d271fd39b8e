import Adapters
import Datasets
import Foundation
import NN
import SafeTensors
import Testing
import TensorCore
import Training

@Suite("Non-finite losses and gradients")
struct NonFiniteValueTests {
    func session(_ data: MNISTFormatDataset, policy: NonFiniteValuePolicy, directory: String? = nil) throws -> (TrainingSession, MLP) {
        let settings = TrainingSettings(epochs: 2, batchSize: 500, learningRate: 0.005, seed: 3, nonFiniteValuePolicy: policy)
        var generator = settings.generator(stream: 0)
        let model = MLP(layerSizes: [784, 16, 10], using: &generator)
        let session = try TrainingSession(model: model, data: data, settings: settings)
        session.checkpointDirectory = directory
        session.settingsDescription = "non-finite test"
        return (session, model)
    }

    @Test func aDivergingRunStopsNamingTheStepAndKeepsTheLastGoodCheckpoint() throws {
        let data = try MNISTFormatDataset.mnistSample()
        let directory = NSTemporaryDirectory() + "nonfinite-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (session, model) = try session(data, policy: .stop, directory: directory)
        try session.run(epochs: 1)
        let checkpointPath = directory + "/" + TrainingCheckpoint.fileName
        let goodCheckpoint = try Data(contentsOf: URL(fileURLWithPath: checkpointPath))

        session.optimizer.learningRate = 1e35
        var caught: TrainingError?
        var parametersBeforeFailingStep: [[Float]] = []
        session.onStep = { _ in parametersBeforeFailingStep = model.namedParameters().map(\.parameter.scalars) }
        do {
            try session.run(epochs: 2)
        } catch let error as TrainingError {
            caught = error
        }
        let error = try #require(caught)
        switch error {
        case let .nonFiniteLoss(step, epoch, batch, _), let .nonFiniteGradient(step, epoch, batch, _):
            #expect(epoch == 2)
            #expect(step == 8 + batch + 1, "steps are counted across epochs: 8 in epoch 1")
        }
        #expect(error.description.contains("--skip-non-finite"))
        // The failing batch changed nothing, and the checkpoint is still epoch 1's.
        #expect(model.namedParameters().map(\.parameter.scalars) == parametersBeforeFailingStep)
        #expect(try Data(contentsOf: URL(fileURLWithPath: checkpointPath)) == goodCheckpoint)
        #expect(try SafeTensorsFile(path: checkpointPath).metadata["epoch"] == "1")
    }

    @Test func skippingKeepsTrainingGoingAndCountsTheSkippedBatches() throws {
        let data = try MNISTFormatDataset.mnistSample()
        let (session, model) = try session(data, policy: .skipBatch)
        session.optimizer.learningRate = 1e35
        let summaries = try session.run(epochs: 2)
        #expect(summaries.count == 2)
        #expect(summaries.map(\.skippedBatches).reduce(0, +) > 0)
        // Every applied update kept the parameters finite.
        #expect(model.namedParameters().allSatisfy { $0.parameter.scalars.allSatisfy(\.isFinite) })
    }
}
