import Adapters
import Datasets
import Foundation
import NN
import Optimizers
import TensorCore
import Training

/// The time of one training epoch of the reference MLP (784-128-256-10, Adam 0.005,
/// batch 64, data in order) on the largest data set at hand: Fashion-MNIST's 60,000
/// training images when `dataset-fashion-mnist` is installed, the shipped 4,000-image
/// MNIST sample otherwise. The first epoch warms up the buffer pool and caches; the best
/// of the following ones is reported. Fine-tuning is measured with every product computed
/// and with the first layer's frozen product kept per sample (``FrozenBaseOutputs``, the
/// way `lora` runs it); the accuracy pass of the fine-tuned model through merged weights and
/// through that table.
enum EpochBenchmark {
    static let fashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"

    /// The parts of the benchmark; `--only epoch` runs all four, `--only base` (and so on) one.
    enum Phase: String, CaseIterable {
        case base, accuracy, lora, dora
    }

    static func run(reporter: BenchmarkReporter, phases: Set<Phase> = Set(Phase.allCases), epochs: Int = 4) throws {
        let (data, name) = try loadData()
        var generator = RandomGenerator(seed: 1)
        let model = MLP(layerSizes: [784, 128, 256, 10], using: &generator)
        let trainer = try Trainer(model: model, optimizer: Adam(parameters: model.trainableParameters(), learningRate: 0.005), batchSize: 64)
        let clock = ContinuousClock()
        var shortestStep = Double.infinity
        let best = try bestSeconds(of: phases.contains(.base) ? epochs : 0) { try trainEpoch(trainer, on: data.train, shortestStep: &shortestStep) }
        // Forward + weight and bias gradients + input gradients of layers 2 and 3, as multiply-adds.
        let weights: Double = 784 * 128 + 128 * 256 + 256 * 10
        let inputGradients: Double = 128 * 256 + 256 * 10
        let flopsPerSample = 2 * (2 * weights + inputGradients)
        if phases.contains(.base) {
            reporter.report(name: "epoch \(name) \(data.train.count) samples", seconds: best,
                            gflops: flopsPerSample * Double(data.train.count) / best / 1e9)
            reporter.report(name: "shortest step \(name) batch 64", seconds: shortestStep, gflops: flopsPerSample * 64 / shortestStep / 1e9)
        }

        let evaluator = Evaluator()
        let evaluationBest = try bestSeconds(of: phases.contains(.accuracy) ? 3 : 0) { _ = try evaluator.evaluate(model, on: data.train) }
        if phases.contains(.accuracy) {
            reporter.report(name: "accuracy pass \(name) \(data.train.count) samples", seconds: evaluationBest, gflops: nil)
        }

        for usesDoRA in [false, true] where phases.contains(usesDoRA ? .dora : .lora) {
            var copyGenerator = RandomGenerator(seed: 2)
            let adapted = MLP(layerSizes: [784, 128, 256, 10], using: &copyGenerator)
            try adapted.copyParameters(from: model)
            let configuration = LoRAConfiguration(rank: 4, alpha: 8, usesDoRA: usesDoRA, targetModules: ["layers.0", "layers.2", "layers.4"])
            try AdapterInjection.inject(configuration, into: adapted, using: &copyGenerator)
            let method = usesDoRA ? "dora" : "lora"
            let fineTuner = try Trainer(model: adapted, optimizer: Adam(parameters: adapted.trainableParameters(), learningRate: 0.005), batchSize: 64)
            // Every product computed, as PyTorch does; then with the first layer's frozen
            // product kept per sample (FrozenBaseOutputs), as `lora fine-tune` and `lora
            // experiment` run, and that table's one-off cost.
            let plainBest = try bestSeconds(of: epochs) { try fineTuner.trainEpoch(on: data.train) }
            reporter.report(name: "epoch \(method) r4 \(name) \(data.train.count) samples, every product", seconds: plainBest, gflops: nil)
            let table = FrozenBaseOutputs(data: data.train)
            let fillStart = clock.now
            guard try table.prepared(for: adapted) != nil else { continue }
            reporter.report(name: "frozen base outputs \(method) \(name) \(data.train.count) samples", seconds: seconds(clock.now - fillStart),
                            gflops: nil)
            fineTuner.frozenBaseOutputs = table
            var shortestKeptStep = Double.infinity
            let keptBest = try bestSeconds(of: epochs) { try trainEpoch(fineTuner, on: data.train, shortestStep: &shortestKeptStep) }
            reporter.report(name: "epoch \(method) r4 \(name) \(data.train.count) samples", seconds: keptBest, gflops: nil)
            reporter.report(name: "shortest step \(method) r4 \(name) batch 64", seconds: shortestKeptStep, gflops: nil)
            let passBest = try bestSeconds(of: 3) { _ = try evaluator.evaluate(adapted, on: data.train) }
            let keptPassBest = try bestSeconds(of: 3) { _ = try evaluator.evaluate(adapted, on: data.train, frozenBaseOutputs: table) }
            reporter.report(name: "accuracy pass \(method) r4 \(name) \(data.train.count) samples, merged weights", seconds: passBest,
                            gflops: nil)
            reporter.report(name: "accuracy pass \(method) r4 \(name) \(data.train.count) samples", seconds: keptPassBest, gflops: nil)
        }
    }

    /// One epoch of `trainer`, lowering `shortestStep` to the shortest time between two
    /// consecutive steps (a figure that a busy machine disturbs less than a whole epoch).
    private static func trainEpoch(_ trainer: Trainer, on data: LabeledImages, shortestStep: inout Double) throws {
        let clock = ContinuousClock()
        var last = clock.now
        var shortest = shortestStep
        try trainer.trainEpoch(on: data) { _ in
            let now = clock.now
            shortest = min(shortest, seconds(now - last))
            last = now
        }
        shortestStep = shortest
    }

    private static func loadData() throws -> (MNISTFormatDataset, String) {
        if FileManager.default.fileExists(atPath: fashionMNISTDirectory + "/train-images-idx3-ubyte.gz") {
            return (try MNISTFormatDataset(directory: fashionMNISTDirectory), "fashion-mnist")
        }
        return (try MNISTFormatDataset.mnistSample(), "mnist-sample")
    }

    /// The shortest of `count` runs of `body`, in seconds (infinity for none).
    private static func bestSeconds(of count: Int, _ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        var best = Double.infinity
        for _ in 0..<count {
            let start = clock.now
            try body()
            best = min(best, seconds(clock.now - start))
        }
        return best
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
