import Foundation

/// A frozen Linear weight `W` `[out, in]` packed once into GEMM panels (``GEMM/PackedMatrix``)
/// for the products of ``Tensor/linear(_:weight:bias:packedWeight:)``: `Wᵀ` for the forward
/// `y = x·Wᵀ + b`, and `W` for the input gradient `dx = dy·W`, packed on the first backward
/// that asks for it (an inference-only model never holds the second copy).
///
/// Each product then reads the panels instead of packing W again on every call; the results
/// are the bits the unpacked products give. The owner keeps it while W is unchanged
/// (``DerivedValueCache``): the panels are a copy of W at the time they were packed.
public final class PackedLinearWeight: @unchecked Sendable {
    // @unchecked: `inputGradientPanels` is only touched under `lock`; the rest never changes.

    /// `op(B) = Wᵀ` `[in, out]`.
    public let forward: GEMM.PackedMatrix
    private let weight: TensorStorage
    private let outFeatures: Int, inFeatures: Int
    private let lock = NSLock()
    private var inputGradientPanels: GEMM.PackedMatrix?

    /// Packs `Wᵀ` of `weight` `[out, in]` for `kernel`.
    public init(_ weight: Tensor, kernel: GEMM.Kernel = GEMM.defaultKernel) {
        forward = GEMM.PackedMatrix(transposing: weight, kernel: kernel)
        self.weight = weight.storage
        outFeatures = weight.shape[0]
        inFeatures = weight.shape[1]
    }

    /// `op(B) = W` `[out, in]` for `dx = dy·W`, packed on first use.
    public var inputGradient: GEMM.PackedMatrix {
        lock.lock()
        defer { lock.unlock() }
        if let inputGradientPanels { return inputGradientPanels }
        let panels = GEMM.PackedMatrix(k: outFeatures, n: inFeatures, b: weight.pointer, ldb: inFeatures, transposeB: false,
                                       kernel: forward.kernel)
        inputGradientPanels = panels
        return panels
    }

    /// Whether the panels of W for the input gradient were made.
    var hasInputGradientPanels: Bool {
        lock.lock()
        defer { lock.unlock() }
        return inputGradientPanels != nil
    }

    /// Whether these are the panels of a `[out, in]` weight.
    func matches(outFeatures: Int, inFeatures: Int) -> Bool {
        self.outFeatures == outFeatures && self.inFeatures == inFeatures
    }
}
