import Adapters
import Datasets
import NN
import Optimizers
import Testing
import TensorCore
import TestSupport
import Training

/// The same training gives the same bits on 1, 2, 3 and 4 threads: every split of a
/// product, an optimiser update, a batch load or an evaluation is made at fixed points and
/// every value is the same sum in the same order whatever the thread count.
@Suite("Bit-identical results for every thread count")
struct ThreadCountDeterminismTests {
    static let threadCounts = [1, 2, 3, 4]

    /// The bit patterns of every parameter, in `namedParameters()` order.
    static func parameterBits(of model: any Module) -> [[UInt32]] {
        model.namedParameters().map { $0.parameter.scalars.map(\.bitPattern) }
    }

    /// A base training of the reference MLP (its 64 x 784 x 128 products split from
    /// 1 M multiply-adds), then LoRA and DoRA fine-tuning of copies of it, each followed by
    /// an evaluation of the test split (split by batches).
    static func trainAndFineTune(threads: Int) throws -> (parameters: [[[UInt32]]], evaluations: [EvaluationResult]) {
        try ThreadCountSetting.with(threads) {
            let data = try MNISTFormatDataset.mnistSample()
            let evaluator = try Evaluator(batchSize: 128)
            var generator = RandomGenerator(seed: 11)
            let base = MLP(layerSizes: [784, 128, 256, 10], using: &generator)
            let trainer = try Trainer(model: base, optimizer: Adam(parameters: base.trainableParameters(), learningRate: 0.005), batchSize: 64)
            for batch in 0..<6 { try trainer.step(on: (batch * 64)..<(batch * 64 + 64), of: data.train) }
            var parameters = [parameterBits(of: base)]
            var evaluations = [try evaluator.evaluate(base, on: data.test)]

            for usesDoRA in [false, true] {
                var copyGenerator = RandomGenerator(seed: 11)
                let model = MLP(layerSizes: [784, 128, 256, 10], using: &copyGenerator)
                try model.copyParameters(from: base)
                var adapterGenerator = RandomGenerator(seed: 12)
                try AdapterInjection.inject(LoRAConfiguration(rank: 4, alpha: 8, usesDoRA: usesDoRA, targetModules: ["layers.0", "layers.2"]),
                                            into: model, using: &adapterGenerator)
                let fineTuner = try Trainer(model: model, optimizer: Adam(parameters: model.trainableParameters(), learningRate: 0.01),
                                        batchSize: 64)
                for batch in 6..<10 { try fineTuner.step(on: (batch * 64)..<(batch * 64 + 64), of: data.train) }
                parameters.append(parameterBits(of: model))
                evaluations.append(try evaluator.evaluate(model, on: data.test))
            }
            return (parameters, evaluations)
        }
    }

    @Test func baseLoRAAndDoRATrainingGiveTheSameBitsOnOneToFourThreads() throws {
        let reference = try Self.trainAndFineTune(threads: 1)
        #expect(reference.evaluations[0].accuracy > 0.3, "the base training learnt something")
        for threads in Self.threadCounts.dropFirst() {
            let result = try Self.trainAndFineTune(threads: threads)
            for (index, name) in ["base", "LoRA", "DoRA"].enumerated() {
                #expect(result.parameters[index] == reference.parameters[index], "\(name) parameters differ on \(threads) threads")
                #expect(result.evaluations[index] == reference.evaluations[index], "\(name) evaluation differs on \(threads) threads")
            }
        }
    }

    /// A DoRA layer with a 1024 x 1024 weight and a batch of 8: the forward product takes
    /// the transposed path that computes `W·Aᵀ` block by block of W's rows on the threads,
    /// the norms split by rows, and the backward's thin products split.
    static func trainWideDoRALayer(threads: Int) throws -> [[UInt32]] {
        try ThreadCountSetting.with(threads) {
            var generator = RandomGenerator(seed: 21)
            let model = Sequential([Linear(inFeatures: 1024, outFeatures: 1024, using: &generator)])
            try AdapterInjection.inject(LoRAConfiguration(rank: 8, alpha: 16, usesDoRA: true, targetModules: ["0"]),
                                        into: model, using: &generator)
            let optimizer = Adam(parameters: model.trainableParameters(), learningRate: 0.01)
            let input = try Tensor(shape: [8, 1024], values: (0..<(8 * 1024)).map { _ in generator.nextFloat(in: -1, 1) })
            let labels = (0..<8).map { $0 * 97 }
            for _ in 0..<3 {
                let loss = try Tensor.crossEntropy(logits: model(input), targets: labels[...])
                optimizer.clearGradients()
                loss.backward()
                optimizer.step()
            }
            return parameterBits(of: model)
        }
    }

    @Test func aWideDoRALayerTrainsToTheSameBitsOnOneToFourThreads() throws {
        let reference = try Self.trainWideDoRALayer(threads: 1)
        for threads in Self.threadCounts.dropFirst() {
            #expect(try Self.trainWideDoRALayer(threads: threads) == reference, "differs on \(threads) threads")
        }
    }
}
