import Foundation
import SafeTensors

/// A trained classifier read from a Hugging Face model folder alone: transformers'
/// `BertForSequenceClassification` as `save_pretrained` writes it, the folder
/// `pipeline("text-classification", model=DIR)` loads.
///
/// ```
/// config.json         model_type "bert", architectures ["BertForSequenceClassification"],
///                     id2label {"0": "positive", "1": "negative", …}   (``BERTSequenceClassificationConfiguration``)
/// model.safetensors   bert.embeddings.*, bert.encoder.*, bert.pooler.dense.*  (``BERTWeights``)
///                     classifier.weight [classes, hidden], classifier.bias [classes]
/// ```
///
/// The result is a `cls` classifier: `logits = dropout(tanh(x[:, 0]·Wpᵀ + bp))·Cᵀ + c`, with
/// `C`, `c` the file's `classifier` and class `i` named `id2label["i"]`.
extension BERTSequenceClassifier {
    /// The keys of a `BertForSequenceClassification`'s head in its weights file (no `bert.` prefix).
    public static let classifierWeightKey = "classifier.weight"
    /// See ``classifierWeightKey``.
    public static let classifierBiasKey = "classifier.bias"

    /// Builds the `cls` classifier that a `BertForSequenceClassification` folder holds, on
    /// `weights` (that folder's encoder and pooler, ``BERTWeights/init(modelFolder:)``), with
    /// its trained head from `model.safetensors` and its label names from `config.json`, in
    /// class-id order. The classifier starts in training mode, as a new module does; call
    /// `eval()` before predicting.
    ///
    /// Checked before anything is built, each failure a ``BERTClassifierError`` naming the
    /// file and key: the head's presence
    /// (``BERTClassifierError/missingClassificationHead(path:key:)``: a bare `BertModel`
    /// folder has none and needs an adapter directory), `config.json`'s task keys
    /// (``BERTSequenceClassificationConfiguration``), one label per row of `classifier.weight`,
    /// the head's shapes (`[labels, hidden]`, `[labels]`) and element types (F32, F16, BF16,
    /// F64), its values finite unless `allowingNonFiniteValues`, and BERT's pooler
    /// (``BERTClassifierError/missingPooler``).
    public static func load(modelFolder folder: String, weights: BERTWeights,
                            allowingNonFiniteValues: Bool = false) throws -> (classifier: BERTSequenceClassifier, labels: [String]) {
        let weightsPath = (folder as NSString).appendingPathComponent("model.safetensors")
        let configurationPath = (folder as NSString).appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: weightsPath) else {
            throw BERTClassifierError.invalidFile(path: weightsPath, reason: "no such file")
        }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: weightsPath) } catch { throw BERTClassifierError.safeTensors(error) }
        for key in [classifierWeightKey, classifierBiasKey] where !file.contains(key) {
            throw BERTClassifierError.missingClassificationHead(path: weightsPath, key: key)
        }
        let labels = try BERTSequenceClassificationConfiguration(configurationFile: configurationPath).labels
        let hidden = weights.configuration.hiddenSize
        let weightShape = try checkedShape(of: classifierWeightKey, in: file, path: weightsPath)
        guard weightShape.count == 2, weightShape[1] == hidden else {
            throw BERTClassifierError.headMismatch(path: weightsPath, key: classifierWeightKey,
                                                   expected: "shape [\(labels.count), \(hidden)] (labels in id2label, hidden_size)",
                                                   found: "shape \(weightShape)")
        }
        guard weightShape[0] == labels.count else {
            throw BERTClassifierError.invalidValue(
                path: configurationPath, key: "id2label",
                expected: "\(weightShape[0]) labels, one per row of \(classifierWeightKey) \(weightShape) in '\(weightsPath)'",
                found: "\(labels.count) labels \(labels)")
        }
        let biasShape = try checkedShape(of: classifierBiasKey, in: file, path: weightsPath)
        guard biasShape == [labels.count] else {
            throw BERTClassifierError.headMismatch(path: weightsPath, key: classifierBiasKey, expected: "shape [\(labels.count)]",
                                                   found: "shape \(biasShape)")
        }
        var values: [String: [Float]] = [:]
        for key in [classifierWeightKey, classifierBiasKey] {
            do { values[key] = try file.floats(named: key) } catch { throw BERTClassifierError.safeTensors(error) }
            if !allowingNonFiniteValues, values[key]?.contains(where: { !$0.isFinite }) == true {
                throw BERTClassifierError.nonFiniteValues(path: weightsPath, key: key)
            }
        }

        let classifier = try BERTSequenceClassifier(weights: weights, kind: .cls, classCount: labels.count, seed: 0)
        try classifier.assignHead(values)
        return (classifier, labels)
    }

    /// The shape of a head tensor after checking that its element type converts to Float32 as
    /// the encoder's do.
    private static func checkedShape(of key: String, in file: SafeTensorsFile, path: String) throws(BERTClassifierError) -> [Int] {
        let info: SafeTensorInfo
        do { info = try file.info(named: key) } catch { throw .safeTensors(error) }
        switch info.dtype {
        case .f32, .f16, .bf16, .f64: return info.shape
        default: throw .headMismatch(path: path, key: key, expected: "F32, F16, BF16 or F64 elements", found: info.dtype.rawValue)
        }
    }
}
