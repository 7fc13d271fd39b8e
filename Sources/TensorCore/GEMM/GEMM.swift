/// Single-precision general matrix multiply on the CPU.
///
/// Computes `C = (accumulate ? C : 0) + op(A) · op(B)` for row-major operands, where
/// `op(A)` is `m x k`, `op(B)` is `k x n` and `C` is `m x n`. The work is split into
/// cache-sized blocks; each block of A and B is either repacked into contiguous panels or
/// read in place by a register-blocked micro-kernel written with vector intrinsics
/// (see ``Kernel``).
public enum GEMM {
    /// `C[m,n] = (accumulate ? C : 0) + op(A)[m,k] · op(B)[k,n]`.
    ///
    /// - `op(A)`: if `!transposeA`, element `(i, p)` is `a[i * lda + p]`;
    ///   if `transposeA`, it is `a[p * lda + i]`.
    /// - `op(B)`: if `!transposeB`, element `(p, j)` is `b[p * ldb + j]`;
    ///   if `transposeB`, it is `b[j * ldb + p]`.
    /// - `C`: element `(i, j)` is `c[i * ldc + j]`.
    ///
    /// `m`, `n` or `k` may be 0; `k == 0` with `accumulate == false` zeroes C.
    /// `c` must not overlap `a` or `b`. Safe to call from several threads at once
    /// (on distinct outputs). Products above ``parallelThreshold`` multiply-adds are split
    /// into parts of `C` computed on the ``WorkerPool``'s threads, with the same bits for
    /// every thread count. Products
    /// with one small dimension (``thinDimension``) in a suitable layout take a dedicated
    /// loop (``multiplyThin(m:n:k:a:lda:transposeA:b:ldb:transposeB:c:ldc:accumulate:kernel:parts:)``).
    ///
    /// - Precondition: `m`, `n`, `k` are non-negative; `lda` is at least the length of a
    ///   stored row of A (`k`, or `m` when transposed), likewise `ldb` (`n`, or `k` when
    ///   transposed) and `ldc >= n`; `kernel` is in ``availableKernels``.
    public static func multiply(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        accumulate: Bool, kernel: Kernel = defaultKernel, threading: Threading = .automatic
    ) {
        let parts = threading == .automatic ? partCount(m: m, n: n, k: k) : 1
        if multiplyThin(m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb, transposeB: transposeB,
                        c: c, ldc: ldc, accumulate: accumulate, kernel: kernel, parts: parts) {
            return
        }
        if parts > 1, let microKernel = GEMMMicroKernel.resolve(kernel) {
            multiplyInParallel(
                m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA,
                b: b, ldb: ldb, transposeB: transposeB, c: c, ldc: ldc,
                accumulate: accumulate, kernel: kernel, tileRows: microKernel.tileRows, tileColumns: microKernel.tileColumns,
                parts: parts)
            return
        }
        multiply(
            m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA,
            b: b, ldb: ldb, transposeB: transposeB, c: c, ldc: ldc,
            accumulate: accumulate, kernel: kernel, packing: .automatic)
    }

    /// Whether a product may be split across the ``WorkerPool``'s threads.
    public enum Threading: Sendable {
        /// Split products of at least ``parallelThreshold`` multiply-adds.
        case automatic
        /// Always on the calling thread (for benchmarks and callers that split work themselves).
        case singleThread
    }

    /// ``multiply(m:n:k:a:lda:transposeA:b:ldb:transposeB:c:ldc:accumulate:kernel:threading:)`` with
    /// an explicit choice of which operands are packed (the result is the same for every
    /// policy up to rounding).
    static func multiply(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        accumulate: Bool, kernel: Kernel, packing: GEMMPackingPolicy
    ) {
        checkArguments(m: m, n: n, k: k, lda: lda, transposeA: transposeA, ldb: ldb, transposeB: transposeB, ldc: ldc)
        guard let microKernel = GEMMMicroKernel.resolve(kernel) else {
            preconditionFailure("GEMM kernel \(kernel.rawValue) is not available on this CPU")
        }
        if m == 0 || n == 0 { return }
        GEMMWorkspace.withWorkspace { workspace in
            multiplyWithDriver(
                m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb, transposeB: transposeB,
                c: c, ldc: ldc, accumulate: accumulate, microKernel: microKernel, packing: packing, workspace: workspace)
        }
    }

    /// The blocked driver on checked arguments: `k == 0` zeroes C (or leaves it, when
    /// accumulating), else the packed or in-place micro-kernel loops.
    private static func multiplyWithDriver(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        accumulate: Bool, microKernel: GEMMMicroKernel, packing: GEMMPackingPolicy, workspace: GEMMWorkspace
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            if !accumulate {
                for i in 0..<m { (c + i &* ldc).update(repeating: 0, count: n) }
            }
            return
        }
        let operands = GEMMOperands(
            m: m, n: n, k: k,
            a: a, lda: lda, transposeA: transposeA,
            b: b, ldb: ldb, transposeB: transposeB,
            c: c, ldc: ldc, accumulate: accumulate)
        GEMMDriver(microKernel: microKernel, packing: packing, workspace: workspace).run(operands)
    }

    /// One product on the calling thread with a workspace the caller holds: the thin loops
    /// when they apply, else the blocked driver with automatic packing. The same arithmetic
    /// as ``multiply(m:n:k:a:lda:transposeA:b:ldb:transposeB:c:ldc:accumulate:kernel:threading:)``
    /// with `.singleThread`.
    static func multiplyOnThisThread(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        accumulate: Bool, kernel: Kernel, microKernel: GEMMMicroKernel, workspace: GEMMWorkspace
    ) {
        if multiplyThin(m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb, transposeB: transposeB,
                        c: c, ldc: ldc, accumulate: accumulate, kernel: kernel, parts: 1) {
            return
        }
        checkArguments(m: m, n: n, k: k, lda: lda, transposeA: transposeA, ldb: ldb, transposeB: transposeB, ldc: ldc)
        multiplyWithDriver(
            m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb, transposeB: transposeB,
            c: c, ldc: ldc, accumulate: accumulate, microKernel: microKernel, packing: .automatic, workspace: workspace)
    }

    /// Stops the program on negative sizes or leading dimensions shorter than a row.
    static func checkArguments(m: Int, n: Int, k: Int, lda: Int, transposeA: Bool, ldb: Int, transposeB: Bool, ldc: Int) {
        precondition(m >= 0 && n >= 0 && k >= 0, "GEMM dimensions must be non-negative")
        precondition(lda >= (transposeA ? m : k), "lda is smaller than a row of A")
        precondition(ldb >= (transposeB ? k : n), "ldb is smaller than a row of B")
        precondition(ldc >= n, "ldc is smaller than a row of C")
    }
}
