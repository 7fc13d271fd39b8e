import Adapters
import Foundation
import NN
import SafeTensors
import Testing
import TensorCore

/// A directory laid out like `fixtures/peft/`: `base.safetensors`, `input.safetensors`
/// and one folder per adapter holding `adapter_config.json`, `adapter_model.safetensors`
/// and `expected.safetensors`.
struct FixtureSet: Sendable, CustomTestStringConvertible {
    let directory: String
    var testDescription: String { directory }

    /// The set shipped with the tests and, when `PEFT_FIXTURES` names a directory, that one too.
    static var all: [FixtureSet] {
        var sets: [FixtureSet] = []
        if let bundled = Bundle.module.resourceURL?.appendingPathComponent("Fixtures/peft").path {
            sets.append(FixtureSet(directory: bundled))
        }
        if let extra = ProcessInfo.processInfo.environment["PEFT_FIXTURES"], !extra.isEmpty {
            sets.append(FixtureSet(directory: extra))
        }
        return sets
    }

    /// Every subdirectory holding an adapter configuration.
    func adapterDirectories() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            .map { directory + "/" + $0 }
            .filter { FileManager.default.fileExists(atPath: $0 + "/" + PEFTAdapterDirectory.configurationFileName) }
    }
}

/// `|actual − expected| ≤ 1e-5 + 1e-5·|expected|` element-wise (torch.allclose with
/// rtol = atol = 1e-5), with the worst offender in the message.
func expectAllClose(_ actual: [Float], _ expected: [Float], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    var worst: (index: Int, excess: Float)?
    for (index, (a, e)) in zip(actual, expected).enumerated() {
        let excess = abs(a - e) - (1e-5 + 1e-5 * abs(e))
        if excess > 0 || !a.isFinite, excess > (worst?.excess ?? -1) { worst = (index, excess) }
    }
    if let worst {
        Issue.record("\(what): element \(worst.index) is \(actual[worst.index]), expected \(expected[worst.index])", sourceLocation: sourceLocation)
    }
}

@Suite("Parity with Hugging Face PEFT 0.21.2 fixtures")
struct PEFTFixtureTests {
    @Test(arguments: FixtureSet.all)
    func everyAdapterMatchesPEFT(_ fixtures: FixtureSet) throws {
        let inputs = try SafeTensorsFile(path: fixtures.directory + "/input.safetensors")
        let xInfo = try inputs.info(named: "x")
        let x = try Tensor(shape: Shape.validated(xInfo.shape), values: inputs.floats(named: "x"))
        let targets = try inputs.int64s(named: "targets").map { Int($0) }
        let adapterDirectories = try fixtures.adapterDirectories()
        #expect(!adapterDirectories.isEmpty, "no adapter folders in \(fixtures.directory)")

        for directory in adapterDirectories {
            let expected = try SafeTensorsFile(path: directory + "/expected.safetensors")
            let model = try StateDictionary.loadSequentialModel(from: fixtures.directory + "/base.safetensors")
            let (configuration, adapters) = try PEFTAdapterDirectory.load(from: directory, into: model)
            #expect(!adapters.isEmpty)
            AdapterInjection.setTraining(false, in: model)

            let logits = try model(x)
            expectAllClose(logits.scalars, try expected.floats(named: "logits"), "\(directory) logits")
            let loss = try Tensor.crossEntropy(logits: logits, targets: targets)
            expectAllClose([loss.scalarValue], try expected.floats(named: "loss"), "\(directory) loss")

            loss.backward()
            var gradientKeys = 0
            for (path, adapter) in adapters {
                for (key, tensor) in PEFTAdapterDirectory.tensors(of: adapter, at: path) {
                    let gradient = try #require(tensor.gradient, "\(key) has no gradient")
                    expectAllClose(gradient.scalars, try expected.floats(named: "grad." + key), "\(directory) grad.\(key)")
                    gradientKeys += 1
                }
            }
            #expect(gradientKeys == expected.names.filter { $0.hasPrefix("grad.") }.count)

            try AdapterInjection.mergeAndUnload(model)
            for (key, parameter) in model.namedParameters() {
                expectAllClose(parameter.scalars, try expected.floats(named: "merged." + key), "\(directory) merged.\(key)")
            }
            expectAllClose(try model(x).scalars, try expected.floats(named: "merged_logits"), "\(directory) merged_logits")
            _ = configuration
        }
    }

    @Test func configurationsAreReadFromTheFiles() throws {
        let directory = try #require(FixtureSet.all.first).directory
        let lora = try PEFTAdapterDirectory.readConfiguration(from: directory + "/lora")
        #expect(lora.rank == 4 && lora.alpha == 8 && !lora.usesDoRA && lora.scale == 2)
        #expect(Set(lora.targetModules) == ["layers.0", "layers.2", "layers.4"])
        let rsDoRA = try PEFTAdapterDirectory.readConfiguration(from: directory + "/rslora_dora")
        #expect(rsDoRA.rank == 2 && rsDoRA.usesDoRA && rsDoRA.scaling == .alphaOverSquareRootOfRank)
        #expect(abs(rsDoRA.scale - 4.24264) < 1e-5)
    }
}
