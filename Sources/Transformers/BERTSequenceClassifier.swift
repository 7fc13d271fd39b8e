import Adapters
import NN
import TensorCore

/// A sequence classifier on a pretrained BERT encoder: token ids and mask `[batch, tokens]`
/// to logits `[batch, classes]`. Two kinds (``Kind``):
///
/// ```
/// x = BERTEncoder(ids, mask)                                             [batch, tokens, hidden]
/// mean: p[b] = Σ_t mask[b,t]·x[b,t] / max(Σ_t mask[b,t], 1e-9)           [batch, hidden]
///       logits = p·Hᵀ + h                                               H [classes, hidden] (`head`)
/// cls:  pooled = tanh(x[:, 0]·Wpᵀ + bp)                                  [batch, hidden]  (`bert.pooler.dense`)
///       logits = dropout(pooled)·Cᵀ + c                                 C [classes, hidden] (`classifier`)
/// ```
///
/// `cls` is transformers' `BertForSequenceClassification` with its module tree (`bert.embeddings…`,
/// `bert.encoder…`, `bert.pooler.dense`, `dropout`, `classifier`); its dropout probability is
/// `classifier_dropout`, else `hidden_dropout_prob`, active in training mode only. `mean` is
/// a Linear head on sentence-transformers' (un-normalised) mean pooling; its tree is `bert`
/// (the encoder, no pooler) and `head`.
///
/// Every encoder and pooler parameter is frozen; the head is trainable. Adapters go on the
/// module PEFT wraps (``adapterRoot``) through ``injectAdapters(_:using:)``; the adapter
/// directory (PEFT files, head, label names) is written by ``save(to:labels:)`` and read by
/// ``load(from:weights:allowingNonFiniteValues:)``.
public final class BERTSequenceClassifier: MultiInputModule {
    public typealias Input = BERTEncoderInput

    /// Which pooling and head the classifier has.
    public enum Kind: String, Sendable, CaseIterable {
        /// A Linear head on the masked mean of the last hidden state; adapters saved for the
        /// bare `BertModel`, the head in its own file.
        case mean
        /// transformers' `BertForSequenceClassification` (pooler, tanh, dropout,
        /// `classifier`); adapters saved as PEFT saves `task_type="SEQ_CLS"`.
        case cls
    }

    /// The PEFT `task_type` of a `cls` classifier.
    public static let sequenceClassificationTaskType = "SEQ_CLS"
    /// The module names PEFT's sequence-classification model adds to `modules_to_save`.
    public static let classifierModuleNames = ["classifier", "score"]

    public let kind: Kind
    /// The architecture of the encoder.
    public let configuration: BERTConfiguration
    /// The embeddings and encoder layers (module paths `embeddings…`, `encoder…` below `bert`).
    public let encoder: BERTEncoder
    /// BERT's pooler (`bert.pooler`), `cls` only.
    public let pooler: BERTPooler?
    /// The dropout before the `classifier` layer, `cls` only.
    public let dropout: Dropout?
    /// The head `[classes, hidden]`: child `head` (mean) or `classifier` (cls).
    public let head: Linear
    /// The child `bert`: the encoder (mean) or the encoder with its pooler (cls).
    private let bert: any Module
    /// The adapter configuration after ``injectAdapters(_:using:)`` or loading, as it is
    /// saved (for `cls`, with `task_type` `SEQ_CLS` and the classifier in `modules_to_save`).
    public private(set) var adapterConfiguration: LoRAConfiguration?

    /// The number of classes, the head's output features.
    public var classCount: Int { head.outFeatures }

    /// The name of the head's child: `head` or `classifier`.
    public var headName: String { kind == .mean ? "head" : "classifier" }

    /// The module that PEFT wraps, whose module paths adapter keys and `target_modules`
    /// refer to: the encoder (`BertModel`, paths `encoder.layer.0…`) for `mean`, the whole
    /// classifier (`BertForSequenceClassification`, paths `bert.encoder.layer.0…`) for `cls`.
    public var adapterRoot: any Module { kind == .mean ? encoder : self }

    /// A classifier on `weights` (shared, not copied) with a fresh head for `classCount`
    /// classes drawn from `seed`: `mean` as PyTorch initialises `nn.Linear` (uniform in
    /// `±1/√hidden`), `cls` as transformers initialises `classifier` (weight `N(0, initializer_range²)`,
    /// bias 0). Throws ``BERTClassifierError/invalidClassCount(_:)`` below 2 classes and
    /// ``BERTClassifierError/missingPooler`` for `cls` on weights without a pooler.
    public init(weights: BERTWeights, kind: Kind, classCount: Int, seed: UInt64) throws {
        guard classCount >= 2 else { throw BERTClassifierError.invalidClassCount(classCount) }
        let configuration = weights.configuration
        let hidden = configuration.hiddenSize
        var generator = RandomGenerator(seed: seed)
        self.kind = kind
        self.configuration = configuration
        switch kind {
        case .mean:
            encoder = try BERTEncoder(weights: weights)
            pooler = nil
            dropout = nil
            head = Linear(inFeatures: hidden, outFeatures: classCount, using: &generator)
            bert = encoder
        case .cls:
            let model = try BERTModel(weights: weights)
            encoder = model.encoder
            pooler = model.pooler
            dropout = try Dropout(probability: configuration.effectiveClassifierDropoutProbability, using: &generator)
            head = try Linear(weight: Tensor.normal([classCount, hidden], standardDeviation: configuration.initializerRange,
                                                    using: &generator, requiresGradient: true),
                              bias: Tensor(zeros: [classCount], requiresGradient: true))
            bert = model
        }
        bert.freeze()
    }

    public func children() -> [(name: String, module: any Module)] {
        if let dropout { return [("bert", bert), ("dropout", dropout), (headName, head)] }
        return [("bert", bert), (headName, head)]
    }

    public func replaceChild(named name: String, with module: any Module) throws(ModuleError) {
        throw .childNotReplaceable(parent: "BERTSequenceClassifier", name: name)
    }

    /// The pooled vector the head reads, `[batch, hidden]`: the masked mean (mean) or the
    /// pooler's `tanh(x[:, 0]·Wpᵀ + bp)` (cls), before dropout.
    public func pooledOutput(_ input: Input) throws -> Tensor {
        switch kind {
        case .mean:
            return try encoder.pooledHiddenState(input, pooling: .mean)
        case .cls:
            guard let pooler else { preconditionFailure("A cls classifier always has a pooler.") }
            return try pooler(try encoder.pooledHiddenState(input, pooling: .first))
        }
    }

    /// The logits `[batch, classes]`.
    public func forward(_ input: Input) throws -> Tensor {
        var pooled = try pooledOutput(input)
        if let dropout { pooled = try dropout(pooled) }
        return try head(pooled)
    }

    /// Wraps the Linears `configuration` selects in ``adapterRoot`` (PEFT's rules: targets,
    /// exclusions, rank and alpha patterns) in LoRA/DoRA adapters drawn from `generator`,
    /// freezes every other parameter, keeps the head trainable, and returns the adapters by
    /// path (relative to ``adapterRoot``). For `cls` the configuration gets PEFT's
    /// sequence-classification settings: `task_type` `SEQ_CLS` and `classifier`, `score`
    /// added to `modules_to_save` (so the classifier is never an adapter target and is saved
    /// whole). Throws ``BERTClassifierError/unsupportedConfiguration(kind:setting:reason:)``
    /// for settings the directory could not save as PEFT loads them, and the
    /// ``AdapterError`` of an invalid configuration or one that matches no Linear.
    @discardableResult
    public func injectAdapters(_ configuration: LoRAConfiguration,
                               using generator: inout RandomGenerator) throws -> [(path: String, adapter: any AdapterLayer)] {
        let effective = try effectiveConfiguration(configuration)
        let adapters = try AdapterInjection.inject(effective, into: adapterRoot, using: &generator)
        head.unfreeze()
        adapterConfiguration = effective
        return adapters
    }

    /// `configuration` as this kind of classifier uses and saves it.
    func effectiveConfiguration(_ configuration: LoRAConfiguration) throws -> LoRAConfiguration {
        var result = configuration
        switch kind {
        case .mean:
            guard configuration.modulesToSave.isEmpty else {
                throw BERTClassifierError.unsupportedConfiguration(
                    kind: kind.rawValue, setting: "modules_to_save \(configuration.modulesToSave)",
                    reason: "its adapters are saved for the bare BertModel and its head in head.safetensors")
            }
            guard configuration.taskType == nil else {
                throw BERTClassifierError.unsupportedConfiguration(
                    kind: kind.rawValue, setting: "task_type '\(configuration.taskType ?? "")'",
                    reason: "its adapters are saved for the bare BertModel, whose task_type is null")
            }
        case .cls:
            guard configuration.bias != .all else {
                throw BERTClassifierError.unsupportedConfiguration(
                    kind: kind.rawValue, setting: "bias 'all'",
                    reason: "PEFT saves the classifier's bias under three keys then; use 'none' or 'lora_only'")
            }
            if let taskType = configuration.taskType, taskType != Self.sequenceClassificationTaskType {
                throw BERTClassifierError.unsupportedConfiguration(
                    kind: kind.rawValue, setting: "task_type '\(taskType)'", reason: "it is PEFT's '\(Self.sequenceClassificationTaskType)' model")
            }
            result.taskType = Self.sequenceClassificationTaskType
            for name in Self.classifierModuleNames where !result.modulesToSave.contains(name) {
                result.modulesToSave.append(name)
            }
        }
        return result
    }

    /// Records the configuration of adapters loaded from a directory.
    func setAdapterConfiguration(_ configuration: LoRAConfiguration) {
        adapterConfiguration = configuration
    }
}
