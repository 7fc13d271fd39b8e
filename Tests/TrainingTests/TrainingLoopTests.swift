import Datasets
import NN
import Optimizers
import Testing
import TensorCore
import Training

@Suite("The generic training loop: accumulation, hook, clipping, schedule, checks")
struct TrainingLoopTests {
    /// The first `count` samples of the shipped MNIST sample's training split.
    static func firstSamples(_ count: Int) throws -> LabeledImages {
        let train = try MNISTFormatDataset.mnistSample().train
        let pixels = Array(train.pixels.prefix(count * train.pixelsPerImage))
        let labels = (0..<count).map { UInt8(train.label(at: $0)) }
        return try LabeledImages(pixels: pixels, labels: labels, rows: train.rows, columns: train.columns, classes: train.classes)
    }

    static func model(seed: UInt64 = 5) -> MLP {
        var generator = RandomGenerator(seed: seed)
        return MLP(layerSizes: [784, 12, 10], using: &generator)
    }

    /// A classification loop over `model` with plain SGD (θ ← θ − lr·g, easy to follow).
    static func loop(_ model: MLP, learningRate: Float = 0.1, batchSize: Int, accumulation: Int = 1) throws -> TrainingLoop<LabeledImageBatch> {
        try TrainingLoop(parameters: model.namedParameters(), optimizer: SGD(parameters: model.trainableParameters(), learningRate: learningRate),
                         objective: .classification { try model($0.input) }, batchSize: batchSize, gradientAccumulationSteps: accumulation)
    }

    /// The gradients the hook sees in every update, as one flat vector each.
    static func capturingGradients(of loop: TrainingLoop<LabeledImageBatch>) -> () -> [[Float]] {
        final class Box { var captured: [[Float]] = [] }
        let box = Box()
        loop.gradientHook = { gradients in gradients.withFlatBuffer { box.captured.append(Array($0)) } }
        return { box.captured }
    }

    /// Micro-batches of 40, 40 and 20 samples, each loss weighted by its share (0.4, 0.4,
    /// 0.2), accumulate the gradient of the mean loss over all 100: the same as one batch
    /// of 100, up to rounding; and the update made from it is the same.
    @Test func accumulatedGradientsEqualTheFullBatchGradient() throws {
        let data = LabeledImageBatches(images: try Self.firstSamples(100), batchSize: 100)
        let fullModel = Self.model(), accumulatedModel = Self.model()
        let full = try Self.loop(fullModel, batchSize: 100)
        let accumulated = try Self.loop(accumulatedModel, batchSize: 40, accumulation: 3)
        let fullGradients = Self.capturingGradients(of: full), accumulatedGradients = Self.capturingGradients(of: accumulated)
        let fullReport = try full.trainEpoch(on: data)
        let accumulatedReport = try accumulated.trainEpoch(on: data)
        #expect(fullReport.batchCount == 1 && accumulatedReport.batchCount == 3)
        #expect(full.appliedUpdates == 1 && accumulated.appliedUpdates == 1)
        #expect(fullReport.metricTotals["correct"] == accumulatedReport.metricTotals["correct"])

        let reference = try #require(fullGradients().first), candidate = try #require(accumulatedGradients().first)
        #expect(reference.count == 784 * 12 + 12 + 12 * 10 + 10)
        let largest = reference.map { abs($0) }.max() ?? 0
        let difference = zip(reference, candidate).map { abs($0 - $1) }.max() ?? 0
        #expect(largest > 0)
        #expect(difference <= 1e-5 * largest, "largest difference \(difference), largest gradient \(largest)")
        for (a, b) in zip(fullModel.namedParameters(), accumulatedModel.namedParameters()) {
            let close = zip(a.parameter.scalars, b.parameter.scalars).allSatisfy { abs($0 - $1) <= 1e-6 }
            #expect(close, "\(a.key)")
        }
    }

    /// Two epochs of 250 samples in micro-batches of 64 with 3 per update: updates of 3 and
    /// 1 batches (the epoch's rest), so 2 updates an epoch and nothing carried over.
    @Test func anEpochEndsWithTheMicroBatchesThatRemain() throws {
        let data = LabeledImageBatches(images: try Self.firstSamples(250), batchSize: 64)
        let loop = try Self.loop(Self.model(), batchSize: 64, accumulation: 3)
        final class Counter { var samples: [Int] = [] }
        let counter = Counter()
        loop.gradientHook = { counter.samples.append($0.sampleCount) }
        var reports: [StepReport] = []
        try loop.trainEpoch(on: data) { reports.append($0) }
        try loop.trainEpoch(on: data)
        #expect(counter.samples == [192, 58, 192, 58])
        #expect(loop.appliedUpdates == 4)
        #expect(reports.map(\.batchIndex) == [0, 1, 2, 3])
    }

    /// The hook's rewrite of the flat buffer is what the optimiser applies.
    @Test func theHookRewritesTheGradientsTheUpdateUses() throws {
        let data = LabeledImageBatches(images: try Self.firstSamples(64), batchSize: 64)
        let model = Self.model()
        let loop = try Self.loop(model, learningRate: 1, batchSize: 64)
        let before = model.namedParameters().map(\.parameter.scalars)
        loop.gradientHook = { gradients in
            gradients.withFlatBuffer { flat in
                for index in flat.indices { flat[index] = Float(index % 7) * 0.001 }
            }
        }
        try loop.step(on: 0..<64, of: data)
        var offset = 0
        for (old, parameter) in zip(before, model.trainableParameters()) {
            for (index, value) in parameter.scalars.enumerated() {
                #expect(value == old[index] - Float((offset + index) % 7) * 0.001)
            }
            offset += parameter.elementCount
        }
    }

    /// A hook runs before the non-finite check: a NaN it brings in (as another process's
    /// gradients would) skips or stops the update, and a non-finite loss flagged by it stops
    /// the run as a non-finite loss.
    @Test func theNonFiniteCheckSeesWhatTheHookLeft() throws {
        let data = LabeledImageBatches(images: try Self.firstSamples(64), batchSize: 64)
        let model = Self.model()
        let loop = try Self.loop(model, batchSize: 64)
        let before = model.namedParameters().map(\.parameter.scalars)
        loop.gradientHook = { gradients in gradients.withFlatBuffer { $0[$0.count - 1] = .nan } }
        loop.nonFiniteValuePolicy = .skipBatch
        #expect(try loop.step(on: 0..<64, of: data).applied == false)
        #expect(model.namedParameters().map(\.parameter.scalars) == before)

        loop.nonFiniteValuePolicy = .stop
        #expect(throws: TrainingError.nonFiniteGradient(step: 2, epoch: 0, batch: 0, parameter: "layers.2.bias")) {
            try loop.step(on: 0..<64, of: data)
        }
        loop.gradientHook = { $0.hasNonFiniteLoss = true }
        do {
            try loop.step(on: 0..<64, of: data)
            Issue.record("expected a non-finite loss error")
        } catch let TrainingError.nonFiniteLoss(step, _, _, value) {
            #expect(step == 3 && value.isNaN)
        }
        #expect(model.namedParameters().map(\.parameter.scalars) == before)
    }

    /// Clipping comes after the hook: gradients the hook makes 1000 times larger are still
    /// clipped to the norm, so an SGD update with rate 1 moves the parameters by exactly it.
    @Test func clippingComesAfterTheHook() throws {
        let data = LabeledImageBatches(images: try Self.firstSamples(64), batchSize: 64)
        let model = Self.model()
        let loop = try Self.loop(model, learningRate: 1, batchSize: 64)
        loop.maximumGradientNorm = 0.5
        loop.gradientHook = { gradients in gradients.withFlatBuffer { flat in for index in flat.indices { flat[index] *= 1000 } } }
        let before = model.trainableParameters().flatMap(\.scalars)
        try loop.step(on: 0..<64, of: data)
        let after = model.trainableParameters().flatMap(\.scalars)
        let moved = zip(before, after).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +).squareRoot()
        #expect(abs(moved - 0.5) < 1e-4, "moved \(moved)")
        #expect((loop.lastGradientNorm ?? 0) > 0.5)
        loop.maximumGradientNorm = 0
        #expect(throws: TrainingSettingError.invalid(setting: "maximumGradientNorm", value: "0.0", expected: "a positive number")) {
            try loop.step(on: 0..<64, of: data)
        }
    }

    /// The schedule sets the rate of every update from the number of updates applied before
    /// it (from 0, as PyTorch's LambdaLR): with warm-up the first update has rate 0.
    @Test func theScheduleSetsEachUpdatesRate() throws {
        let data = LabeledImageBatches(images: try Self.firstSamples(256), batchSize: 64)
        let model = Self.model()
        let loop = try Self.loop(model, batchSize: 64)
        loop.learningRateSchedule = LearningRateSchedule(kind: .linear, baseLearningRate: 0.1, warmupSteps: 2, totalSteps: 4)
        var rates: [Float] = []
        var firstUpdateMoved = true
        let before = model.trainableParameters().flatMap(\.scalars)
        try loop.trainEpoch(on: data) { report in
            rates.append(loop.optimizer.learningRate)
            if report.batchIndex == 0 { firstUpdateMoved = model.trainableParameters().flatMap(\.scalars) != before }
        }
        #expect(rates == [0, 0.05, 0.1, 0.05])
        #expect(!firstUpdateMoved)
    }

    /// The loop's own evaluation of a classification objective agrees with ``Evaluator``.
    @Test func evaluationAgreesWithTheClassifierEvaluator() throws {
        let data = try MNISTFormatDataset.mnistSample()
        let model = Self.model()
        let loop = try Self.loop(model, batchSize: 64)
        try loop.trainEpoch(on: LabeledImageBatches(images: data.train, batchSize: 64))
        let generic = try loop.evaluate(on: LabeledImageBatches(images: data.test, batchSize: 64))
        let classifier = try Evaluator().evaluate(model, on: data.test)
        #expect(generic.sampleCount == 1000)
        #expect(generic.metricTotals["correct"] == classifier.accuracy * 1000)
        #expect(abs(generic.meanLoss - classifier.loss) < 1e-5)
    }

    @Test func valuesOutOfRangeThrowInsteadOfTrapping() throws {
        let model = Self.model()
        let optimizer = Adam(parameters: model.trainableParameters())
        #expect(throws: TrainingSettingError.invalid(setting: "batchSize", value: "0", expected: "at least 1")) {
            try Trainer(model: model, optimizer: optimizer, batchSize: 0)
        }
        #expect(throws: TrainingSettingError.invalid(setting: "gradientAccumulationSteps", value: "-2", expected: "at least 1")) {
            try Trainer(model: model, optimizer: optimizer, batchSize: 8, gradientAccumulationSteps: -2)
        }
        #expect(throws: TrainingSettingError.invalid(setting: "batchSize", value: "0", expected: "at least 1")) {
            try Evaluator(batchSize: 0)
        }
        let data = try MNISTFormatDataset.mnistSample()
        for settings in [TrainingSettings(batchSize: -1), TrainingSettings(learningRate: .nan), TrainingSettings(weightDecay: -0.1),
                         TrainingSettings(warmupSteps: -1), TrainingSettings(maximumGradientNorm: 0),
                         TrainingSettings(gradientAccumulationSteps: 0)] {
            #expect(throws: TrainingSettingError.self) { try TrainingSession(model: model, data: data, settings: settings) }
        }
        let error = TrainingSettingError.invalid(setting: "batchSize", value: "0", expected: "at least 1")
        #expect(error.description == "The training setting 'batchSize' is 0; it must be at least 1.")
    }
}

@Suite("Trainable gradients as one flat buffer")
struct TrainableGradientsTests {
    @Test func theFlatBufferHoldsEveryGradientInOrderAndWritesBack() throws {
        let a = try Tensor(shape: [2], values: [0, 0], requiresGradient: true)
        let b = try Tensor(shape: [3], values: [0, 0, 0], requiresGradient: true)
        try (a * Tensor(shape: [2], values: [1, 2])).sum().backward()
        let gradients = TrainableGradients(parameters: [a, b])
        #expect(gradients.offsets == [0, 2] && gradients.elementCount == 5)
        let seen = gradients.withFlatBuffer { flat in
            let copy = Array(flat)
            for index in flat.indices { flat[index] += 10 }
            return copy
        }
        #expect(seen == [1, 2, 0, 0, 0], "b has no gradient yet: zeros")
        #expect(a.gradient?.scalars == [11, 12])
        #expect(b.gradient?.scalars == [10, 10, 10])
    }

    @Test func aSteadyStateExchangeTakesNoNewBuffers() throws {
        let a = try Tensor(shape: [300], values: [Float](repeating: 1, count: 300), requiresGradient: true)
        try (a * a).sum().backward()
        let gradients = TrainableGradients(parameters: [a])
        gradients.withFlatBuffer { _ in }
        let before = BufferPool.current.systemAllocationCount
        for _ in 0..<10 { gradients.withFlatBuffer { flat in flat[0] += 1 } }
        #expect(BufferPool.current.systemAllocationCount == before)
        #expect(a.gradient?.scalars.first == 12)
    }
}
