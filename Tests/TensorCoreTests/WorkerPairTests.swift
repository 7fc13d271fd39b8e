import Dispatch
import Synchronization
import Testing
import TensorCore

/// The two-thread job runner: each part runs exactly once, nested and concurrent callers
/// finish (a busy worker makes the caller run both halves), and `splitting` covers a range
/// exactly once at aligned boundaries.
@Suite("Worker pair")
struct WorkerPairTests {
    @Test func bothPartsRunOnce() {
        for _ in 0..<1_000 {
            var counts = [0, 0]
            counts.withUnsafeMutableBufferPointer { slots in
                WorkerPair.run { part in slots[part] += 1 }
            }
            #expect(counts == [1, 1])
        }
    }

    @Test func aNestedCallRunsBothOfItsParts() {
        var counts = [Int](repeating: 0, count: 4)
        counts.withUnsafeMutableBufferPointer { slots in
            WorkerPair.run { outer in
                WorkerPair.run { inner in slots[2 * outer + inner] += 1 }
            }
        }
        #expect(counts == [1, 1, 1, 1])
    }

    @Test func concurrentCallersAllFinish() {
        let total = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<500 {
                WorkerPair.run { _ in total.add(1, ordering: .relaxed) }
            }
        }
        #expect(total.load(ordering: .relaxed) == 8 * 500 * 2)
    }

    @Test(arguments: [0, 1, 31, 32, 33, 1_000, 16_384, 40_003])
    func splittingCoversTheRangeOnce(count: Int) {
        var seen = [UInt8](repeating: 0, count: count)
        // Each part writes its own slot: the first range starts at 0, the second after it.
        var lowerBounds = [-1, -1]
        seen.withUnsafeMutableBufferPointer { slots in
            lowerBounds.withUnsafeMutableBufferPointer { bounds in
                WorkerPair.splitting(count, minimumCount: 64, alignment: 16) { range in
                    for index in range { slots[index] += 1 }
                    bounds[range.lowerBound == 0 ? 0 : 1] = range.lowerBound
                }
            }
        }
        #expect(seen.allSatisfy { $0 == 1 })
        let splits = count >= 64 && WorkerPair.hasSeveralCores
        #expect(lowerBounds[0] == 0)
        #expect(splits ? lowerBounds[1] > 0 && lowerBounds[1] % 16 == 0 : lowerBounds[1] == -1)
    }
}
