import Adapters
import Datasets
import NN
import Optimizers
import Testing
import TensorCore
import Training

@Suite("The first layer's frozen product kept per sample")
struct FrozenBaseOutputsTests {
    /// The adapter configurations whose first layer can take a kept product.
    enum Variant: String, CaseIterable, CustomTestStringConvertible {
        case lora, loraWithDropout, dora, doraDifferentiatedNorm, doraWithDropout

        var configuration: LoRAConfiguration {
            var configuration = LoRAConfiguration(rank: 4, alpha: 8, targetModules: ["layers.0", "layers.2"])
            switch self {
            case .lora: break
            case .loraWithDropout: configuration.dropout = 0.2
            case .dora: configuration.usesDoRA = true
            case .doraDifferentiatedNorm:
                configuration.usesDoRA = true
                configuration.treatsDoRANormAsConstant = false
            case .doraWithDropout:
                configuration.usesDoRA = true
                configuration.dropout = 0.2
            }
            return configuration
        }

        var hasDropout: Bool { self == .loraWithDropout || self == .doraWithDropout }
        var testDescription: String { rawValue }
    }

    /// An MLP with adapters on its two Linear layers and a non-zero `B`, so that the
    /// update matters from the first step. 48 hidden units: the two-thread split of the
    /// 64 x 48 x 784 product cuts a 32-column tile from a 16-column edge.
    private static func adaptedModel(_ variant: Variant) throws -> MLP {
        var generator = RandomGenerator(seed: 11)
        let model = MLP(layerSizes: [784, 48, 10], using: &generator)
        try AdapterInjection.inject(variant.configuration, into: model, using: &generator)
        for (_, adapter) in AdapterInjection.adapters(in: model) {
            adapter.update.b.withUnsafeMutableBufferPointer { values in
                for index in values.indices { values[index] = Float(index % 5) * 0.01 - 0.02 }
            }
        }
        return model
    }

    private static func parameters(of model: any Module) -> [[Float]] {
        model.namedParameters().map { $0.parameter.scalars }
    }

    /// Forty shuffled steps and the evaluations of both splits, with and without the table:
    /// the same parameters, losses and evaluation results, bit for bit.
    @Test(arguments: Variant.allCases)
    func trainingAndEvaluationMatchEveryProductBitForBit(variant: Variant) throws {
        let data = try MNISTFormatDataset.mnistSample()
        let plainModel = try Self.adaptedModel(variant), keptModel = try Self.adaptedModel(variant)
        let plain = try Trainer(model: plainModel, optimizer: Adam(parameters: plainModel.trainableParameters(), learningRate: 0.005),
                            batchSize: 64, shufflesEachEpoch: true, generator: RandomGenerator(seed: 3))
        let kept = try Trainer(model: keptModel, optimizer: Adam(parameters: keptModel.trainableParameters(), learningRate: 0.005),
                           batchSize: 64, shufflesEachEpoch: true, generator: RandomGenerator(seed: 3))
        let table = FrozenBaseOutputs(data: data.train)
        #expect(try table.prepared(for: keptModel) != nil)
        kept.frozenBaseOutputs = table

        var order = Array(0..<data.train.count)
        var shuffler = RandomGenerator(seed: 9)
        shuffler.shuffle(&order)
        for step in 0..<40 {
            let indices = order[step * 64..<(step + 1) * 64]
            let plainStep = try plain.step(on: indices, of: data.train)
            let keptStep = try kept.step(on: indices, of: data.train)
            #expect(plainStep.loss == keptStep.loss && plainStep.correct == keptStep.correct, "step \(step)")
        }
        let sameParameters = Self.parameters(of: plainModel) == Self.parameters(of: keptModel)
        #expect(sameParameters)

        // Evaluation: the table's pass against the adapter path without it (adapters kept in
        // training mode, which skips the merged weight; with dropout off the two are the same
        // formula). The second layer's adapter is merged first, so that both passes take the
        // same path there. With dropout the evaluator's own pass (merged weights) is the
        // reference, up to rounding.
        try AdapterInjection.adapters(in: keptModel)[1].adapter.merge()
        let evaluator = try Evaluator(batchSize: 300)
        let testTable = FrozenBaseOutputs(data: data.test)
        if variant.hasDropout {
            let withTable = try evaluator.evaluate(keptModel, on: data.test, frozenBaseOutputs: testTable)
            let merged = try evaluator.evaluate(keptModel, on: data.test)
            #expect(withTable.accuracy == merged.accuracy)
            #expect(abs(withTable.loss - merged.loss) < 1e-5)
        } else {
            AdapterInjection.setTraining(true, in: keptModel)
            let adapterPath = try sequentialEvaluation(keptModel, on: data.test, batchSize: 300)
            let withTable = try evaluator.evaluate(keptModel, on: data.test, frozenBaseOutputs: testTable)
            #expect(withTable.accuracy == adapterPath.accuracy)
            #expect(withTable.loss == adapterPath.loss)
        }
    }

    /// Writing the frozen weight in place (or the bias) makes the table stale: it is made
    /// again, and steps still match a model without it.
    @Test func aChangedFrozenWeightRemakesTheTable() throws {
        let data = try MNISTFormatDataset.mnistSample()
        let plainModel = try Self.adaptedModel(.lora), keptModel = try Self.adaptedModel(.lora)
        let table = FrozenBaseOutputs(data: data.train)
        let before = try #require(try table.prepared(for: keptModel)).table.scalars
        let again = try #require(try table.prepared(for: keptModel)).table.scalars
        let unchanged = again == before
        #expect(unchanged)

        for model in [plainModel, keptModel] {
            let first = try #require(AdapterInjection.adapters(in: model).first?.adapter)
            try first.base.weight.assign(first.base.weight * 0.5)
            try #require(first.base.bias).withUnsafeMutableBufferPointer { values in values[0] += 1 }
        }
        let after = try #require(try table.prepared(for: keptModel)).table.scalars
        let remade = after != before
        #expect(remade)

        let plain = try Trainer(model: plainModel, optimizer: Adam(parameters: plainModel.trainableParameters(), learningRate: 0.005), batchSize: 64)
        let kept = try Trainer(model: keptModel, optimizer: Adam(parameters: keptModel.trainableParameters(), learningRate: 0.005), batchSize: 64)
        kept.frozenBaseOutputs = table
        for step in 0..<5 {
            let plainStep = try plain.step(on: step * 64..<(step + 1) * 64, of: data.train)
            let keptStep = try kept.step(on: step * 64..<(step + 1) * 64, of: data.train)
            #expect(plainStep.loss == keptStep.loss)
        }
        let sameParameters = Self.parameters(of: plainModel) == Self.parameters(of: keptModel)
        #expect(sameParameters)
    }

    /// No table for a model whose first layer's product is not frozen or not separable,
    /// or for another data set than the table's.
    @Test func modelsThatDoNotQualifyGetNone() throws {
        let data = try MNISTFormatDataset.mnistSample()
        let table = FrozenBaseOutputs(data: data.train)
        var generator = RandomGenerator(seed: 12)

        let plain = MLP(layerSizes: [784, 16, 10], using: &generator)
        #expect(try table.prepared(for: plain) == nil, "a trainable first layer")

        let secondOnly = MLP(layerSizes: [784, 16, 10], using: &generator)
        try AdapterInjection.inject(LoRAConfiguration(rank: 2, alpha: 4, targetModules: ["layers.2"]), into: secondOnly, using: &generator)
        #expect(try table.prepared(for: secondOnly) == nil, "no adapter on the first layer")

        var perInput = LoRAConfiguration(rank: 2, alpha: 4, usesDoRA: true, targetModules: ["layers.0"])
        perInput.doraMagnitudeAxis = .inputFeatures
        let perInputModel = MLP(layerSizes: [784, 16, 10], using: &generator)
        try AdapterInjection.inject(perInput, into: perInputModel, using: &generator)
        #expect(try table.prepared(for: perInputModel) == nil, "DoRA scales the input before the product")

        let merged = MLP(layerSizes: [784, 16, 10], using: &generator)
        try AdapterInjection.inject(LoRAConfiguration(rank: 2, alpha: 4, targetModules: ["layers.0"]), into: merged, using: &generator)
        #expect(try table.prepared(for: merged) != nil)
        try AdapterInjection.adapters(in: merged).first?.adapter.merge()
        #expect(try table.prepared(for: merged) == nil, "a merged adapter")

        #expect(table.serves(data.train))
        #expect(!table.serves(data.test))
    }

    /// A training session with the tables (the default) and one without report the same
    /// epochs: losses and accuracies on both splits.
    @Test func aSessionReportsTheSameEpochsWithAndWithoutTheTables() throws {
        let data = try MNISTFormatDataset.mnistSample()
        func run(keeps: Bool) throws -> [EpochSummary] {
            let model = try Self.adaptedModel(.dora)
            let session = try TrainingSession(model: model, data: data, settings: TrainingSettings(epochs: 1, shufflesEachEpoch: true))
            session.keepsFrozenBaseOutputs = keeps
            return try session.run(epochs: 1)
        }
        let kept = try run(keeps: true), plain = try run(keeps: false)
        #expect(kept.map(\.meanLoss) == plain.map(\.meanLoss))
        #expect(kept.map(\.testAccuracy) == plain.map(\.testAccuracy))
        #expect(kept.map(\.trainingAccuracy) == plain.map(\.trainingAccuracy))
        #expect(zip(kept, plain).allSatisfy { abs($0.testLoss - $1.testLoss) < 1e-5 })
    }
}

@Suite("The frozen-product table never matches a freed layer")
struct FrozenBaseOutputsIdentityTests {
    /// A model whose first layer has an adapter, built from `seed`.
    private static func adaptedModel(seed: UInt64) throws -> MLP {
        var generator = RandomGenerator(seed: seed)
        let model = MLP(layerSizes: [784, 24, 10], using: &generator)
        try AdapterInjection.inject(LoRAConfiguration(rank: 2, alpha: 4, targetModules: ["layers.0"]), into: model, using: &generator)
        return model
    }

    /// Drops the model whose table is kept and builds others of the same shape (their layer and
    /// weights are likely to reuse the freed addresses): each gets its own layer's table,
    /// the one a fresh cache computes, never the stale one.
    @Test func aRebuiltLayerGetsItsOwnTable() throws {
        let data = try MNISTFormatDataset.mnistSample()
        let table = FrozenBaseOutputs(data: data.test)
        var previous = try #require(try table.prepared(for: try Self.adaptedModel(seed: 1))).table.scalars
        for seed in UInt64(2)...6 {
            let model = try Self.adaptedModel(seed: seed)
            let kept = try #require(try table.prepared(for: model)).table.scalars
            let fresh = try #require(try FrozenBaseOutputs(data: data.test).prepared(for: model)).table.scalars
            let matchesFresh = kept == fresh, matchesStale = kept == previous
            #expect(matchesFresh, "seed \(seed)")
            #expect(!matchesStale, "seed \(seed)")
            previous = kept
        }
    }
}
