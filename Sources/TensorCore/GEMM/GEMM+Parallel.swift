import Dispatch
import Foundation

extension GEMM {
    /// Products with at least this many multiply-adds (`m·n·k`) are split across two
    /// threads (``WorkerPair``). With a sleeping worker (`DispatchQueue.concurrentPerform`)
    /// splitting the MLP's 6.4 M products made the epoch slower; with the spinning worker
    /// 1 M was the best of 0.2 M, 1 M, 3 M and 4 M (base epoch 0.43, 0.43, 0.41–0.47, 0.47 s
    /// at the time).
    static let parallelThreshold = 1_000_000

    /// The number of threads a product is split across: 2 on a machine with two or more
    /// cores and a product above ``parallelThreshold``, else 1.
    static func threadCount(m: Int, n: Int, k: Int) -> Int {
        guard WorkerPair.hasSeveralCores else { return 1 }
        let (mn, overflowMN) = m.multipliedReportingOverflow(by: n)
        let (mnk, overflow) = mn.multipliedReportingOverflow(by: k)
        return overflowMN || overflow || mnk >= parallelThreshold ? 2 : 1
    }

    /// `C = (accumulate ? C : 0) + op(A)·op(B)` computed as two independent halves of `C`
    /// on two threads: the columns are split at a multiple of the micro-kernel's tile width
    /// when there are enough of them, else the rows at a multiple of its tile height. Every
    /// element of `C` is the same sum in the same order as on one thread, so the result is
    /// bit-identical to ``multiply(m:n:k:a:lda:transposeA:b:ldb:transposeB:c:ldc:accumulate:kernel:threading:)``
    /// run on one thread.
    static func multiplyInParallel(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        accumulate: Bool, kernel: Kernel, tileRows: Int, tileColumns: Int
    ) {
        let splitsColumns = n >= 2 * tileColumns && (n >= m || m < 2 * tileRows)
        let extent = splitsColumns ? n : m, tile = splitsColumns ? tileColumns : tileRows
        // The multiple of the tile nearest to half (784 columns: 384 + 400, not 416 + 368).
        let firstPart = min(extent, max(tile, ((extent / 2 + tile / 2) / tile) * tile))
        // The halves write disjoint parts of C and only read A and B; the addresses cross
        // to the worker thread as integers (raw pointers are not Sendable).
        let addresses = (a: UInt(bitPattern: a), b: UInt(bitPattern: b), c: UInt(bitPattern: c))
        WorkerPair.run { part in
            guard let a = UnsafePointer<Float>(bitPattern: addresses.a), let b = UnsafePointer<Float>(bitPattern: addresses.b),
                  let c = UnsafeMutablePointer<Float>(bitPattern: addresses.c) else { return }
            let start = part == 0 ? 0 : firstPart
            let count = part == 0 ? firstPart : extent - firstPart
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
