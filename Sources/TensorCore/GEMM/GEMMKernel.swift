import CKernels

extension GEMM {
    /// A micro-kernel family; which ones exist depends on the CPU.
    ///
    /// - `avx512`: 8 x 32 register tile of 512-bit vectors (x86-64 with AVX-512F).
    /// - `avx2`: 6 x 16 register tile of 256-bit vectors (x86-64 with AVX2 and FMA).
    /// - `portable`: 4 x 8 tile in plain C, available everywhere.
    public enum Kernel: String, CaseIterable, Sendable {
        case avx512, avx2, portable
    }

    /// Kernels this CPU can run, fastest first.
    public static var availableKernels: [Kernel] { GEMMMicroKernel.availableKernels }

    /// The fastest available kernel.
    public static var defaultKernel: Kernel { GEMMMicroKernel.availableKernels.first ?? .portable }
}

/// A micro-kernel family bound to its C entry points, tile shape and cache block sizes.
struct GEMMMicroKernel: Sendable {
    /// Rows of C per micro-kernel call; the width of packed A panels.
    let tileRows: Int
    /// Columns of C per micro-kernel call; the width of packed B panels.
    let tileColumns: Int
    /// Cache block sizes used with this tile shape.
    let blocking: GEMMBlocking

    /// `C[i*ldc + j] = (accumulate ? C : 0) + Σ_p A(i, p) · B(p, j)` for `i < rows`,
    /// `j < columns`, with `A(i, p) = a[i*aRowStride + p*aDepthStride]` and
    /// `B(p, j) = b[p*bDepthStride + j]` (see `ck_sgemm_microkernel_fn`). Arguments:
    /// `(depth, a, aRowStride, aDepthStride, b, bDepthStride, c, ldc, rows, columns,
    /// accumulate)`.
    typealias TileFunction = @convention(c) (
        Int, UnsafePointer<Float>?, Int, Int, UnsafePointer<Float>?, Int,
        UnsafeMutablePointer<Float>?, Int, Int, Int, Bool
    ) -> Void
    /// Packs `count` panel-dimension indices over `depth` steps into panels of `width`
    /// (see `ck_sgemm_pack_fn`). Arguments: `(destination, source, ld, count, depth, width)`.
    typealias PackFunction = @convention(c) (
        UnsafeMutablePointer<Float>?, UnsafePointer<Float>?, Int, Int, Int, Int
    ) -> Void

    let computeTile: TileFunction
    /// Packs a source whose element `(x, p)` is `src[x * ld + p]`.
    let packDepthContiguous: PackFunction
    /// Packs a source whose element `(x, p)` is `src[p * ld + x]`.
    let packWidthContiguous: PackFunction

    private init?(_ kernel: GEMM.Kernel) {
        var entry = ck_sgemm_kernel()
        guard ck_sgemm_kernel_lookup(kernel.family, &entry),
              let computeTile = entry.microkernel,
              let packDepthContiguous = entry.pack_depth_contiguous,
              let packWidthContiguous = entry.pack_width_contiguous
        else { return nil }
        self.tileRows = entry.mr
        self.tileColumns = entry.nr
        self.blocking = GEMMBlocking(kernel: kernel, tileRows: entry.mr, tileColumns: entry.nr)
        self.computeTile = computeTile
        self.packDepthContiguous = packDepthContiguous
        self.packWidthContiguous = packWidthContiguous
    }

    // One constant per family (a switch, not a dictionary: hashing the key cost more than
    // the smallest products).
    private static let avx512 = GEMMMicroKernel(.avx512)
    private static let avx2 = GEMMMicroKernel(.avx2)
    private static let portable = GEMMMicroKernel(.portable)

    /// Families this machine supports, in `GEMM.Kernel.allCases` order (fastest first).
    static let availableKernels: [GEMM.Kernel] = GEMM.Kernel.allCases.filter { resolve($0) != nil }

    /// The bound micro-kernel for `kernel`, or nil when this machine cannot run it.
    static func resolve(_ kernel: GEMM.Kernel) -> GEMMMicroKernel? {
        switch kernel {
        case .avx512: avx512
        case .avx2: avx2
        case .portable: portable
        }
    }
}

extension GEMM.Kernel {
    fileprivate var family: ck_sgemm_kernel_family {
        switch self {
        case .avx512: CK_SGEMM_KERNEL_AVX512
        case .avx2: CK_SGEMM_KERNEL_AVX2
        case .portable: CK_SGEMM_KERNEL_PORTABLE
        }
    }
}
