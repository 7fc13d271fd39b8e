extension GEMM {
    /// A batch of independent products of one shape,
    /// `C_e = (accumulate ? C_e : 0) + op(A_e)·op(B_e)` for `e` in `0..<batchCount`, with
    /// `A_e = a + e·strideA`, `B_e = b + e·strideB`, `C_e = c + e·strideC` and each product
    /// laid out as in ``multiply(m:n:k:a:lda:transposeA:b:ldb:transposeB:c:ldc:accumulate:kernel:threading:)``
    /// (attention's `q·kᵀ` and `p·v` for every `[batch, head]` pair: `[B·H]` products of
    /// `T x d` by `d x T`).
    ///
    /// Each thread takes one workspace and runs its share of the entries one after the
    /// other, each on that thread alone (the thin loops when they apply, else the blocked
    /// driver), so an entry's result is bit-identical to multiplying it alone. With
    /// `.automatic` threading and at least ``parallelThreshold`` multiply-adds in all, the
    /// entries are split into consecutive runs on the ``WorkerPool``'s threads (as many as
    /// ``partCount(m:n:k:threads:)`` allows for the whole batch, at most one per entry);
    /// a single entry is multiplied as ``multiply(m:n:k:a:lda:transposeA:b:ldb:transposeB:c:ldc:accumulate:kernel:threading:)``
    /// does it (split inside).
    ///
    /// - Precondition: as for a single product; `batchCount >= 0`; the `C_e` do not overlap
    ///   each other or any `A_e`, `B_e` (the strides may be 0 for an operand shared by every
    ///   entry, never for C).
    public static func multiplyBatched(
        batchCount: Int, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, strideA: Int, transposeA: Bool,
        b: UnsafePointer<Float>, ldb: Int, strideB: Int, transposeB: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int, strideC: Int,
        accumulate: Bool, kernel: Kernel = defaultKernel, threading: Threading = .automatic
    ) {
        precondition(batchCount >= 0, "GEMM batch count must be non-negative")
        checkArguments(m: m, n: n, k: k, lda: lda, transposeA: transposeA, ldb: ldb, transposeB: transposeB, ldc: ldc)
        guard batchCount > 0 else { return }
        if batchCount == 1 {
            multiply(m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb, transposeB: transposeB,
                     c: c, ldc: ldc, accumulate: accumulate, kernel: kernel, threading: threading)
            return
        }
        guard let microKernel = GEMMMicroKernel.resolve(kernel) else {
            preconditionFailure("GEMM kernel \(kernel.rawValue) is not available on this CPU")
        }
        let (rows, overflow) = batchCount.multipliedReportingOverflow(by: m)
        let parts = threading == .automatic ? min(batchCount, partCount(m: overflow ? Int.max : rows, n: n, k: k)) : 1
        // The entries cross to the worker threads as integers (raw pointers are not Sendable);
        // each part writes its own entries of C and only reads A and B.
        let addresses = (a: UInt(bitPattern: a), b: UInt(bitPattern: b), c: UInt(bitPattern: c))
        let runEntries = { (entries: Range<Int>) in
            guard let a = UnsafePointer<Float>(bitPattern: addresses.a), let b = UnsafePointer<Float>(bitPattern: addresses.b),
                  let c = UnsafeMutablePointer<Float>(bitPattern: addresses.c) else { return }
            GEMMWorkspace.withWorkspace { workspace in
                for entry in entries {
                    multiplyOnThisThread(
                        m: m, n: n, k: k, a: a + entry &* strideA, lda: lda, transposeA: transposeA,
                        b: b + entry &* strideB, ldb: ldb, transposeB: transposeB,
                        c: c + entry &* strideC, ldc: ldc, accumulate: accumulate,
                        kernel: kernel, microKernel: microKernel, workspace: workspace)
                }
            }
        }
        if parts > 1 {
            WorkerPool.run(parts: parts) { part in runEntries(WorkerPool.range(ofPart: part, parts: parts, count: batchCount)) }
        } else {
            runEntries(0..<batchCount)
        }
    }
}
