import Adapters
import Foundation
import NN
import Testing
import TensorCore
import TestSupport
import Transformers

/// ``BERTSequenceClassifier`` on the small random BERT (2 layers, hidden 32, with a pooler):
/// both kinds' logits against the formulas computed here in Double from the encoder's last
/// hidden state, the module tree, frozen parameters, dropout, and gradients through the
/// pooler, the head and the adapters against central finite differences.
struct BERTSequenceClassifierTests {
    /// Three rows of 5, 2 and 3 real tokens.
    static var input: BERTEncoderInput {
        let ids: [Int] = [2, 7, 9, 4, 1, 3, 11, 0, 0, 0, 5, 6, 8, 0, 0]
        let mask: [Float] = [1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0]
        return BERTEncoderInput(tokenIDs: try! IndexTensor(shape: [3, 5], values: ids), attentionMask: try! Tensor(shape: [3, 5], values: mask))
    }

    static func weights(config: String = RandomBERTFolder.configJSON) throws -> BERTWeights {
        try BERTWeights(modelFolder: try RandomBERTFolder(config: config).path)
    }

    /// `y = x·Wᵀ + b` for one row, in Double.
    static func affine(_ x: [Double], weight: Tensor, bias: Tensor?) -> [Double] {
        let w = weight.scalars, b = bias?.scalars
        let (out, inFeatures) = (weight.shape[0], weight.shape[1])
        return (0..<out).map { o in
            (0..<inFeatures).reduce(Double(b?[o] ?? 0)) { $0 + x[$1] * Double(w[o * inFeatures + $1]) }
        }
    }

    static func maximumDifference(_ actual: [Float], _ expected: [Double]) -> Double {
        zip(actual, expected).map { abs(Double($0) - $1) }.max() ?? .infinity
    }

    /// cls: `logits[b] = C·tanh(Wp·x[b, 0] + bp) + c` (dropout off in evaluation).
    @Test func clsLogitsArePoolerTanhOnTheFirstTokenThenTheClassifier() throws {
        let weights = try Self.weights()
        let classifier = try BERTSequenceClassifier(weights: weights, kind: .cls, classCount: 3, seed: 5)
        classifier.eval()
        let logits = try classifier(Self.input)
        #expect(logits.shape == [3, 3])
        let hidden = try classifier.encoder(Self.input).scalars
        let pooler = try #require(weights.pooler)
        var expected: [Double] = []
        for row in 0..<3 {
            let first = (0..<32).map { Double(hidden[row * 5 * 32 + $0]) }
            let pooled = Self.affine(first, weight: pooler.weight, bias: pooler.bias).map { Foundation.tanh($0) }
            expected += Self.affine(pooled, weight: classifier.head.weight, bias: classifier.head.bias)
        }
        #expect(Self.maximumDifference(logits.scalars, expected) < 1e-5)
        // The pooled output is the pooler's, before dropout.
        let pooledOutput = try classifier.pooledOutput(Self.input)
        #expect(pooledOutput.shape == [3, 32])
        #expect(pooledOutput.scalars.allSatisfy { abs($0) < 1 })
    }

    /// mean: `logits[b] = H·(Σ_t mask[b,t]·x[b,t] / Σ_t mask[b,t]) + h`.
    @Test func meanLogitsAreTheHeadOnTheMaskedMean() throws {
        let classifier = try BERTSequenceClassifier(weights: try Self.weights(), kind: .mean, classCount: 4, seed: 6)
        classifier.eval()
        let logits = try classifier(Self.input)
        #expect(logits.shape == [3, 4])
        let hidden = try classifier.encoder(Self.input).scalars
        let mask = Self.input.attentionMask.scalars
        var expected: [Double] = []
        for row in 0..<3 {
            var mean = [Double](repeating: 0, count: 32)
            let count = (0..<5).reduce(0.0) { $0 + Double(mask[row * 5 + $1]) }
            for token in 0..<5 where mask[row * 5 + token] == 1 {
                for d in 0..<32 { mean[d] += Double(hidden[(row * 5 + token) * 32 + d]) / count }
            }
            expected += Self.affine(mean, weight: classifier.head.weight, bias: classifier.head.bias)
        }
        #expect(Self.maximumDifference(logits.scalars, expected) < 1e-5)
        // The pooling entry point gives the same mean and the [CLS] rows (up to rounding: it
        // computes on the packed real tokens, the padded forward on every position).
        let pooled = try classifier.encoder.pooledHiddenState(Self.input, pooling: .mean)
        let paddedMean = try Tensor.maskedMeanPooling(try classifier.encoder(Self.input), mask: Self.input.attentionMask).scalars
        #expect(pooled.scalars.count == paddedMean.count)
        #expect(zip(pooled.scalars, paddedMean).allSatisfy { abs($0 - $1) < 1e-5 })
        let first = try classifier.encoder.pooledHiddenState(Self.input, pooling: .first).scalars
        var firstRows: [Float] = []
        for row in 0..<3 { firstRows += hidden[(row * 5 * 32)..<(row * 5 * 32 + 32)] }
        #expect(first.count == firstRows.count)
        #expect(zip(first, firstRows).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    /// transformers' `BertForSequenceClassification` names, every encoder and pooler
    /// parameter frozen, the classifier trainable; the mean tree is `bert.*` and `head`.
    @Test func theModuleTreesHaveTransformersNamesAndOnlyTheHeadTrains() throws {
        let weights = try Self.weights()
        let cls = try BERTSequenceClassifier(weights: weights, kind: .cls, classCount: 2, seed: 1)
        let expectedCls = RandomBERTFolder.tensorShapes.map { "bert." + $0.name } + ["classifier.weight", "classifier.bias"]
        #expect(cls.namedParameters().map(\.key) == expectedCls)
        #expect(cls.namedParameters().filter(\.parameter.requiresGradient).map(\.key) == ["classifier.weight", "classifier.bias"])
        #expect(cls.namedModules().map(\.path).contains("dropout"))
        #expect(cls.namedModules().map(\.path).contains("bert.pooler.dense"))
        // transformers' initialisation of the classifier: N(0, 0.02²) weight, zero bias.
        #expect(cls.head.bias?.scalars == [0, 0])
        #expect(cls.head.weight.scalars.allSatisfy { abs($0) < 0.02 * 6 })

        let mean = try BERTSequenceClassifier(weights: weights, kind: .mean, classCount: 2, seed: 1)
        let expectedMean = RandomBERTFolder.tensorShapes.map(\.name).filter { !$0.hasPrefix("pooler.") }.map { "bert." + $0 } + ["head.weight", "head.bias"]
        #expect(mean.namedParameters().map(\.key) == expectedMean)
        #expect(mean.trainableParameters().count == 2)
        #expect(mean.head.weight.scalars.allSatisfy { abs($0) <= 1 / Float(32).squareRoot() })
    }

    /// The dropout before `classifier` has `classifier_dropout`, else `hidden_dropout_prob`,
    /// and changes the logits in training mode only.
    @Test func clsDropoutFollowsTheConfigurationAndIsOffInEvaluation() throws {
        let fallback = try BERTSequenceClassifier(weights: try Self.weights(), kind: .cls, classCount: 2, seed: 1)
        #expect(fallback.dropout?.probability == 0.1)
        let config = RandomBERTFolder.configJSON.replacingOccurrences(of: "\"hidden_dropout_prob\": 0.1", with: "\"hidden_dropout_prob\": 0.0, \"classifier_dropout\": 0.5")
        let weights = try Self.weights(config: config)
        #expect(weights.configuration.classifierDropoutProbability == 0.5)
        let classifier = try BERTSequenceClassifier(weights: weights, kind: .cls, classCount: 2, seed: 1)
        #expect(classifier.dropout?.probability == 0.5)

        classifier.eval()
        let evaluation = try classifier(Self.input).scalars
        #expect(try classifier(Self.input).scalars == evaluation)
        // Training mode for the head only (the encoder kept in evaluation): the dropout before
        // `classifier` is the only randomness. Two draws differ from each other and from evaluation.
        classifier.train()
        classifier.encoder.eval()
        #expect(classifier.dropout?.isTraining == true)
        let first = try classifier(Self.input).scalars, second = try classifier(Self.input).scalars
        #expect(first != evaluation && first != second)

        // With classifier_dropout 0, training gives the evaluation logits.
        let noDropout = RandomBERTFolder.configJSON.replacingOccurrences(of: "\"hidden_dropout_prob\": 0.1", with: "\"hidden_dropout_prob\": 0.1, \"classifier_dropout\": 0.0")
        let plain = try BERTSequenceClassifier(weights: try Self.weights(config: noDropout), kind: .cls, classCount: 2, seed: 1)
        plain.eval()
        let plainEvaluation = try plain(Self.input).scalars
        plain.train()
        plain.encoder.eval()
        #expect(try plain(Self.input).scalars == plainEvaluation)
    }

    /// Backward through the classifier, the pooler (adapted by LoRA) and LoRA on the
    /// attention agrees with central finite differences for every trained tensor and for
    /// the frozen pooler weight (made differentiable here).
    @Test(arguments: [BERTSequenceClassifier.Kind.cls, .mean])
    func gradientsMatchFiniteDifferences(kind: BERTSequenceClassifier.Kind) throws {
        let classifier = try BERTSequenceClassifier(weights: try Self.weights(), kind: kind, classCount: 3, seed: 2)
        var generator = RandomGenerator(seed: 3)
        let targets = kind == .cls ? ["query", "value", "pooler.dense"] : ["query", "value"]
        let adapters = try classifier.injectAdapters(LoRAConfiguration(rank: 2, alpha: 4, targetModules: targets), using: &generator)
        #expect(adapters.count == (kind == .cls ? 5 : 4))
        for (index, (_, adapter)) in adapters.enumerated() {
            try adapter.update.b.assign(TestTensors.random(adapter.update.b.shape, low: -0.3, high: 0.3, seed: UInt64(40 + index)))
        }
        classifier.eval()
        var inputs = [classifier.head.weight, try #require(classifier.head.bias)]
        inputs += adapters.flatMap { [$0.adapter.update.a, $0.adapter.update.b] }
        if kind == .cls { inputs.append(try #require(adapters.last?.adapter.base.weight)) }
        let error = try GradientCheck.maximumError(inputs: inputs) { _ in try classifier(Self.input) }
        #expect(error < 2e-3, "\(kind): \(error)")
        for input in inputs { #expect(input.gradient?.scalars.contains { $0 != 0 } == true) }
    }

    /// rsLoRA on the encoder: `s = alpha/√r`, the adapted query is `x·Wᵀ + b + s·(x·Aᵀ)·Bᵀ`,
    /// and the scaling survives a save and load (`use_rslora` true).
    @Test func rsLoRAOnTheEncoderScalesByAlphaOverTheSquareRootOfTheRank() throws {
        let weights = try Self.weights()
        let classifier = try BERTSequenceClassifier(weights: weights, kind: .cls, classCount: 2, seed: 3)
        var generator = RandomGenerator(seed: 4)
        let configuration = LoRAConfiguration(rank: 4, alpha: 6, scaling: .alphaOverSquareRootOfRank, targetModules: ["query"])
        let adapters = try classifier.injectAdapters(configuration, using: &generator)
        #expect(adapters.map(\.path) == ["bert.encoder.layer.0.attention.self.query", "bert.encoder.layer.1.attention.self.query"])
        let adapter = adapters[0].adapter
        #expect(adapter.update.scale == 3)
        try adapter.update.b.assign(TestTensors.random(adapter.update.b.shape, seed: 8))
        classifier.eval()
        let x = TestTensors.random([2, 32], seed: 9)
        let y = try withoutGradients { try adapter(x) }.scalars
        let a = adapter.update.a.scalars, b = adapter.update.b.scalars
        var expected: [Double] = []
        for row in 0..<2 {
            let xRow = (0..<32).map { Double(x.scalars[row * 32 + $0]) }
            let base = Self.affine(xRow, weight: weights.layers[0].query.weight, bias: weights.layers[0].query.bias)
            var low = [Double](repeating: 0, count: 4)
            for r in 0..<4 { for i in 0..<32 { low[r] += Double(a[r * 32 + i]) * xRow[i] } }
            let scale: Double = 6 / Double(4).squareRoot()
            for o in 0..<32 {
                var update: Double = 0
                for r in 0..<4 { update += Double(b[o * 4 + r]) * low[r] }
                expected.append(base[o] + scale * update)
            }
        }
        #expect(Self.maximumDifference(y, expected) < 1e-5)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rslora-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try classifier.save(to: directory, labels: ["no", "yes"])
        let text = try String(contentsOfFile: directory + "/adapter_config.json", encoding: .utf8)
        #expect(text.contains("\"use_rslora\": true"))
        let (loaded, _) = try BERTSequenceClassifier.load(from: directory, weights: weights)
        #expect(AdapterInjection.adapters(in: loaded).map(\.adapter.update.scale) == [3, 3])
    }

    /// cls adapters live below `bert.`; `all-linear` takes every encoder Linear and the
    /// pooler but never the classifier (PEFT's SEQ_CLS head and `modules_to_save` rules).
    @Test func allLinearOnClsSkipsTheClassifier() throws {
        let classifier = try BERTSequenceClassifier(weights: try Self.weights(), kind: .cls, classCount: 2, seed: 3)
        var generator = RandomGenerator(seed: 4)
        let adapters = try classifier.injectAdapters(LoRAConfiguration(rank: 2, alpha: 2, targetModules: [], targetsAllLinearLayers: true),
                                                     using: &generator)
        #expect(adapters.count == 13)
        #expect(adapters.last?.path == "bert.pooler.dense")
        #expect(!adapters.contains { $0.path.hasPrefix("classifier") })
        #expect(classifier.adapterConfiguration?.modulesToSave == ["classifier", "score"])
        #expect(classifier.adapterConfiguration?.taskType == "SEQ_CLS")
        #expect(classifier.head.weight.requiresGradient && classifier.head.bias?.requiresGradient == true)
        // Naming the classifier as a target matches nothing: it is a module to save.
        let other = try BERTSequenceClassifier(weights: try Self.weights(), kind: .cls, classCount: 2, seed: 3)
        #expect(throws: AdapterError.self) {
            try other.injectAdapters(LoRAConfiguration(rank: 2, alpha: 2, targetModules: ["classifier"]), using: &generator)
        }
    }

    @Test func badArgumentsGiveTypedErrors() throws {
        let weights = try Self.weights()
        #expect(throws: BERTClassifierError.invalidClassCount(1)) {
            try BERTSequenceClassifier(weights: weights, kind: .mean, classCount: 1, seed: 0)
        }
        let withoutPooler = try BERTWeights(modelFolder: try RandomBERTFolder { $0["pooler.dense.weight"] = .some(nil); $0["pooler.dense.bias"] = .some(nil) }.path)
        #expect(throws: BERTClassifierError.missingPooler) {
            try BERTSequenceClassifier(weights: withoutPooler, kind: .cls, classCount: 2, seed: 0)
        }
        #expect(try BERTSequenceClassifier(weights: withoutPooler, kind: .mean, classCount: 2, seed: 0).classCount == 2)
        let classifier = try BERTSequenceClassifier(weights: weights, kind: .cls, classCount: 2, seed: 0)
        var generator = RandomGenerator(seed: 1)
        #expect(throws: BERTClassifierError.self) {
            try classifier.injectAdapters(LoRAConfiguration(rank: 2, alpha: 2, targetModules: ["query"], bias: .all), using: &generator)
        }
        // Adapters put in by hand, bypassing injectAdapters, have no recorded configuration.
        try AdapterInjection.inject(LoRAConfiguration(rank: 2, alpha: 2, targetModules: ["query"]), into: classifier, using: &generator)
        #expect(throws: BERTClassifierError.noAdapters) { try classifier.save(to: "/tmp/unused", labels: ["a", "b"]) }
        let mean = try BERTSequenceClassifier(weights: weights, kind: .mean, classCount: 2, seed: 0)
        #expect(throws: BERTClassifierError.self) {
            try mean.injectAdapters(LoRAConfiguration(rank: 2, alpha: 2, targetModules: ["query"], modulesToSave: ["head"]), using: &generator)
        }
    }
}
