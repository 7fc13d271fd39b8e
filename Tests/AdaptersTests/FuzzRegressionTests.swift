import Adapters
import Foundation
import Testing

/// Inputs found by the `adapter-config` fuzz target (Fuzz/README.md, "Findings"), kept in
/// Fixtures/FuzzRegressions: each must be rejected with a typed error naming the key.
@Suite("Adapter configurations found by fuzzing")
struct FuzzRegressionTests {
    private static func regression(_ name: String) throws -> Data {
        let directory = Bundle.module.resourceURL?.appendingPathComponent("Fixtures/FuzzRegressions")
        return try Data(contentsOf: try #require(directory).appendingPathComponent(name))
    }

    @Test("lora_alpha beyond Float's range is rejected, not read as infinity")
    func alphaOverflowingFloat() throws {
        let data = try Self.regression("alpha-overflows-float.json")
        #expect(throws: PEFTFormatError.invalidConfigurationValue(
            path: "adapter_config.json", key: "lora_alpha", expected: "a positive number", found: "4e+38")) {
            try PEFTAdapterConfiguration.configuration(fromJSON: data, path: "adapter_config.json")
        }
    }

    @Test("lora_alpha below Float's smallest subnormal is rejected, not read as zero")
    func alphaUnderflowingFloat() throws {
        let data = try Self.regression("alpha-underflows-float.json")
        #expect(throws: PEFTFormatError.invalidConfigurationValue(
            path: "adapter_config.json", key: "lora_alpha", expected: "a positive number", found: "1e-50")) {
            try PEFTAdapterConfiguration.configuration(fromJSON: data, path: "adapter_config.json")
        }
    }

    @Test("lora_dropout that rounds to 1 as a Float is rejected")
    func dropoutRoundingToOne() throws {
        let data = try Self.regression("dropout-rounds-to-one.json")
        #expect(throws: PEFTFormatError.invalidConfigurationValue(
            path: "adapter_config.json", key: "lora_dropout", expected: "a number in [0, 1)", found: "0.99999999")) {
            try PEFTAdapterConfiguration.configuration(fromJSON: data, path: "adapter_config.json")
        }
    }

    @Test("the largest values that stay in range are still accepted")
    func boundaryValuesAccepted() throws {
        let json = #"{"peft_type": "LORA", "r": 4, "lora_alpha": 3.4e38, "lora_dropout": 0.9999999, "target_modules": ["layers.0"]}"#
        let configuration = try PEFTAdapterConfiguration.configuration(fromJSON: Data(json.utf8), path: "adapter_config.json")
        #expect(configuration.alpha == Float(3.4e38))
        #expect(configuration.alpha.isFinite)
        #expect(configuration.dropout < 1)
    }
}
