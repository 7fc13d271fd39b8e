import Datasets
import NN
import Optimizers
import Testing
import TensorCore
import Training

@Suite("Training the reference MLP on the real MNIST sample")
struct MNISTSampleTrainingTests {
    /// The reference settings (Adam, learning rate 0.005, batch 64, no shuffling) for 5
    /// epochs. PyTorch reaches 92.5–93.7 % test accuracy on this sample after 10 epochs
    /// (seeds 1–3). After 5 epochs this implementation measured 91.6–92.6 % over seeds
    /// 1–5; 90 % leaves room for a different seed's draw while still failing on any real
    /// fault (an untrained model scores ~10 %, a broken gradient rarely passes 80 %).
    @Test func fiveEpochsOfAdamPassNinetyPercentOnTheTestSplit() throws {
        let data = try MNISTFormatDataset.mnistSample()
        var generator = RandomGenerator(seed: 1)
        let model = MLP(layerSizes: [784, 128, 256, 10], using: &generator)
        let trainer = try Trainer(model: model, optimizer: Adam(parameters: model.trainableParameters(), learningRate: 0.005), batchSize: 64)
        let evaluator = Evaluator()
        let before = try evaluator.evaluate(model, on: data.test)
        var losses: [Double] = []
        for _ in 0..<5 { losses.append(try trainer.trainEpoch(on: data.train).meanLoss) }
        let after = try evaluator.evaluate(model, on: data.test)
        #expect(before.accuracy < 0.3)
        #expect(losses.last! < losses.first!)
        #expect(after.accuracy >= 0.90, "test accuracy \(after.accuracyPercent) %")
    }

    @Test func aSeededRunIsReproducibleBitForBit() throws {
        let data = try MNISTFormatDataset.mnistSample()
        func run() throws -> [Float] {
            var generator = RandomGenerator(seed: 3)
            let model = MLP(layerSizes: [784, 32, 10], using: &generator)
            let trainer = try Trainer(model: model, optimizer: Adam(parameters: model.trainableParameters(), learningRate: 0.005),
                                  batchSize: 64, shufflesEachEpoch: true, generator: RandomGenerator(seed: 4))
            for _ in 0..<2 { try trainer.trainEpoch(on: data.train) }
            return model.namedParameters().flatMap { $0.parameter.scalars }
        }
        #expect(try run() == run())
    }

    @Test func aWarmedUpTrainingStepTakesNoNewBuffers() throws {
        let data = try MNISTFormatDataset.mnistSample()
        var generator = RandomGenerator(seed: 2)
        let model = MLP(layerSizes: [784, 128, 256, 10], using: &generator)
        let trainer = try Trainer(model: model, optimizer: Adam(parameters: model.trainableParameters(), learningRate: 0.005), batchSize: 64)
        for batch in 0..<3 { try trainer.step(on: (batch * 64)..<(batch * 64 + 64), of: data.train) }
        let before = BufferPool.current.systemAllocationCount
        for batch in 3..<20 { try trainer.step(on: (batch * 64)..<(batch * 64 + 64), of: data.train) }
        #expect(BufferPool.current.systemAllocationCount == before)
    }
}
