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

    /// `C = (accumulate ? C : 0) + op(A)·op(B)` computed as `parts` independent parts of `C`
    /// on the ``WorkerPool``'s threads: C's columns (or rows, see
    /// ``splitsColumns(m:n:parts:tileRows:tileColumns:)``) are cut at multiples of the
    /// micro-kernel's tile width (height) by ``WorkerPool/range(ofPart:parts:count:alignment:)``.
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
        let splitsColumns = splitsColumns(m: m, n: n, parts: requestedParts, tileRows: tileRows, tileColumns: tileColumns)
        let extent = splitsColumns ? n : m, tile = splitsColumns ? tileColumns : tileRows
        let parts = max(1, min(requestedParts, (extent + tile - 1) / tile))
        // The parts write disjoint parts of C and only read A and B; the addresses cross
        // to the worker threads as integers (raw pointers are not Sendable).
        let addresses = (a: UInt(bitPattern: a), b: UInt(bitPattern: b), c: UInt(bitPattern: c))
        WorkerPool.run(parts: parts) { part in
            guard let a = UnsafePointer<Float>(bitPattern: addresses.a), let b = UnsafePointer<Float>(bitPattern: addresses.b),
                  let c = UnsafeMutablePointer<Float>(bitPattern: addresses.c) else { return }
            let range = WorkerPool.range(ofPart: part, parts: parts, count: extent, alignment: tile)
            let start = range.lowerBound, count = range.count
            guard count > 0 else { return }
            if splitsColumns {
                // Columns start..<start+count of op(B) and C.
                let bPart = transposeB ? b + start &* ldb : b + start
                multiply(m: m, n: count, k: k, a: a, lda: lda, transposeA: transposeA,
                         b: bPart, ldb: ldb, transposeB: transposeB, c: c + start, ldc: ldc,
                         accumulate: accumulate, kernel: kernel, packing: .automatic)
            } else {
                // Rows start..<start+count of op(A) and C.
                let aPart = transposeA ? a + start : a + start &* lda
                multiply(m: count, n: n, k: k, a: aPart, lda: lda, transposeA: transposeA,
                         b: b, ldb: ldb, transposeB: transposeB, c: c + start &* ldc, ldc: ldc,
                         accumulate: accumulate, kernel: kernel, packing: .automatic)
            }
        }
    }
}
