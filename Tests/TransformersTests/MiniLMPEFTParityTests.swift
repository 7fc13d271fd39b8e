import Adapters
import NN
import SafeTensors
import Testing
import TensorCore
import TestSupport
import Transformers

/// The fixtures' PEFT 0.21.2 LoRA and DoRA adapters (`Fixtures/minilm/lora`, `…/dora`: rank 8,
/// alpha 16 on every `query` and `value`) loaded by ``PEFTAdapterDirectory`` into the real
/// all-MiniLM-L6-v2 encoder, with the fixtures' mean-pooling classifier
///
/// ```
/// pooled[b] = Σ_t mask[b,t]·x[b,t] / max(Σ_t mask[b,t], 1e-9)     [4, 384]  (x = last hidden state)
/// logits    = pooled·headᵀ + bias                                  [4, 3]
/// loss      = cross_entropy(logits, labels = [0, 2, 1, 0])          (mean over the rows)
/// ```
///
/// give PEFT's logits, loss and every gradient the fixture stores (each adapter tensor and
/// the head's weight and bias), each within 1e-4 of the tensor's largest magnitude.
@Suite(.enabled(if: MiniLMFixtures.modelFolder != nil, Comment(rawValue: MiniLMFixtures.skipReason)))
struct MiniLMPEFTParityTests {
    /// `max |actual − expected| / max |expected|` over a whole tensor.
    static func relativeDifference(_ actual: [Float], _ expected: [Float]) -> Float {
        precondition(actual.count == expected.count, "\(actual.count) values against \(expected.count)")
        let difference = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
        let magnitude = expected.map { abs($0) }.max() ?? 0
        return difference / max(magnitude, .leastNormalMagnitude)
    }

    @Test(arguments: ["lora", "dora"])
    func theAdaptedEncoderMatchesPEFT(_ adapterName: String) throws {
        let (encoder, input) = try MiniLMEncoderTests.encoderAndInput()
        let directory = MiniLMFixtures.path(adapterName)
        let (configuration, adapters) = try PEFTAdapterDirectory.load(from: directory, into: encoder)
        #expect(configuration.rank == 8 && configuration.alpha == 16 && configuration.usesDoRA == (adapterName == "dora"))
        #expect(adapters.count == 12)
        AdapterInjection.setTraining(false, in: encoder)

        let headFile = try SafeTensorsFile(path: MiniLMFixtures.path("head.safetensors"))
        let head = try Linear(weight: try Tensor(shape: [3, 384], values: try headFile.floats(named: "head.weight"), requiresGradient: true),
                              bias: try Tensor(shape: [3], values: try headFile.floats(named: "head.bias"), requiresGradient: true))
        let labels = try headFile.int64s(named: "labels").map { Int($0) }
        #expect(labels == [0, 2, 1, 0])

        let expected = try SafeTensorsFile(path: directory + "/expected.safetensors")
        func compare(_ actual: [Float], _ key: String) throws {
            let difference = Self.relativeDifference(actual, try expected.floats(named: key))
            #expect(difference < 1e-4, "\(adapterName) \(key): relative difference \(difference)")
        }

        let pooled = try Tensor.maskedMeanPooling(try encoder(input), mask: input.attentionMask)
        try compare(pooled.scalars, "pooled")
        let logits = try head(pooled)
        try compare(logits.scalars, "logits")
        let loss = try Tensor.crossEntropy(logits: logits, targets: labels)
        try compare([loss.scalarValue], "loss")

        loss.backward()
        var gradientKeys: [String] = []
        let adapterTensors = adapters.flatMap { PEFTAdapterDirectory.tensors(of: $0.adapter, at: $0.path) }
        for (key, tensor) in adapterTensors + [("head.weight", head.weight), ("head.bias", try #require(head.bias))] {
            let gradient = try #require(tensor.gradient, "\(key) has no gradient")
            try compare(gradient.scalars, "grad." + key)
            gradientKeys.append("grad." + key)
        }
        // Every gradient the fixture stores was compared (LoRA: 12 × (A, B); DoRA: also m), and the head's two.
        #expect(Set(gradientKeys) == Set(expected.names.filter { $0.hasPrefix("grad.") }))
        #expect(gradientKeys.count == (adapterName == "dora" ? 36 : 24) + 2)
    }
}
