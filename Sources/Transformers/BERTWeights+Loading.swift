import Foundation
import SafeTensors
import TensorCore

extension BERTWeights {
    /// Loads a Hugging Face model folder: `config.json` (``BERTConfiguration``) and
    /// `model.safetensors`. See ``init(weightsFile:configuration:)``.
    public init(modelFolder folder: String) throws(ModelLoadingError) {
        let configuration = try BERTConfiguration(configurationFile: (folder as NSString).appendingPathComponent("config.json"))
        try self.init(weightsFile: (folder as NSString).appendingPathComponent("model.safetensors"), configuration: configuration)
    }

    /// Loads BERT's weights from a safetensors file, checked against `configuration`.
    ///
    /// Names are transformers' `BertModel` state-dict keys, with or without the `bert.`
    /// prefix that task models (`BertForSequenceClassification`, …) add; LayerNorm tensors
    /// may be named `gamma`/`beta` as in converted TensorFlow checkpoints. F32, F16, BF16 and
    /// F64 tensors are converted to Float32. Tensors the encoder does not use
    /// (`embeddings.position_ids`, a task head) are ignored; the pooler is loaded when present.
    /// Every tensor's presence, type and shape is checked before any is read.
    public init(weightsFile path: String, configuration: BERTConfiguration) throws(ModelLoadingError) {
        guard FileManager.default.fileExists(atPath: path) else { throw .unreadableFile(path: path, reason: "no such file") }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: path) } catch { throw .weightsFile(error) }
        var plan = WeightsPlan(file: file, path: path)
        let hidden = configuration.hiddenSize

        func linear(_ modulePath: String, out: Int, in inputs: Int) throws(ModelLoadingError) -> PlannedLinear {
            PlannedLinear(path: modulePath, weight: try plan.require(modulePath + ".weight", shape: [out, inputs]),
                          bias: try plan.require(modulePath + ".bias", shape: [out]))
        }
        func layerNorm(_ modulePath: String) throws(ModelLoadingError) -> PlannedLinear {
            PlannedLinear(path: modulePath, weight: try plan.require(modulePath + ".weight", shape: [hidden], legacyName: modulePath + ".gamma"),
                          bias: try plan.require(modulePath + ".bias", shape: [hidden], legacyName: modulePath + ".beta"))
        }

        try plan.choosePrefix(probe: "embeddings.word_embeddings.weight")
        let word = try plan.require("embeddings.word_embeddings.weight", shape: [configuration.vocabularySize, hidden])
        let position = try plan.require("embeddings.position_embeddings.weight", shape: [configuration.maximumPositions, hidden])
        let tokenType = try plan.require("embeddings.token_type_embeddings.weight", shape: [configuration.typeVocabularySize, hidden])
        let embeddingNorm = try layerNorm("embeddings.LayerNorm")
        var plannedLayers: [[PlannedLinear]] = []
        for index in 0..<configuration.layerCount {
            let base = "encoder.layer.\(index)"
            plannedLayers.append([
                try linear(base + ".attention.self.query", out: hidden, in: hidden),
                try linear(base + ".attention.self.key", out: hidden, in: hidden),
                try linear(base + ".attention.self.value", out: hidden, in: hidden),
                try linear(base + ".attention.output.dense", out: hidden, in: hidden),
                try layerNorm(base + ".attention.output.LayerNorm"),
                try linear(base + ".intermediate.dense", out: configuration.intermediateSize, in: hidden),
                try linear(base + ".output.dense", out: hidden, in: configuration.intermediateSize),
                try layerNorm(base + ".output.LayerNorm"),
            ])
        }
        let plannedPooler = plan.contains("pooler.dense.weight") || plan.contains("pooler.dense.bias")
            ? try linear("pooler.dense", out: hidden, in: hidden) : nil

        // Everything was found with the right type and shape: now read.
        func loaded(_ tensor: PlannedTensor) throws(ModelLoadingError) -> Tensor { try plan.read(tensor) }
        func loadedLinear(_ planned: PlannedLinear) throws(ModelLoadingError) -> LinearWeights {
            LinearWeights(path: planned.path, weight: try loaded(planned.weight), bias: try loaded(planned.bias))
        }
        func loadedNorm(_ planned: PlannedLinear) throws(ModelLoadingError) -> LayerNormWeights {
            LayerNormWeights(path: planned.path, weight: try loaded(planned.weight), bias: try loaded(planned.bias))
        }
        let embeddings = BERTEmbeddingWeights(wordEmbeddings: try loaded(word), positionEmbeddings: try loaded(position),
                                              tokenTypeEmbeddings: try loaded(tokenType), layerNorm: try loadedNorm(embeddingNorm))
        var layers: [BERTLayerWeights] = []
        for planned in plannedLayers {
            layers.append(BERTLayerWeights(
                query: try loadedLinear(planned[0]), key: try loadedLinear(planned[1]), value: try loadedLinear(planned[2]),
                attentionOutput: try loadedLinear(planned[3]), attentionLayerNorm: try loadedNorm(planned[4]),
                intermediate: try loadedLinear(planned[5]), output: try loadedLinear(planned[6]), outputLayerNorm: try loadedNorm(planned[7])))
        }
        self.init(configuration: configuration, embeddings: embeddings, layers: layers,
                  pooler: try plannedPooler.map { (planned) throws(ModelLoadingError) in try loadedLinear(planned) })
    }
}

/// A tensor found in the file: its name there and its shape.
private struct PlannedTensor {
    let fileName: String
    let shape: Shape
}

/// A module's two tensors (a Linear's or a LayerNorm's).
private struct PlannedLinear {
    let path: String
    let weight: PlannedTensor
    let bias: PlannedTensor
}

/// Finds every tensor (with the file's prefix) and checks it before anything is read.
private struct WeightsPlan {
    let file: SafeTensorsFile
    let path: String
    var prefix = ""

    /// `""` when `probe` is in the file, `"bert."` when only `bert.` + `probe` is.
    mutating func choosePrefix(probe: String) throws(ModelLoadingError) {
        if file.contains(probe) { prefix = "" } else if file.contains("bert." + probe) { prefix = "bert." } else {
            throw .missingTensor(path: path, name: probe)
        }
    }

    func contains(_ name: String) -> Bool { file.contains(prefix + name) }

    func require(_ name: String, shape: [Int], legacyName: String? = nil) throws(ModelLoadingError) -> PlannedTensor {
        var fileName = prefix + name
        if !file.contains(fileName), let legacyName, file.contains(prefix + legacyName) { fileName = prefix + legacyName }
        guard let info = try? file.info(named: fileName) else { throw .missingTensor(path: path, name: name) }
        switch info.dtype {
        case .f32, .f16, .bf16, .f64: break
        default: throw .unsupportedDType(path: path, name: fileName, dtype: info.dtype.rawValue)
        }
        guard info.shape == shape else { throw .shapeMismatch(path: path, name: fileName, expected: shape, actual: info.shape) }
        return PlannedTensor(fileName: fileName, shape: Shape(shape))
    }

    func read(_ planned: PlannedTensor) throws(ModelLoadingError) -> Tensor {
        let tensor = Tensor(zeros: planned.shape)
        var failure: SafeTensorsError?
        tensor.withUnsafeMutableBufferPointer { buffer in
            do throws(SafeTensorsError) { try file.copyFloats(named: planned.fileName, into: buffer) } catch { failure = error }
        }
        if let failure { throw .weightsFile(failure) }
        return tensor
    }
}
