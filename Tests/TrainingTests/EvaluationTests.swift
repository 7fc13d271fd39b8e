import Adapters
import Datasets
import NN
import Testing
import TensorCore
import Training

@Suite("Evaluation split over two threads")
struct EvaluationTests {
    /// The evaluator's two-thread pass against a plain loop over the same batches, in
    /// order, on one thread: the same correct count and the same mean loss, bit for bit,
    /// for an odd number of batches with a short last one.
    @Test(arguments: [1_000, 300, 7])
    func matchesASequentialPassExactly(batchSize: Int) throws {
        let data = try MNISTFormatDataset.mnistSample()
        var generator = RandomGenerator(seed: 5)
        let model = MLP(layerSizes: [784, 32, 10], using: &generator)
        let images = data.train
        let result = try Evaluator(batchSize: batchSize).evaluate(model, on: images)

        let expected = try sequentialEvaluation(model, on: images, batchSize: batchSize)
        #expect(result.sampleCount == images.count)
        #expect(result.accuracy == expected.accuracy)
        #expect(result.loss == expected.loss)
    }

    /// Evaluation turns adapter dropout off for the pass (two runs agree exactly) and
    /// gives the adapters back in the mode they were in.
    @Test func adaptersAreEvaluatedWithoutDropoutAndKeepTheirMode() throws {
        let data = try MNISTFormatDataset.mnistSample()
        var generator = RandomGenerator(seed: 6)
        let model = MLP(layerSizes: [784, 32, 10], using: &generator)
        let configuration = LoRAConfiguration(rank: 4, alpha: 8, dropout: 0.5, targetModules: ["layers.0", "layers.2"])
        try AdapterInjection.inject(configuration, into: model, using: &generator)
        // A non-zero B, so that dropout on the adapter's input would change the logits.
        for (_, adapter) in AdapterInjection.adapters(in: model) {
            let lora = try #require(adapter as? LoRALinear)
            lora.update.b.withUnsafeMutableBufferPointer { values in
                for index in values.indices { values[index] = Float(index % 7) * 0.05 - 0.15 }
            }
        }
        AdapterInjection.setTraining(true, in: model)
        let evaluator = try Evaluator(batchSize: 500)
        let first = try evaluator.evaluate(model, on: data.test)
        let second = try evaluator.evaluate(model, on: data.test)
        #expect(first == second)
        #expect(AdapterInjection.adapters(in: model).allSatisfy { $0.adapter.isTraining })
    }

    /// A model with a Dropout layer in training mode is evaluated in evaluation mode (two
    /// runs agree with a run after `model.eval()`), and every module keeps its mode.
    @Test func dropoutLayersAreOffDuringEvaluationAndKeepTheirMode() throws {
        let data = try MNISTFormatDataset.mnistSample()
        var generator = RandomGenerator(seed: 7)
        let model = MLP(layers: Sequential([
            Linear(inFeatures: 784, outFeatures: 32, using: &generator), ReLU(),
            try Dropout(probability: 0.5, using: &generator), Linear(inFeatures: 32, outFeatures: 10, using: &generator),
        ]))
        model.train()
        let evaluator = try Evaluator(batchSize: 500)
        let first = try evaluator.evaluate(model, on: data.test)
        #expect(model.namedModules().allSatisfy { $0.module.isTraining })
        model.eval()
        let inEvaluationMode = try evaluator.evaluate(model, on: data.test)
        #expect(first == inEvaluationMode)
        #expect(model.namedModules().allSatisfy { !$0.module.isTraining })
    }
}
