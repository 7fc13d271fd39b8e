extension GEMM {
    /// The right operand `op(B)` `[k, n]` of many products, packed once into the micro-kernel's
    /// panels so that no product packs it again: for a frozen weight, `Wᵀ` of `y = x·Wᵀ`.
    ///
    /// Layout (that of `ck_sgemm_pack_fn` over the whole depth): panel `q` holds columns
    /// `q·NR ..< (q+1)·NR` over all `k` steps, `k x NR` floats at `q·k·NR`, element `(p, j)` at
    /// `[p·NR + j − q·NR]`; the columns of the last panel past `n` are zeros. The depth block
    /// `pc ..< pc+KC` of panel `q` is then the `KC x NR` run at `q·k·NR + pc·NR`, exactly the
    /// panel a product would have packed, so
    /// ``multiply(m:a:lda:transposeA:packedB:c:ldc:accumulate:threading:)`` computes every
    /// element of C as the same sum in the same order as
    /// ``multiply(m:n:k:a:lda:transposeA:b:ldb:transposeB:c:ldc:accumulate:kernel:threading:)``
    /// with the same kernel: the same bits.
    ///
    /// `NR` and the panel format belong to one micro-kernel family (``kernel``); the copy costs
    /// `⌈n/NR⌉·NR·k` floats, about the size of the source.
    public final class PackedMatrix: @unchecked Sendable {
        // @unchecked: the panels are written once in `init` and only read afterwards.

        /// `k`: rows of `op(B)`, the shared dimension of the products.
        public let depth: Int
        /// `n`: columns of `op(B)` and of the products' results.
        public let width: Int
        /// The micro-kernel family the panels are laid out for.
        public let kernel: Kernel
        let microKernel: GEMMMicroKernel
        let panels: UnsafeMutablePointer<Float>
        private let count: Int

        /// Packs `op(B)` `[k, n]`: element `(p, j)` is `b[p·ldb + j]`, or `b[j·ldb + p]` when
        /// `transposeB` (a weight `W` `[n, k]` stored as PyTorch stores it, for `x·Wᵀ`).
        ///
        /// - Precondition: `k, n >= 1`; `ldb` at least a stored row (`n`, or `k` when
        ///   transposed); `kernel` is in ``availableKernels``.
        public init(k: Int, n: Int, b: UnsafePointer<Float>, ldb: Int, transposeB: Bool, kernel: Kernel = defaultKernel) {
            precondition(k >= 1 && n >= 1, "a packed GEMM operand needs positive sizes, got \(k) x \(n)")
            precondition(ldb >= (transposeB ? k : n), "ldb is smaller than a row of B")
            guard let microKernel = GEMMMicroKernel.resolve(kernel) else {
                preconditionFailure("GEMM kernel \(kernel.rawValue) is not available on this CPU")
            }
            let tileColumns = microKernel.tileColumns
            depth = k
            width = n
            self.kernel = kernel
            self.microKernel = microKernel
            count = GEMMBlocking.roundUp(n, toMultipleOf: tileColumns) &* k
            panels = UnsafeMutableRawPointer.allocate(byteCount: count &* MemoryLayout<Float>.stride, alignment: 64)
                .bindMemory(to: Float.self, capacity: count)
            let pack = transposeB ? microKernel.packDepthContiguous : microKernel.packWidthContiguous
            pack(panels, b, ldb, n, k, tileColumns)
        }

        /// Packs a weight `W` `[n, k]` (row-major, as `Linear` stores it) as `op(B) = Wᵀ`.
        public convenience init(transposing weight: Tensor, kernel: Kernel = defaultKernel) {
            precondition(weight.shape.rank == 2, "a packed weight must be a matrix, got \(weight.shape)")
            self.init(k: weight.shape[1], n: weight.shape[0], b: weight.storage.pointer, ldb: weight.shape[1], transposeB: true,
                      kernel: kernel)
        }

        deinit { panels.deallocate() }
    }

    /// A product with packed B split by rows is cut into parts of about this many rows, each
    /// claimed by whichever thread is free (``WorkerPool/run(parts:_:)``), so that a core slowed
    /// by another process, or a caller that joins late, does not leave the other core waiting;
    /// rows parts duplicate no packing. An embedding pass of all-MiniLM-L6-v2 (2,100-row
    /// products, two threads) ran at 145–171 sentences/s with one part per thread, 174–186
    /// with 4, 181–191 with 8 and 178–201 with 16 (about 66 rows); 32 and 64 were no better.
    static let rowsPerPart = 64

    /// `C[m,n] = (accumulate ? C : 0) + op(A)[m,k] · B[k,n]` with B packed beforehand
    /// (``PackedMatrix``, `k` = `packedB.depth`, `n` = `packedB.width`), with `op(A)` and `C` as in
    /// ``multiply(m:n:k:a:lda:transposeA:b:ldb:transposeB:c:ldc:accumulate:kernel:threading:)``
    /// and the same split over the ``WorkerPool``; bit-identical to that call with B unpacked and
    /// `packedB.kernel`.
    ///
    /// With `bias` (`n` floats) and `accumulate` false: `C[i, j] = bias[j] + Σ_p op(A)[i,p]·B[p,j]`,
    /// the bias written into each tile of C just before the micro-kernel adds the product to it
    /// (the same bits as C filled with the bias rows, then `accumulate` true).
    public static func multiply(
        m: Int, a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
        packedB: PackedMatrix,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        accumulate: Bool, bias: UnsafePointer<Float>? = nil, threading: Threading = .automatic
    ) {
        let (n, k) = (packedB.width, packedB.depth)
        checkArguments(m: m, n: n, k: k, lda: lda, transposeA: transposeA, ldb: n, transposeB: false, ldc: ldc)
        if m == 0 { return }
        let microKernel = packedB.microKernel
        let parts = threading == .automatic ? partCount(m: m, n: n, k: k) : 1
        let b = UnsafePointer(packedB.panels)
        // One part's operands: its rows of A and C, its columns of C and whole panels of B (a
        // column part starts at a multiple of NR, so at a panel).
        let run = { (rows: Range<Int>, columns: Range<Int>, workspace: GEMMWorkspace) in
            let aPart = transposeA ? a + rows.lowerBound : a + rows.lowerBound &* lda
            let operands = GEMMOperands(
                m: rows.count, n: columns.count, k: k, a: aPart, lda: lda, transposeA: transposeA,
                b: b + columns.lowerBound &* k, ldb: k, transposeB: false, bIsPacked: true,
                c: c + (rows.lowerBound &* ldc &+ columns.lowerBound), ldc: ldc, accumulate: accumulate,
                columnBias: bias.map { $0 + columns.lowerBound })
            GEMMDriver(microKernel: microKernel, packing: .automatic, workspace: workspace).run(operands)
        }
        guard parts > 1 else {
            GEMMWorkspace.withWorkspace { run(0..<m, 0..<n, $0) }
            return
        }
        forEachPart(m: m, n: n, parts: parts, tileRows: microKernel.tileRows, tileColumns: microKernel.tileColumns,
                    rowsPerPart: rowsPerPart) { rows, columns in
            GEMMWorkspace.withWorkspace { run(rows, columns, $0) }
        }
    }
}
