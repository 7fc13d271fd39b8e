import Adapters
import NN
import Testing
import TensorCore
import TestSupport

/// Adapted layers on `[batch, tokens, features]` inputs (a transformer's activations) must
/// give the outputs and gradients of the rank-2 computation on the flattened
/// `[batch·tokens, features]` input, bit for bit.
@Suite("Adapters on inputs of rank 3")
struct AdapterHigherRankTests {
    static let configurations: [LoRAConfiguration] = [
        loraConfiguration,
        LoRAConfiguration(rank: 2, alpha: 4, dropout: 0.25, targetModules: ["layers.0", "layers.2"]),
        doraConfiguration(.outputFeatures),
        doraConfiguration(.inputFeatures),
        doraConfiguration(.outputFeatures, constantNorm: false),
        LoRAConfiguration(rank: 2, alpha: 3, dropout: 0.25, usesDoRA: true, targetModules: ["layers.0", "layers.2"]),
    ]

    /// The output and every trainable parameter's gradient (and the input's) of
    /// `Σ model(x) ⊙ R` for a model built from `seed`.
    private func outputAndGradients(_ configuration: LoRAConfiguration, input: Tensor) throws -> [[Float]] {
        let (model, _) = try adaptedModel(configuration, seed: 11)
        input.requiresGradient = true
        let output = try model(input)
        let weights = TestTensors.random([output.shape.rowCount, output.shape.lastDimension], seed: 12)
        try (output * weights.reshaped(to: output.shape)).sum().backward()
        return [output.scalars, input.gradient?.scalars ?? []]
            + model.namedParameters().filter { $0.parameter.requiresGradient }.map { $0.parameter.gradient?.scalars ?? [] }
    }

    @Test(arguments: configurations)
    func rankThreeInputEqualsTheFlattenedInput(_ configuration: LoRAConfiguration) throws {
        let values = TestTensors.random([2, 3, 6], seed: 13).scalars
        let ranked = try outputAndGradients(configuration, input: Tensor(shape: [2, 3, 6], values: values))
        let flat = try outputAndGradients(configuration, input: Tensor(shape: [6, 6], values: values))
        #expect(ranked.count > 3)
        #expect(ranked == flat)
    }

    @Test func theOutputKeepsTheLeadingDimensions() throws {
        let (model, _) = try adaptedModel(doraConfiguration(.outputFeatures), seed: 11)
        #expect(try model(TestTensors.random([2, 3, 6], seed: 1)).shape == [2, 3, 4])
    }
}
