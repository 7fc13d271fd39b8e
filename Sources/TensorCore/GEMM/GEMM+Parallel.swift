import Foundation

extension GEMM {
    /// Products with at least this many multiply-adds (`m·n·k`) are split across the
    /// ``WorkerPool``'s threads, in parts of at least half of it. With a sleeping worker
    /// (`DispatchQueue.concurrentPerform`) splitting the MLP's 6.4 M products made the epoch
    /// slower; with a spinning worker 1 M was the best of 0.2 M, 1 M, 3 M and 4 M on two
    /// threads (base epoch 0.43, 0.43, 0.41–0.47, 0.47 s at the time).
    static let parallelThreshold = 1_000_000

    /// The number of parts a product is split into: 1 below ``parallelThreshold``, else up
    /// to ``WorkerPool/threadCount`` parts of at least half the threshold each.
    static func partCount(m: Int, n: Int, k: Int, threads: Int = WorkerPool.threadCount) -> Int {
        guard threads > 1 else { return 1 }
        let (mn, overflowMN) = m.multipliedReportingOverflow(by: n)
        let (mnk, overflow) = mn.multipliedReportingOverflow(by: k)
        return WorkerPool.partCount(work: overflowMN || overflow ? Int.max : mnk, minimumWork: parallelThreshold,
                                    units: Int.max, threads: threads)
    }

    /// Whether a product of `parts` parts is split along C's columns (else its rows): the
    /// dimension with more tiles to share out, columns on a tie when `n >= m`.
    static func splitsColumns(m: Int, n: Int, parts: Int, tileRows: Int, tileColumns: Int) -> Bool {
        let columnParts = min(parts, (n + tileColumns - 1) / tileColumns)
        let rowParts = min(parts, (m + tileRows - 1) / tileRows)
        return columnParts > rowParts || (columnParts == rowParts && n >= m)
    }

    /// Runs `body(rows, columns)` on the ``WorkerPool``'s threads for the parts an `m x n`
    /// result is cut into: along its columns (or rows, see
    /// ``splitsColumns(m:n:parts:tileRows:tileColumns:)``) at multiples of the tile width
    /// (height) by ``WorkerPool/range(ofPart:parts:count:alignment:)``, into `parts` parts or,
    /// for a row split with `rowsPerPart`, into parts of about that many rows (at least
    /// `parts`), which the threads claim as they get free. Empty parts are skipped.
    static func forEachPart(
        m: Int, n: Int, parts requestedParts: Int, tileRows: Int, tileColumns: Int, rowsPerPart: Int? = nil,
        _ body: (_ rows: Range<Int>, _ columns: Range<Int>) -> Void
    ) {
        let splitsColumns = splitsColumns(m: m, n: n, parts: requestedParts, tileRows: tileRows, tileColumns: tileColumns)
        let extent = splitsColumns ? n : m, tile = splitsColumns ? tileColumns : tileRows
        var pieces = requestedParts
        if !splitsColumns, let rowsPerPart { pieces = max(pieces, (m + rowsPerPart - 1) / rowsPerPart) }
        let parts = max(1, min(pieces, (extent + tile - 1) / tile))
        WorkerPool.run(parts: parts) { part in
            let range = WorkerPool.range(ofPart: part, parts: parts, count: extent, alignment: tile)
            guard !range.isEmpty else { return }
            if splitsColumns { body(0..<m, range) } else { body(range, 0..<n) }
        }
    }

    /// `C = (accumulate ? C : 0) + op(A)·op(B)` computed as `parts` independent parts of `C`
    /// (``forEachPart(m:n:parts:tileRows:tileColumns:rowsPerPart:_:)``, one part per thread).
    /// The depth blocking depends on `k` only and each micro-kernel lane sums over `k` in
    /// order, so every element of C is the same sum in the same order as on one thread:
    /// the result is bit-identical to ``multiply(m:n:k:a:lda:transposeA:b:ldb:transposeB:c:ldc:accumulate:kernel:packing:)``
    /// for every `parts`.
    static func multiplyInParallel(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        accumulate: Bool, kernel: Kernel, tileRows: Int, tileColumns: Int, parts requestedParts: Int
    ) {
        forEachPart(m: m, n: n, parts: requestedParts, tileRows: tileRows, tileColumns: tileColumns) { rows, columns in
            // Rows `rows` of op(A) and C, columns `columns` of op(B) and C.
            let aPart = transposeA ? a + rows.lowerBound : a + rows.lowerBound &* lda
            let bPart = transposeB ? b + columns.lowerBound &* ldb : b + columns.lowerBound
            multiply(m: rows.count, n: columns.count, k: k, a: aPart, lda: lda, transposeA: transposeA,
                     b: bPart, ldb: ldb, transposeB: transposeB, c: c + (rows.lowerBound &* ldc &+ columns.lowerBound), ldc: ldc,
                     accumulate: accumulate, kernel: kernel, packing: .automatic)
        }
    }
}
