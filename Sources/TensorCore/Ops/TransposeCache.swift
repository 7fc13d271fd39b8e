import CKernels
import Foundation

/// `Wᵀ` of a weight that does not change between calls (a frozen base during fine-tuning),
/// kept so that `x·Wᵀ` can read it in place: GEMM packs a transposed operand on every call,
/// which cost 9 µs of the 65 µs two-thread product `64x128x784`. The copy is made again
/// whenever the weight's ``Tensor/contentVersion`` changes. Safe to use from several threads
/// (evaluation runs the forward on two).
public final class TransposeCache: @unchecked Sendable {
    // @unchecked: `cached` is only touched under `lock`.
    private let lock = NSLock()
    private var cached: (storage: ObjectIdentifier, version: UInt64, transposed: Tensor)?

    public init() {}

    /// `weight` `[out, in]` transposed to `[in, out]`; nil for a tensor that is not a matrix.
    public func transposed(_ weight: Tensor) -> Tensor? {
        guard weight.shape.rank == 2 else { return nil }
        lock.lock()
        defer { lock.unlock() }
        let identity = ObjectIdentifier(weight.storage), version = weight.contentVersion
        if let cached, cached.storage == identity, cached.version == version { return cached.transposed }
        let rows = weight.shape[0], columns = weight.shape[1]
        let transposed = Tensor(uninitializedShape: [columns, rows])
        ck_transpose(weight.storage.pointer, rows, columns, columns, transposed.storage.pointer, rows)
        cached = (identity, version, transposed)
        return transposed
    }
}
