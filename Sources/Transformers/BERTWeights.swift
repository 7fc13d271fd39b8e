import TensorCore

/// The weight and bias of one Linear layer, stored `[out, in]` and `[out]` as in PyTorch, with
/// the layer's Hugging Face module path (`encoder.layer.0.attention.self.query`), the name that
/// PEFT's `target_modules` matches and adapter keys are built from.
public struct LinearWeights {
    /// The module path, without any `bert.` prefix.
    public let path: String
    /// `[outFeatures, inFeatures]`.
    public let weight: Tensor
    /// `[outFeatures]`.
    public let bias: Tensor
}

/// The scale and shift of one LayerNorm, `[features]` each, with its module path.
public struct LayerNormWeights {
    /// The module path (`embeddings.LayerNorm`, `encoder.layer.0.output.LayerNorm`).
    public let path: String
    /// `weight` (γ), `[features]`.
    public let weight: Tensor
    /// `bias` (β), `[features]`.
    public let bias: Tensor
}

/// BERT's embedding tables and their LayerNorm: `x = LN(word[ids] + position[t] + type[tt])`.
public struct BERTEmbeddingWeights {
    /// `embeddings.word_embeddings.weight`, `[vocabularySize, hiddenSize]`.
    public let wordEmbeddings: Tensor
    /// `embeddings.position_embeddings.weight`, `[maximumPositions, hiddenSize]`.
    public let positionEmbeddings: Tensor
    /// `embeddings.token_type_embeddings.weight`, `[typeVocabularySize, hiddenSize]`.
    public let tokenTypeEmbeddings: Tensor
    /// `embeddings.LayerNorm`.
    public let layerNorm: LayerNormWeights
}

/// One post-LayerNorm encoder layer `encoder.layer.N`:
/// `a = LN(Attention(x)·Woᵀ + bo + x)`, `y = LN(gelu(a·Wiᵀ + bi)·Wo2ᵀ + bo2 + a)`.
public struct BERTLayerWeights {
    /// `encoder.layer.N.attention.self.query`, `[hidden, hidden]`.
    public let query: LinearWeights
    /// `encoder.layer.N.attention.self.key`, `[hidden, hidden]`.
    public let key: LinearWeights
    /// `encoder.layer.N.attention.self.value`, `[hidden, hidden]`.
    public let value: LinearWeights
    /// `encoder.layer.N.attention.output.dense`, `[hidden, hidden]`.
    public let attentionOutput: LinearWeights
    /// `encoder.layer.N.attention.output.LayerNorm`.
    public let attentionLayerNorm: LayerNormWeights
    /// `encoder.layer.N.intermediate.dense`, `[intermediate, hidden]`.
    public let intermediate: LinearWeights
    /// `encoder.layer.N.output.dense`, `[hidden, intermediate]`.
    public let output: LinearWeights
    /// `encoder.layer.N.output.LayerNorm`.
    public let outputLayerNorm: LayerNormWeights

    /// The six Linears in module order.
    public var linears: [LinearWeights] { [query, key, value, attentionOutput, intermediate, output] }
    /// The two LayerNorms in module order.
    public var layerNorms: [LayerNormWeights] { [attentionLayerNorm, outputLayerNorm] }
}

/// Every weight of a pretrained BERT encoder (transformers' `BertModel`) as Float32 tensors,
/// addressed by Hugging Face's module paths. Loaded whole or not at all by
/// ``init(modelFolder:)``.
public struct BERTWeights {
    /// The architecture the weights were checked against.
    public let configuration: BERTConfiguration
    /// `embeddings.*`.
    public let embeddings: BERTEmbeddingWeights
    /// `encoder.layer.0` … `encoder.layer.{layerCount − 1}`.
    public let layers: [BERTLayerWeights]
    /// `pooler.dense` (`[hidden, hidden]`, followed by tanh on the first token), when the file has it.
    public let pooler: LinearWeights?

    /// Every Linear of the encoder (and the pooler's) by module path, in module order: the
    /// names PEFT's `target_modules` are matched against.
    public var namedLinears: [(path: String, weights: LinearWeights)] {
        var result = layers.flatMap(\.linears).map { (path: $0.path, weights: $0) }
        if let pooler { result.append((pooler.path, pooler)) }
        return result
    }

    /// Every tensor by its state-dict key without prefix (`encoder.layer.0.attention.self.query.weight`),
    /// in module order.
    public var namedTensors: [(name: String, tensor: Tensor)] {
        var result: [(name: String, tensor: Tensor)] = [
            ("embeddings.word_embeddings.weight", embeddings.wordEmbeddings),
            ("embeddings.position_embeddings.weight", embeddings.positionEmbeddings),
            ("embeddings.token_type_embeddings.weight", embeddings.tokenTypeEmbeddings),
            (embeddings.layerNorm.path + ".weight", embeddings.layerNorm.weight),
            (embeddings.layerNorm.path + ".bias", embeddings.layerNorm.bias),
        ]
        for layer in layers {
            for linear in layer.linears.prefix(4) {
                result.append((linear.path + ".weight", linear.weight))
                result.append((linear.path + ".bias", linear.bias))
            }
            result.append((layer.attentionLayerNorm.path + ".weight", layer.attentionLayerNorm.weight))
            result.append((layer.attentionLayerNorm.path + ".bias", layer.attentionLayerNorm.bias))
            for linear in [layer.intermediate, layer.output] {
                result.append((linear.path + ".weight", linear.weight))
                result.append((linear.path + ".bias", linear.bias))
            }
            result.append((layer.outputLayerNorm.path + ".weight", layer.outputLayerNorm.weight))
            result.append((layer.outputLayerNorm.path + ".bias", layer.outputLayerNorm.bias))
        }
        if let pooler {
            result.append((pooler.path + ".weight", pooler.weight))
            result.append((pooler.path + ".bias", pooler.bias))
        }
        return result
    }
}
