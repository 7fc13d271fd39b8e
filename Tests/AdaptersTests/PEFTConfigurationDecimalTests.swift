import Adapters
import Foundation
import Testing

/// Float settings are written with their shortest decimal form, as PEFT (Python floats)
/// writes them: `lora_dropout` 0.1 stays `0.1`, not `0.10000000149011612`.
struct PEFTConfigurationDecimalTests {
    @Test func floatsAreWrittenAsTheirShortestDecimal() throws {
        let configuration = LoRAConfiguration(rank: 4, alpha: 0.3, dropout: 0.1, targetModules: ["q"], alphaPattern: ["k": 1.7])
        let json = PEFTAdapterConfiguration.json(for: configuration)
        #expect(json.contains("\"lora_dropout\": 0.1,"))
        #expect(json.contains("\"lora_alpha\": 0.3,"))
        #expect(json.contains("\"k\": 1.7"))
        #expect(try PEFTAdapterConfiguration.configuration(fromJSON: Data(json.utf8), path: "x") == configuration)
    }
}
