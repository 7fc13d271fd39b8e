import NN
import Testing
import TensorCore
import TestSupport
import Transformers

/// The packed real-token path of the all-MiniLM-L6-v2 encoder on the fixture batch against
/// transformers' activations (within 1e-4, as the padded path) and against the padded path
/// (within 1e-5).
@Suite(.enabled(if: MiniLMFixtures.modelFolder != nil, Comment(rawValue: MiniLMFixtures.skipReason)))
struct MiniLMPackedEncoderTests {
    @Test func packedHiddenStatesMatchTransformersAndThePaddedPath() throws {
        let (encoder, input) = try MiniLMEncoderTests.encoderAndInput()
        let batch = try BERTPackedBatch(input)
        let packed = try encoder.packedHiddenStates(batch), padded = try encoder.hiddenStates(input)
        let names = ["embedding_output"] + (0..<5).map { "layer\($0)_output" } + ["last_hidden_state"]
        for ((state, paddedState), name) in zip(zip(packed, padded), names) {
            let spread = try batch.padded(state).scalars
            let expected = try MiniLMModelTests.activation(name, [4, 21, 384]).scalars, reference = paddedState.scalars
            var toTransformers: Float = 0, toPadded: Float = 0
            for index in batch.paddedIndices {
                for feature in 0..<384 {
                    let position = index * 384 + feature
                    toTransformers = max(toTransformers, abs(spread[position] - expected[position]))
                    toPadded = max(toPadded, abs(spread[position] - reference[position]))
                }
            }
            #expect(toTransformers < 1e-4, "\(name): \(toTransformers)")
            #expect(toPadded < 1e-5, "\(name): \(toPadded)")
        }
    }

    @Test func packedMeanPoolingMatchesSentenceTransformers() throws {
        let (encoder, input) = try MiniLMEncoderTests.encoderAndInput()
        let pooled = try encoder.pooledHiddenState(input, pooling: .mean)
        #expect(MiniLMModelTests.maximumDifference(pooled, try MiniLMModelTests.activation("mean_pooled", [4, 384])) < 1e-4)
        let padded = try Tensor.maskedMeanPooling(try encoder(input), mask: input.attentionMask)
        #expect(MiniLMModelTests.maximumDifference(pooled, padded) < 1e-5)
    }
}
