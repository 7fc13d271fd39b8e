import Dispatch
import Foundation
import Synchronization
import Testing
import TensorCore
import TestSupport

/// The pool of worker threads: each part runs exactly once for any number of parts and
/// threads, nested and concurrent callers finish (a busy pool makes the caller run its
/// parts itself), and the split helpers cover a range once at aligned, fixed boundaries.
@Suite("Worker pool")
struct WorkerPoolTests {
    @Test(arguments: [1, 2, 3, 4, 7])
    func everyPartRunsOnceWhateverTheThreadCount(threads: Int) throws {
        try ThreadCountSetting.with(threads) {
            for parts in [0, 1, 2, 3, 4, 5, 9, 64] {
                for _ in 0..<200 {
                    var counts = [Int](repeating: 0, count: parts)
                    counts.withUnsafeMutableBufferPointer { slots in
                        WorkerPool.run(parts: parts) { part in slots[part] += 1 }
                    }
                    #expect(counts == [Int](repeating: 1, count: parts), "\(parts) parts on \(threads) threads")
                }
            }
        }
    }

    @Test func aNestedCallRunsAllOfItsPartsWithoutDeadlock() throws {
        try ThreadCountSetting.with(4) {
            var counts = [Int](repeating: 0, count: 12)
            counts.withUnsafeMutableBufferPointer { slots in
                WorkerPool.run(parts: 4) { outer in
                    WorkerPool.run(parts: 3) { inner in slots[3 * outer + inner] += 1 }
                }
            }
            #expect(counts == [Int](repeating: 1, count: 12))
        }
    }

    @Test func concurrentCallersAllFinish() throws {
        try ThreadCountSetting.with(3) {
            let total = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                for _ in 0..<500 {
                    WorkerPool.run(parts: 3) { _ in total.add(1, ordering: .relaxed) }
                }
            }
            #expect(total.load(ordering: .relaxed) == 8 * 500 * 3)
        }
    }

    /// A job of more parts than threads on more threads than cores (workers never spin):
    /// it still finishes, with every part run once.
    @Test func anOversubscribedPoolFinishesEveryJob() throws {
        try ThreadCountSetting.with(WorkerPool.availableCores + 2) {
            #expect(!WorkerPool.workersSpin)
            let total = Atomic<Int>(0)
            for _ in 0..<300 {
                WorkerPool.run(parts: WorkerPool.threadCount + 1) { _ in total.add(1, ordering: .relaxed) }
            }
            #expect(total.load(ordering: .relaxed) == 300 * (WorkerPool.availableCores + 3))
        }
    }

    @Test func theDefaultThreadCountIsTheCoresInTheAffinityMask() {
        #expect(WorkerPool.availableCores >= 1)
        #expect(WorkerPool.availableCores <= ProcessInfo.processInfo.processorCount)
    }

    @Test func invalidSettingsAreRejected() {
        for count in [0, -3, WorkerPool.maximumThreadCount + 1] {
            #expect(throws: WorkerPoolError.invalidThreadCount(count)) { try WorkerPool.setThreadCount(count) }
        }
        #expect(throws: WorkerPoolError.invalidSpinWait(-1)) { try WorkerPool.setSpinWait(microseconds: -1) }
        #expect(WorkerPoolError.invalidThreadCount(0).description
                    == "The thread count must be between 1 and \(WorkerPool.maximumThreadCount), got 0.")
    }

    @Test func theSpinWaitCanBeSetAndTurnedOff() throws {
        let previous = WorkerPool.spinWaitMicroseconds
        defer { try? WorkerPool.setSpinWait(microseconds: previous) }
        try WorkerPool.setSpinWait(microseconds: 0)
        #expect(WorkerPool.spinWaitMicroseconds == 0)
        #expect(!WorkerPool.workersSpin)
        var counts = [0, 0, 0]
        counts.withUnsafeMutableBufferPointer { slots in WorkerPool.run(parts: 3) { slots[$0] += 1 } }
        #expect(counts == [1, 1, 1])
        try WorkerPool.setSpinWait(microseconds: 250)
        #expect(WorkerPool.spinWaitMicroseconds == 250)
    }

    /// The ranges of every part, concatenated, are `0..<count`; inner bounds are multiples of
    /// the alignment; sizes differ by at most one piece of `alignment` elements.
    @Test(arguments: [0, 1, 15, 16, 17, 100, 784, 1_000, 16_384])
    func partRangesCoverTheCountInOrderAtAlignedBounds(count: Int) {
        for alignment in [1, 4, 16, 32] {
            for parts in 1...9 {
                let ranges = (0..<parts).map { WorkerPool.range(ofPart: $0, parts: parts, count: count, alignment: alignment) }
                #expect(ranges.first?.lowerBound == 0)
                #expect(ranges.last?.upperBound == count)
                for (previous, next) in zip(ranges, ranges.dropFirst()) { #expect(previous.upperBound == next.lowerBound) }
                for range in ranges.dropFirst() { #expect(range.lowerBound % alignment == 0 || range.lowerBound == count) }
                let pieces = ranges.map { ($0.count + alignment - 1) / alignment }
                #expect((pieces.max() ?? 0) - (pieces.min() ?? 0) <= 1, "\(count) in \(parts) parts of \(alignment)")
            }
        }
        // The MLP's 784 columns in two parts of whole 32-column tiles: 384 + 400.
        #expect(WorkerPool.range(ofPart: 0, parts: 2, count: 784, alignment: 32) == 0..<384)
    }

    @Test func thePartCountFollowsTheWorkTheUnitsAndTheThreads() {
        #expect(WorkerPool.partCount(work: 999, minimumWork: 1_000, units: 100, threads: 8) == 1)
        #expect(WorkerPool.partCount(work: 1_000, minimumWork: 1_000, units: 100, threads: 8) == 2)
        #expect(WorkerPool.partCount(work: 1_600, minimumWork: 1_000, units: 100, threads: 8) == 3)
        #expect(WorkerPool.partCount(work: 100_000, minimumWork: 1_000, units: 100, threads: 8) == 8)
        #expect(WorkerPool.partCount(work: 100_000, minimumWork: 1_000, units: 5, threads: 8) == 5)
        #expect(WorkerPool.partCount(work: 100_000, minimumWork: 1_000, units: 100, threads: 1) == 1)
        #expect(WorkerPool.partCount(work: Int.max, minimumWork: 1_000, units: Int.max, threads: 16) == 16)
    }

    @Test(arguments: [0, 1, 31, 32, 33, 1_000, 16_384, 40_003])
    func splittingCoversTheRangeOnce(count: Int) throws {
        for threads in [1, 2, 3, 4] {
            try ThreadCountSetting.with(threads) {
                var seen = [UInt8](repeating: 0, count: count)
                // Each part marks where it starts (distinct for non-empty parts).
                var starts = [UInt8](repeating: 0, count: count + 1)
                seen.withUnsafeMutableBufferPointer { slots in
                    starts.withUnsafeMutableBufferPointer { startSlots in
                        WorkerPool.splitting(count, minimumCount: 64, alignment: 16) { range in
                            for index in range { slots[index] += 1 }
                            startSlots[range.lowerBound] += 1
                        }
                    }
                }
                #expect(seen.allSatisfy { $0 == 1 })
                let bounds = starts.indices.filter { starts[$0] > 0 }
                let expectedParts = WorkerPool.partCount(work: count, minimumWork: 64, units: (count + 15) / 16, threads: threads)
                #expect(bounds.count == expectedParts)
                #expect(bounds.allSatisfy { $0 % 16 == 0 })
            }
        }
    }
}
