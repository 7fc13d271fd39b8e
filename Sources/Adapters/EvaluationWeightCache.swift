import Foundation
import NN
import TensorCore

/// The merged weight `W'` of an adapter in evaluation (no dropout, no gradients), kept
/// while `W`, `A`, `B` (and `m`) are unchanged (``TensorCore/Tensor/contentVersion``), so
/// that evaluating a fine-tuned model costs one plain product per layer, as PEFT's merged
/// inference does, instead of the adapter's extra products and scalings on every batch
/// (LoRA's accuracy pass over 60,000 images: 90 → 84 ms; DoRA's 94 → 84 ms). Only for weights
/// under ``TensorCore/Tensor/transposedProductMinimumWeight`` elements, so that a large
/// layer is never held twice. Locked: evaluation runs the forward on two threads.
final class EvaluationWeightCache: @unchecked Sendable {
    // @unchecked: `cached` is only touched under `lock`.
    private let lock = NSLock()
    private var cached: (versions: [UInt64], identities: [ObjectIdentifier], weight: Tensor)?

    /// `make()` for the current contents of `sources`, computed again when any changed;
    /// nil when the forward must take the adapter's own path (training, recording
    /// gradients, a large weight).
    func weight(of adapter: some AdapterLayer, sources: [Tensor], make: () throws -> Tensor) rethrows -> Tensor? {
        guard !adapter.isTraining, !GradientRecording.isEnabled,
              adapter.base.weight.elementCount < Tensor.transposedProductMinimumWeight else { return nil }
        lock.lock()
        defer { lock.unlock() }
        let versions = sources.map(\.contentVersion), identities = sources.map { ObjectIdentifier($0) }
        if let cached, cached.versions == versions, cached.identities == identities { return cached.weight }
        let weight = try make()
        cached = (versions, identities, weight)
        return weight
    }
}
