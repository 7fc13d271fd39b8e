import Foundation

/// The architecture of a BERT encoder, as Hugging Face's `config.json` (`model_type`
/// `"bert"`) describes it. A key absent from the file takes transformers' `BertConfig`
/// default (given with each property).
public struct BERTConfiguration: Sendable, Equatable {
    /// `vocab_size` (30522): rows of the word embedding table.
    public var vocabularySize: Int
    /// `hidden_size` (768): the features of every token vector.
    public var hiddenSize: Int
    /// `num_hidden_layers` (12): encoder layers.
    public var layerCount: Int
    /// `num_attention_heads` (12): heads per self-attention; divides ``hiddenSize``.
    public var attentionHeadCount: Int
    /// `intermediate_size` (3072): the feed-forward block's inner width.
    public var intermediateSize: Int
    /// `max_position_embeddings` (512): rows of the position embedding table.
    public var maximumPositions: Int
    /// `type_vocab_size` (2): rows of the token type embedding table.
    public var typeVocabularySize: Int
    /// `layer_norm_eps` (1e-12): the ε of every LayerNorm.
    public var layerNormEpsilon: Float
    /// `pad_token_id` (0).
    public var paddingTokenID: Int
    /// `hidden_dropout_prob` (0.1): dropout after embeddings and each dense output, in training.
    public var hiddenDropoutProbability: Float
    /// `attention_probs_dropout_prob` (0.1): dropout on the attention probabilities, in training.
    public var attentionDropoutProbability: Float
    /// `classifier_dropout` (null): dropout before a sequence classifier's `classifier`
    /// layer, in training; nil means ``hiddenDropoutProbability`` (transformers'
    /// `BertForSequenceClassification`).
    public var classifierDropoutProbability: Float?
    /// `initializer_range` (0.02): the standard deviation of a freshly initialised head's weight.
    public var initializerRange: Float

    /// The dropout probability before a sequence classifier's `classifier` layer:
    /// ``classifierDropoutProbability``, else ``hiddenDropoutProbability``.
    public var effectiveClassifierDropoutProbability: Float { classifierDropoutProbability ?? hiddenDropoutProbability }

    /// The features of one attention head: `hiddenSize / attentionHeadCount`.
    public var headDimension: Int { hiddenSize / attentionHeadCount }

    /// A configuration with transformers' `BertConfig` defaults for whatever is not given.
    public init(vocabularySize: Int = 30522, hiddenSize: Int = 768, layerCount: Int = 12, attentionHeadCount: Int = 12,
                intermediateSize: Int = 3072, maximumPositions: Int = 512, typeVocabularySize: Int = 2,
                layerNormEpsilon: Float = 1e-12, paddingTokenID: Int = 0,
                hiddenDropoutProbability: Float = 0.1, attentionDropoutProbability: Float = 0.1,
                classifierDropoutProbability: Float? = nil, initializerRange: Float = 0.02) {
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.attentionHeadCount = attentionHeadCount
        self.intermediateSize = intermediateSize
        self.maximumPositions = maximumPositions
        self.typeVocabularySize = typeVocabularySize
        self.layerNormEpsilon = layerNormEpsilon
        self.paddingTokenID = paddingTokenID
        self.hiddenDropoutProbability = hiddenDropoutProbability
        self.attentionDropoutProbability = attentionDropoutProbability
        self.classifierDropoutProbability = classifierDropoutProbability
        self.initializerRange = initializerRange
    }

    /// Reads `config.json`. `model_type` must be `"bert"`, `hidden_act` `"gelu"` (the exact
    /// erf form) and `position_embedding_type` `"absolute"` when present; sizes must be
    /// positive and `hidden_size` a multiple of `num_attention_heads`.
    public init(configurationFile path: String) throws(ModelLoadingError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? error.localizedDescription : "no such file"
            throw .unreadableFile(path: path, reason: reason)
        }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw .invalidConfiguration(path: path)
        }
        guard let modelType = root["model_type"] as? String, modelType == "bert" else {
            throw .unsupportedModelType(path: path, found: (root["model_type"] as? String).map { "'\($0)'" } ?? "missing")
        }
        let reader = ConfigurationReader(path: path, root: root)
        let defaults = BERTConfiguration()
        self.init(
            vocabularySize: try reader.positiveInt("vocab_size") ?? defaults.vocabularySize,
            hiddenSize: try reader.positiveInt("hidden_size") ?? defaults.hiddenSize,
            layerCount: try reader.positiveInt("num_hidden_layers") ?? defaults.layerCount,
            attentionHeadCount: try reader.positiveInt("num_attention_heads") ?? defaults.attentionHeadCount,
            intermediateSize: try reader.positiveInt("intermediate_size") ?? defaults.intermediateSize,
            maximumPositions: try reader.positiveInt("max_position_embeddings") ?? defaults.maximumPositions,
            typeVocabularySize: try reader.positiveInt("type_vocab_size") ?? defaults.typeVocabularySize,
            layerNormEpsilon: try reader.number("layer_norm_eps", range: "a positive number", { $0 > 0 }) ?? defaults.layerNormEpsilon,
            paddingTokenID: try reader.nonNegativeInt("pad_token_id") ?? defaults.paddingTokenID,
            hiddenDropoutProbability: try reader.number("hidden_dropout_prob", range: "a probability in [0, 1)", { $0 >= 0 && $0 < 1 })
                ?? defaults.hiddenDropoutProbability,
            attentionDropoutProbability: try reader.number("attention_probs_dropout_prob", range: "a probability in [0, 1)", { $0 >= 0 && $0 < 1 })
                ?? defaults.attentionDropoutProbability,
            classifierDropoutProbability: try reader.number("classifier_dropout", range: "null or a probability in [0, 1)", { $0 >= 0 && $0 < 1 }),
            initializerRange: try reader.number("initializer_range", range: "a positive number", { $0 > 0 && $0.isFinite })
                ?? defaults.initializerRange)
        if let activation = root["hidden_act"], !(activation is NSNull) {
            guard let name = activation as? String else {
                throw .invalidConfigurationValue(path: path, key: "hidden_act", expected: "a string")
            }
            guard name == "gelu" else {
                throw .unsupportedConfigurationValue(path: path, key: "hidden_act", found: "'\(name)'",
                                                     supported: "'gelu' (the exact erf form, 0.5·x·(1 + erf(x/√2)))")
            }
        }
        if let positions = root["position_embedding_type"], !(positions is NSNull) {
            guard let name = positions as? String else {
                throw .invalidConfigurationValue(path: path, key: "position_embedding_type", expected: "a string")
            }
            guard name == "absolute" else {
                throw .unsupportedConfigurationValue(path: path, key: "position_embedding_type", found: "'\(name)'", supported: "'absolute'")
            }
        }
        guard hiddenSize % attentionHeadCount == 0 else {
            throw .invalidConfigurationValue(path: path, key: "hidden_size",
                                             expected: "a multiple of num_attention_heads (\(attentionHeadCount)), found \(hiddenSize)")
        }
        guard paddingTokenID < vocabularySize else {
            throw .invalidConfigurationValue(path: path, key: "pad_token_id", expected: "below vocab_size (\(vocabularySize)), found \(paddingTokenID)")
        }
    }
}

/// Typed reads of `config.json` keys; an absent or null key is nil.
private struct ConfigurationReader {
    let path: String
    let root: [String: Any]

    private func present(_ key: String) -> Any? {
        guard let value = root[key], !(value is NSNull) else { return nil }
        return value
    }

    private func integer(_ value: Any) -> Int? {
        if let int = value as? Int { return int }
        if let double = value as? Double, double.rounded() == double, abs(double) < 1e15 { return Int(double) }
        return nil
    }

    func positiveInt(_ key: String) throws(ModelLoadingError) -> Int? {
        guard let value = present(key) else { return nil }
        guard let int = integer(value), int > 0 else {
            throw .invalidConfigurationValue(path: path, key: key, expected: "a positive integer")
        }
        return int
    }

    func nonNegativeInt(_ key: String) throws(ModelLoadingError) -> Int? {
        guard let value = present(key) else { return nil }
        guard let int = integer(value), int >= 0 else {
            throw .invalidConfigurationValue(path: path, key: key, expected: "a non-negative integer")
        }
        return int
    }

    func number(_ key: String, range: String, _ isValid: (Double) -> Bool) throws(ModelLoadingError) -> Float? {
        guard let value = present(key) else { return nil }
        guard let number = value as? Double, isValid(number) else {
            throw .invalidConfigurationValue(path: path, key: key, expected: range)
        }
        return Float(number)
    }
}
