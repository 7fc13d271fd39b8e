import Adapters
import Foundation
import NN
import Optimizers
import TensorCore

/// One fine-tuning step (forward, loss, backward, Adam on the adapters) of a frozen
/// 4096 x 4096 Linear with rank-16 LoRA and DoRA adapters, batch 64: where DoRA's weight
/// norm costs the most. The loss is the mean of the squared outputs.
enum LargeLayerBenchmark {
    static func run(reporter: BenchmarkReporter, features: Int = 4096, rank: Int = 16, batch: Int = 64, steps: Int = 16) throws {
        var generator = RandomGenerator(seed: 3)
        let input = Tensor.uniform([batch, features], low: -1, high: 1, using: &generator)
        // The two models step in turns, so that both see the same state of a shared, noisy
        // machine; the best step of each is reported.
        var runs: [(name: String, model: Sequential, optimizer: Adam, best: Double)] = []
        for usesDoRA in [false, true] {
            let model = Sequential([Linear(inFeatures: features, outFeatures: features, using: &generator)])
            let configuration = LoRAConfiguration(rank: rank, alpha: Float(2 * rank), usesDoRA: usesDoRA, targetModules: ["0"])
            try AdapterInjection.inject(configuration, into: model, using: &generator)
            let optimizer = Adam(parameters: model.trainableParameters(), learningRate: 1e-3)
            runs.append(("step \(features) \(usesDoRA ? "dora" : "lora") r\(rank) batch \(batch)", model, optimizer, .infinity))
        }
        let clock = ContinuousClock()
        for _ in 0..<(steps + 2) {
            for index in runs.indices {
                let start = clock.now
                let loss = try runs[index].model(input).squared().mean()
                runs[index].optimizer.clearGradients()
                loss.backward()
                runs[index].optimizer.step()
                let elapsed = clock.now - start
                runs[index].best = min(runs[index].best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
            }
        }
        for run in runs {
            // The forward x·Wᵀ dominates (2·batch·features² FLOP): the input needs no gradient and
            // the frozen weight gets none, so the backward pass only touches the rank-r factors.
            reporter.report(name: run.name, seconds: run.best, gflops: 2 * Double(batch) * Double(features * features) / run.best / 1e9)
        }
        reporter.report(name: "step \(features) dora/lora ratio", value: runs[1].best / runs[0].best)
    }
}

/// The largest resident set of the process so far, in bytes.
enum PeakMemory {
    static var residentBytes: Int {
        var usage = rusage()
        #if canImport(Darwin)
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)
        #else
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
        #endif
    }
}
