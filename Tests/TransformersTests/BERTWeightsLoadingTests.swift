import Foundation
import SafeTensors
import Testing
import TensorCore
import Transformers

/// Loading a random 2-layer BERT folder written by the test: every tensor where its module
/// path says, F16/BF16 converted, with or without `bert.`, and every inconsistency a typed
/// error naming the tensor.
struct BERTWeightsLoadingTests {
    static func rounded(_ values: [Float], _ dtype: SafeTensorsDType) -> [Float] {
        switch dtype {
        case .f16: return values.map { HalfPrecision.float(fromFloat16Bits: HalfPrecision.float16Bits(from: $0)) }
        case .bf16: return values.map { HalfPrecision.float(fromBFloat16Bits: HalfPrecision.bfloat16Bits(from: $0)) }
        default: return values
        }
    }

    @Test(arguments: [(SafeTensorsDType.f32, ""), (.f16, ""), (.bf16, "bert."), (.f32, "bert.")])
    func everyTensorIsLoadedUnderItsModulePath(dtype: SafeTensorsDType, prefix: String) throws {
        let folder = try RandomBERTFolder(dtype: dtype, prefix: prefix, extraTensors: true)
        let weights = try BERTWeights(modelFolder: folder.path)
        #expect(weights.configuration == RandomBERTFolder.configuration)
        #expect(weights.layers.count == 2)
        let expected = RandomBERTFolder.values
        let named = weights.namedTensors
        #expect(named.map(\.name) == RandomBERTFolder.tensorShapes.map(\.name))
        for (name, tensor) in named {
            #expect(tensor.scalars == Self.rounded(try #require(expected[name]), dtype), "\(name)")
            #expect(tensor.shape.dimensions == RandomBERTFolder.tensorShapes.first { $0.name == name }?.shape)
        }
        #expect(weights.layers[1].value.weight.scalars == Self.rounded(expected["encoder.layer.1.attention.self.value.weight"]!, dtype))
        #expect(weights.embeddings.layerNorm.path == "embeddings.LayerNorm")
    }

    @Test func linearsCarryHuggingFaceModulePaths() throws {
        let weights = try BERTWeights(modelFolder: try RandomBERTFolder().path)
        let paths = weights.namedLinears.map(\.path)
        #expect(paths.count == 13)
        #expect(Array(paths.prefix(6)) == [
            "encoder.layer.0.attention.self.query", "encoder.layer.0.attention.self.key", "encoder.layer.0.attention.self.value",
            "encoder.layer.0.attention.output.dense", "encoder.layer.0.intermediate.dense", "encoder.layer.0.output.dense",
        ])
        #expect(paths.last == "pooler.dense")
        #expect(weights.layers[0].attentionLayerNorm.path == "encoder.layer.0.attention.output.LayerNorm")
        #expect(weights.layers[1].outputLayerNorm.path == "encoder.layer.1.output.LayerNorm")
    }

    @Test func thePoolerIsOptionalAndLegacyLayerNormNamesLoad() throws {
        let folder = try RandomBERTFolder { tensors in
            tensors["pooler.dense.weight"] = .some(nil)
            tensors["pooler.dense.bias"] = .some(nil)
            let gamma = tensors["embeddings.LayerNorm.weight"]!
            tensors["embeddings.LayerNorm.weight"] = .some(nil)
            tensors["embeddings.LayerNorm.gamma"] = gamma
        }
        let weights = try BERTWeights(modelFolder: folder.path)
        #expect(weights.pooler == nil)
        #expect(weights.embeddings.layerNorm.weight.scalars == RandomBERTFolder.values["embeddings.LayerNorm.weight"])
    }

    @Test func aMissingTensorIsNamed() throws {
        let folder = try RandomBERTFolder(prefix: "bert.") { $0["encoder.layer.1.attention.self.key.bias"] = .some(nil) }
        #expect(throws: ModelLoadingError.missingTensor(path: folder.path + "/model.safetensors", name: "encoder.layer.1.attention.self.key.bias")) {
            try BERTWeights(modelFolder: folder.path)
        }
        let noEmbeddings = try RandomBERTFolder { $0["embeddings.word_embeddings.weight"] = .some(nil) }
        #expect(throws: ModelLoadingError.missingTensor(path: noEmbeddings.path + "/model.safetensors", name: "embeddings.word_embeddings.weight")) {
            try BERTWeights(modelFolder: noEmbeddings.path)
        }
        let halfPooler = try RandomBERTFolder { $0["pooler.dense.bias"] = .some(nil) }
        #expect(throws: ModelLoadingError.missingTensor(path: halfPooler.path + "/model.safetensors", name: "pooler.dense.bias")) {
            try BERTWeights(modelFolder: halfPooler.path)
        }
    }

    @Test func aShapeThatDisagreesWithTheConfigurationIsNamed() throws {
        let folder = try RandomBERTFolder(prefix: "bert.") {
            $0["encoder.layer.0.intermediate.dense.weight"] = ([32, 64], [Float](repeating: 0, count: 2048))
        }
        #expect(throws: ModelLoadingError.shapeMismatch(path: folder.path + "/model.safetensors", name: "bert.encoder.layer.0.intermediate.dense.weight",
                                                        expected: [64, 32], actual: [32, 64])) {
            try BERTWeights(modelFolder: folder.path)
        }
        // The configuration says 3 layers, the file has 2.
        let deeper = try RandomBERTFolder(config: RandomBERTFolder.configJSON.replacingOccurrences(of: "\"num_hidden_layers\": 2", with: "\"num_hidden_layers\": 3"))
        #expect(throws: ModelLoadingError.missingTensor(path: deeper.path + "/model.safetensors", name: "encoder.layer.2.attention.self.query.weight")) {
            try BERTWeights(modelFolder: deeper.path)
        }
    }

    @Test func integerWeightsAndMissingFilesAreTypedErrors() throws {
        let folder = try RandomBERTFolder()
        var writer = SafeTensorsWriter()
        for (name, shape) in RandomBERTFolder.tensorShapes {
            let count = shape.reduce(1, *)
            if name == "embeddings.token_type_embeddings.weight" {
                try writer.addTensor(named: name, shape: shape, int64s: [Int64](repeating: 1, count: count))
            } else {
                try writer.addTensor(named: name, shape: shape, floats: [Float](repeating: 0, count: count))
            }
        }
        try writer.write(toPath: folder.path + "/model.safetensors")
        #expect(throws: ModelLoadingError.unsupportedDType(path: folder.path + "/model.safetensors", name: "embeddings.token_type_embeddings.weight", dtype: "I64")) {
            try BERTWeights(modelFolder: folder.path)
        }
        try FileManager.default.removeItem(atPath: folder.path + "/model.safetensors")
        #expect(throws: ModelLoadingError.unreadableFile(path: folder.path + "/model.safetensors", reason: "no such file")) {
            try BERTWeights(modelFolder: folder.path)
        }
    }
}
