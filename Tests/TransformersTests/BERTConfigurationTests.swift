import Foundation
import Testing
import Transformers

/// `config.json` reading: every key, transformers' `BertConfig` defaults for absent keys,
/// and each unsupported or invalid value as a typed error naming the file and the key.
struct BERTConfigurationTests {
    static func file(_ json: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString).json").path
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func readsEveryKey() throws {
        let configuration = try BERTConfiguration(configurationFile: try Self.file(RandomBERTFolder.configJSON))
        #expect(configuration == RandomBERTFolder.configuration)
        #expect(configuration.headDimension == 8)
    }

    @Test func absentKeysTakeBertConfigDefaults() throws {
        let configuration = try BERTConfiguration(configurationFile: try Self.file(#"{"model_type": "bert"}"#))
        #expect(configuration.vocabularySize == 30522 && configuration.hiddenSize == 768 && configuration.layerCount == 12)
        #expect(configuration.attentionHeadCount == 12 && configuration.intermediateSize == 3072)
        #expect(configuration.maximumPositions == 512 && configuration.typeVocabularySize == 2)
        #expect(configuration.layerNormEpsilon == 1e-12 && configuration.paddingTokenID == 0)
        #expect(configuration.hiddenDropoutProbability == 0.1 && configuration.attentionDropoutProbability == 0.1)
    }

    @Test func otherModelTypesAreRejected() throws {
        let roberta = try Self.file(#"{"model_type": "roberta"}"#)
        #expect(throws: ModelLoadingError.unsupportedModelType(path: roberta, found: "'roberta'")) {
            try BERTConfiguration(configurationFile: roberta)
        }
        let none = try Self.file(#"{"hidden_size": 32}"#)
        #expect(throws: ModelLoadingError.unsupportedModelType(path: none, found: "missing")) { try BERTConfiguration(configurationFile: none) }
        #expect(ModelLoadingError.unsupportedModelType(path: "/m/config.json", found: "'roberta'").description
            == "'/m/config.json' has model_type 'roberta'; only 'bert' models are supported.")
    }

    @Test(arguments: ["relu", "gelu_new", "gelu_pytorch_tanh"])
    func onlyTheExactGELUIsAccepted(activation: String) throws {
        let path = try Self.file(#"{"model_type": "bert", "hidden_act": "\#(activation)"}"#)
        #expect(throws: ModelLoadingError.unsupportedConfigurationValue(
            path: path, key: "hidden_act", found: "'\(activation)'", supported: "'gelu' (the exact erf form, 0.5·x·(1 + erf(x/√2)))")) {
            try BERTConfiguration(configurationFile: path)
        }
    }

    @Test func relativePositionsAreRejected() throws {
        let path = try Self.file(#"{"model_type": "bert", "position_embedding_type": "relative_key"}"#)
        #expect(throws: ModelLoadingError.unsupportedConfigurationValue(path: path, key: "position_embedding_type", found: "'relative_key'", supported: "'absolute'")) {
            try BERTConfiguration(configurationFile: path)
        }
    }

    @Test func invalidValuesNameTheKey() throws {
        let negative = try Self.file(#"{"model_type": "bert", "num_hidden_layers": -1}"#)
        #expect(throws: ModelLoadingError.invalidConfigurationValue(path: negative, key: "num_hidden_layers", expected: "a positive integer")) {
            try BERTConfiguration(configurationFile: negative)
        }
        let text = try Self.file(#"{"model_type": "bert", "layer_norm_eps": "small"}"#)
        #expect(throws: ModelLoadingError.invalidConfigurationValue(path: text, key: "layer_norm_eps", expected: "a positive number")) {
            try BERTConfiguration(configurationFile: text)
        }
        let heads = try Self.file(#"{"model_type": "bert", "hidden_size": 30, "num_attention_heads": 4}"#)
        #expect(throws: ModelLoadingError.invalidConfigurationValue(path: heads, key: "hidden_size", expected: "a multiple of num_attention_heads (4), found 30")) {
            try BERTConfiguration(configurationFile: heads)
        }
        let notJSON = try Self.file("[1, 2]")
        #expect(throws: ModelLoadingError.invalidConfiguration(path: notJSON)) { try BERTConfiguration(configurationFile: notJSON) }
        #expect(throws: ModelLoadingError.unreadableFile(path: "/nonexistent/config.json", reason: "no such file")) {
            try BERTConfiguration(configurationFile: "/nonexistent/config.json")
        }
    }
}
