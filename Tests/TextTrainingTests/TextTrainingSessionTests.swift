import Foundation
import NN
import Optimizers
import TensorCore
import Testing
import TestSupport
import TextTraining
import Training
import TextClassification
import Transformers

@Suite("Text training sessions")
struct TextTrainingSessionTests {
    static let settings = TrainingSettings(epochs: 2, batchSize: 16, learningRate: 1e-2, seed: 5, shufflesEachEpoch: true, weightDecay: 0.01)

    private func trainableBits(_ model: any Module) -> [[UInt32]] {
        model.namedParameters().filter { $0.parameter.requiresGradient }.map { $0.parameter.scalars.map(\.bitPattern) }
    }

    @Test("A probe trained on head inputs computed once matches one trained through the frozen encoder")
    func probeTableMatchesFullForward() throws {
        let fixture = try TextFixture()
        defer { fixture.folder.remove() }
        var settings = Self.settings
        settings.shufflesEachEpoch = false
        let tabled = try fixture.classifier()
        var generator = RandomGenerator(seed: 1)
        try TextMethod.probe.prepare(tabled, adapter: .init(rank: 2, alpha: 4, targetModules: ["query"]), using: &generator)
        let session = try TextTrainingSession(classifier: tabled, trainingData: fixture.training, testData: nil, settings: settings)
        #expect(session.trainsHeadOnly)
        let summaries = try session.run(epochs: 2)

        // The same training through the whole model, step by step with the generic loop.
        let direct = try fixture.classifier()
        direct.encoder.freeze()
        let optimizer = Adam.adamW(parameters: direct.trainableParameters(), learningRate: settings.learningRate, weightDecay: 0.01)
        let loop = try TrainingLoop<TextClassificationBatch>(
            parameters: direct.namedParameters(), optimizer: optimizer,
            objective: TrainingObjective(forward: { try direct($0.encoderInput) },
                                         loss: { try Tensor.crossEntropy(logits: $0, targets: $1.classLabels) }),
            batchSize: settings.batchSize)
        var losses: [Double] = []
        for _ in 0..<2 {
            // The table holds the frozen encoder's evaluation-mode outputs (no dropout).
            direct.train()
            direct.encoder.eval()
            losses.append(try loop.trainEpoch(on: fixture.training).meanLoss)
        }
        #expect(tabled.trainableParameterCount == 3 * 32 + 3)
        for (a, b) in zip(tabled.head.weight.scalars + tabled.head.bias!.scalars,
                          direct.head.weight.scalars + direct.head.bias!.scalars) {
            #expect(abs(a - b) <= 1e-5 * max(1, abs(b)))
        }
        for (summary, loss) in zip(summaries, losses) { #expect(abs(summary.meanLoss - loss) <= 1e-5 * max(1, loss)) }
    }

    @Test("Only a classifier whose head alone trains takes the head-input table")
    func tableOnlyWhenHeadTrainsAlone() throws {
        let fixture = try TextFixture(trainingCount: 8, testCount: 4)
        defer { fixture.folder.remove() }
        let classifier = try fixture.classifier()
        var generator = RandomGenerator(seed: 1)
        try TextMethod.probe.prepare(classifier, adapter: TextExperimentConfiguration().adapter, using: &generator)
        #expect(classifier.headTrainsAlone)
        #expect(classifier.trainableParameterCount == 99)
        classifier.encoder.embeddings.namedParameters()[0].parameter.requiresGradient = true
        #expect(!classifier.headTrainsAlone)
        let session = try TextTrainingSession(classifier: classifier, trainingData: fixture.training, testData: nil, settings: Self.settings)
        #expect(!session.trainsHeadOnly)
    }

    @Test("A resumed run is bit-identical to an uninterrupted one", arguments: [TextMethod.probe, .lora, .dora])
    func resumeIsBitIdentical(method: TextMethod) throws {
        let fixture = try TextFixture(trainingCount: 48, testCount: 8)
        defer { fixture.folder.remove() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("text-resume-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let adapter = TextExperimentConfiguration().adapter

        func session(_ classifier: BERTSequenceClassifier) throws -> TextTrainingSession<BERTSequenceClassifier, TextClassificationBatches> {
            var generator = Self.settings.generator(stream: 2)
            try method.prepare(classifier, adapter: adapter, using: &generator)
            let made = try TextTrainingSession(classifier: classifier, trainingData: fixture.training, testData: fixture.test,
                                               settings: Self.settings)
            made.settingsDescription = "test \(method)"
            return made
        }
        let uninterrupted = try fixture.classifier()
        let whole = try session(uninterrupted).run(epochs: 2)

        let first = try session(try fixture.classifier())
        first.checkpointDirectory = directory
        try first.run(epochs: 1)
        let resumedClassifier = try fixture.classifier()
        let resumed = try session(resumedClassifier)
        resumed.checkpointDirectory = directory
        let rest = try resumed.run(epochs: 2, resuming: true)
        #expect(rest.count == 1 && rest[0].epoch == 2)
        #expect(trainableBits(resumedClassifier) == trainableBits(uninterrupted))
        #expect(rest[0].meanLoss.bitPattern == whole[1].meanLoss.bitPattern)
        #expect(rest[0].test?.loss.bitPattern == whole[1].test?.loss.bitPattern)

        let other = try session(try fixture.classifier())
        other.checkpointDirectory = directory
        other.settingsDescription = "something else"
        #expect(throws: CheckpointError.self) { try other.run(epochs: 2, resuming: true) }
    }

    @Test("LoRA and DoRA train the encoder's adapters and the head, and the loss falls", arguments: [TextMethod.lora, .dora])
    func adaptersTrain(method: TextMethod) throws {
        let fixture = try TextFixture()
        defer { fixture.folder.remove() }
        let classifier = try fixture.classifier()
        let before = classifier.namedParameters().map { ($0.key, $0.parameter.scalars) }
        var generator = RandomGenerator(seed: 2)
        try method.prepare(classifier, adapter: .init(rank: 4, alpha: 8, targetModules: ["query", "value"]), using: &generator)
        let session = try TextTrainingSession(classifier: classifier, trainingData: fixture.training, testData: fixture.test,
                                              settings: Self.settings)
        #expect(!session.trainsHeadOnly)
        let summaries = try session.run(epochs: 4)
        #expect(summaries.count == 4)
        #expect(summaries[3].meanLoss < summaries[0].meanLoss)
        let trained = Dictionary(uniqueKeysWithValues: classifier.namedParameters().map { ($0.key, $0.parameter) })
        #expect(trained["head.weight"]?.scalars != before.first { $0.0 == "head.weight" }?.1)
        #expect(trained.keys.contains("bert.encoder.layer.0.attention.self.query.lora_A.weight"))
        #expect(trained["bert.encoder.layer.0.attention.self.key.weight"]?.requiresGradient == false)
        // Frozen encoder weights are untouched.
        for (key, values) in before where key.hasPrefix("bert.embeddings") {
            #expect(trained[key]?.scalars == values)
        }
        let test = try #require(summaries.last?.test)
        #expect(test.sampleCount == 40)
    }
}
