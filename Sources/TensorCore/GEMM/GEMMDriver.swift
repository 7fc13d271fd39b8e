import CKernels

/// Where the micro-kernel reads the A panels of one block: panel `x` (rows `x ..< x+MR`)
/// starts at `base + x * panelAdvance`, and its element `(i, p)` at
/// `[i * rowStride + p * depthStride]`.
private struct APanels {
    let base: UnsafePointer<Float>
    let panelAdvance: Int
    let rowStride: Int
    let depthStride: Int
}

/// Where the micro-kernel reads the B panels of one block: panel `x` (columns
/// `x ..< x+NR`) starts at `base + x * panelAdvance` and its element `(p, j)` at
/// `[p * depthStride + j]`, except that a partial last panel is read from `edgePanel`
/// (stride NR) when one is given.
private struct BPanels {
    let base: UnsafePointer<Float>
    let panelAdvance: Int
    let depthStride: Int
    let edgePanel: UnsafePointer<Float>?
}

/// The cache-blocked loop nest around a micro-kernel (BLIS order).
///
///     for jc in 0..<n by NC                       // B block columns
///       for pc in 0..<k by KC                     // shared-dimension block
///         prepare op(B)[pc..<pc+KC, jc..<jc+NC] as panels of NR columns
///         for ic in 0..<m by MC                   // A block rows
///           prepare op(A)[ic..<ic+MC, pc..<pc+KC] as panels of MR rows
///           for jr in 0..<NC by NR                // one B panel
///             for ir in 0..<MC by MR              // one A panel
///               C[ic+ir.., jc+jr..] (+)= Apanel · Bpanel
///
/// "Prepare" packs the block into the workspace (contiguous, zero-padded panels) or points
/// at it in place, as the ``GEMMPackingPolicy`` decides; a B packed beforehand
/// (``GEMM/PackedMatrix``) is pointed at.
/// The first `pc` block writes or accumulates into C as requested; later ones accumulate.
struct GEMMDriver {
    let microKernel: GEMMMicroKernel
    let packing: GEMMPackingPolicy
    let workspace: GEMMWorkspace

    func run(_ operands: GEMMOperands) {
        let tileRows = microKernel.tileRows
        let tileColumns = microKernel.tileColumns
        let blocking = microKernel.blocking
        let (m, n, k) = (operands.m, operands.n, operands.k)

        let depthBlock = GEMMBlocking.blockLength(total: k, maximum: blocking.depth, granule: 8)
        let rowBlock = GEMMBlocking.blockLength(total: m, maximum: blocking.rows, granule: tileRows)
        let columnBlock = GEMMBlocking.blockLength(
            total: n, maximum: blocking.columns, granule: tileColumns)

        let packA = packing.packsA(n: n)
        let packB = !operands.bIsPacked && packing.packsB(m: m, transposed: operands.transposeB)
        let packedA = workspace.packedABuffer(
            count: packA ? GEMMBlocking.roundUp(rowBlock, toMultipleOf: tileRows) &* depthBlock : 0)
        // Without packing, B still needs room for a padded copy of a partial last panel.
        let packedB = workspace.packedBBuffer(
            count: (packB ? GEMMBlocking.roundUp(columnBlock, toMultipleOf: tileColumns) : tileColumns)
                &* depthBlock)

        var jc = 0
        while jc < n {
            let columns = min(columnBlock, n &- jc)
            var pc = 0
            while pc < k {
                let depth = min(depthBlock, k &- pc)
                let bPanels = prepareB(
                    operands, columns: jc, count: columns, depth: pc, length: depth,
                    pack: packB, buffer: packedB)
                let accumulate = operands.accumulate || pc > 0
                // The bias goes in under the first depth block only.
                let bias = accumulate ? nil : operands.columnBias.map { $0 + jc }
                var ic = 0
                while ic < m {
                    let rows = min(rowBlock, m &- ic)
                    let aPanels = prepareA(
                        operands, rows: ic, count: rows, depth: pc, length: depth,
                        pack: packA, buffer: packedA)
                    computeBlock(
                        aPanels, rows: rows, bPanels, columns: columns, depth: depth,
                        c: operands.c + (ic &* operands.ldc &+ jc), ldc: operands.ldc,
                        accumulate: accumulate, bias: bias)
                    ic &+= rows
                }
                pc &+= depth
            }
            jc &+= columns
        }
    }

    /// Prepares `op(A)[firstRow ..< firstRow+count, firstDepth ..< firstDepth+length]`.
    private func prepareA(
        _ operands: GEMMOperands, rows firstRow: Int, count: Int,
        depth firstDepth: Int, length: Int,
        pack: Bool, buffer: UnsafeMutablePointer<Float>
    ) -> APanels {
        let lda = operands.lda
        // Element (i, p) of the block: a[i*rowStride + p*depthStride].
        let rowStride = operands.transposeA ? 1 : lda
        let depthStride = operands.transposeA ? lda : 1
        let source = operands.a + (firstRow &* rowStride &+ firstDepth &* depthStride)
        guard pack else {
            return APanels(
                base: source, panelAdvance: rowStride, rowStride: rowStride,
                depthStride: depthStride)
        }
        let packPanels =
            operands.transposeA ? microKernel.packWidthContiguous : microKernel.packDepthContiguous
        packPanels(buffer, source, lda, count, length, microKernel.tileRows)
        return APanels(
            base: UnsafePointer(buffer), panelAdvance: length, rowStride: 1,
            depthStride: microKernel.tileRows)
    }

    /// Prepares `op(B)[firstDepth ..< firstDepth+length, firstColumn ..< firstColumn+count]`.
    private func prepareB(
        _ operands: GEMMOperands, columns firstColumn: Int, count: Int,
        depth firstDepth: Int, length: Int,
        pack: Bool, buffer: UnsafeMutablePointer<Float>
    ) -> BPanels {
        let ldb = operands.ldb
        let tileColumns = microKernel.tileColumns
        if operands.bIsPacked {
            // Panels over the whole depth: this block's part of panel x is at x·k + firstDepth·NR.
            return BPanels(
                base: operands.b + (firstColumn &* operands.k &+ firstDepth &* tileColumns),
                panelAdvance: operands.k, depthStride: tileColumns, edgePanel: nil)
        }
        if pack {
            let packPanels: GEMMMicroKernel.PackFunction
            let source: UnsafePointer<Float>
            if operands.transposeB {
                // (p, j) at b[j*ldb + p]
                packPanels = microKernel.packDepthContiguous
                source = operands.b + (firstColumn &* ldb &+ firstDepth)
            } else {
                // (p, j) at b[p*ldb + j]
                packPanels = microKernel.packWidthContiguous
                source = operands.b + (firstDepth &* ldb &+ firstColumn)
            }
            packPanels(buffer, source, ldb, count, length, tileColumns)
            return BPanels(
                base: UnsafePointer(buffer), panelAdvance: length, depthStride: tileColumns,
                edgePanel: nil)
        }
        // Row-major B is read in place; only a partial last panel is packed (zero-padded),
        // because the micro-kernel reads all NR columns.
        let source = operands.b + (firstDepth &* ldb &+ firstColumn)
        let edgeWidth = count % tileColumns
        var edgePanel: UnsafePointer<Float>? = nil
        if edgeWidth > 0 {
            microKernel.packWidthContiguous(
                buffer, source + (count &- edgeWidth), ldb, edgeWidth, length, tileColumns)
            edgePanel = UnsafePointer(buffer)
        }
        return BPanels(base: source, panelAdvance: 1, depthStride: ldb, edgePanel: edgePanel)
    }

    /// Runs the micro-kernel over every tile of a `rows x depth` A block times a
    /// `depth x columns` B block, writing the `rows x columns` block at `c`, or adding it to
    /// `bias` (the block's columns) when one is given.
    private func computeBlock(
        _ aPanels: APanels, rows: Int, _ bPanels: BPanels, columns: Int, depth: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, bias: UnsafePointer<Float>?
    ) {
        let tileRows = microKernel.tileRows
        let tileColumns = microKernel.tileColumns
        let computeTile = microKernel.computeTile
        var jr = 0
        while jr < columns {
            let tileWidth = min(tileColumns, columns &- jr)
            var panelB = bPanels.base + jr &* bPanels.panelAdvance
            var bStride = bPanels.depthStride
            if tileWidth < tileColumns, let edgePanel = bPanels.edgePanel {
                panelB = edgePanel
                bStride = tileColumns
            }
            var ir = 0
            while ir < rows {
                let tileHeight = min(tileRows, rows &- ir)
                let tile = c + (ir &* ldc &+ jr)
                if let bias { ck_sgemm_fill_rows(tile, ldc, bias + jr, tileHeight, tileWidth) }
                computeTile(
                    depth, aPanels.base + ir &* aPanels.panelAdvance,
                    aPanels.rowStride, aPanels.depthStride, panelB, bStride,
                    tile, ldc, tileHeight, tileWidth, accumulate || bias != nil)
                ir &+= tileRows
            }
            jr &+= tileColumns
        }
    }
}
