import Adapters
import NN
import Testing
import TensorCore
import TestSupport

/// In evaluation (no dropout, no gradients) an adapter multiplies by its merged weight,
/// kept while W, A, B and m are unchanged: the outputs equal the adapter path's, follow
/// in-place changes of the parameters, and training still gets the adapter path.
@Suite("Adapters evaluated through their merged weight")
struct EvaluationWeightTests {
    @Test(arguments: [loraConfiguration, doraConfiguration(.outputFeatures), doraConfiguration(.inputFeatures)])
    func evaluationMatchesTheAdapterPathAndFollowsChanges(_ configuration: LoRAConfiguration) throws {
        let (_, adapters) = try adaptedModel(configuration, seed: 31)
        let layer = try #require(adapters.first?.adapter)
        let input = TestTensors.random([5, 6], seed: 32)
        layer.isTraining = false
        for round in 0..<2 {
            let adapterPath = try layer(input).scalars  // recording on: the adapter's own path
            let merged = try withoutGradients { try layer(input).scalars }
            let scale = adapterPath.map(abs).max() ?? 1
            #expect(maximumDifference(adapterPath, merged) <= 1e-5 * max(1, scale), "round \(round)")
            // Change B in place (as an optimiser step does); the kept weight must follow.
            layer.update.b.withUnsafeMutableBufferPointer { values in
                for index in values.indices { values[index] += 0.25 }
            }
        }
    }

    @Test func inEvaluationModeGradientsStillReachTheAdapter() throws {
        let (_, adapters) = try adaptedModel(loraConfiguration, seed: 33)
        let layer = try #require(adapters.first?.adapter)
        layer.isTraining = false
        _ = try withoutGradients { try layer(TestTensors.random([2, 6], seed: 34)) }  // fills the kept weight
        try layer(TestTensors.random([2, 6], seed: 35)).sum().backward()
        #expect(layer.update.a.gradient != nil && layer.update.b.gradient != nil)
    }
}
