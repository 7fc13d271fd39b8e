import Collectives
import Foundation

/// `size` ranks as threads of this process, for testing data-parallel code without MPI:
/// every collective waits until all ranks have called it, then each rank receives the
/// element-wise sum over the ranks in rank order (`((v₀ + v₁) + v₂) …`, in the buffer's type).
final class ThreadedProcessGroup: ProcessGroup, @unchecked Sendable {
    let rank: Int
    var size: Int { exchange.size }
    private let exchange: Exchange

    private init(rank: Int, exchange: Exchange) {
        self.rank = rank
        self.exchange = exchange
    }

    /// The groups of ranks `0..<size`, sharing one exchange.
    static func ranks(_ size: Int) -> [ThreadedProcessGroup] {
        let exchange = Exchange(size: size)
        return (0..<size).map { ThreadedProcessGroup(rank: $0, exchange: exchange) }
    }

    /// Runs `body(group)` for every rank, each on its own thread, and returns their results by rank.
    static func run<Value>(ranks size: Int, _ body: @escaping @Sendable (ThreadedProcessGroup) throws -> Value) throws -> [Value] {
        let groups = ranks(size)
        let results = ResultSlots<Value>(count: size)
        let done = DispatchSemaphore(value: 0)
        for group in groups {
            let thread = Thread {
                results.set(group.rank, Result<Value, any Error> { try body(group) })
                done.signal()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        for _ in groups { done.wait() }
        return try results.values.map { try $0!.get() }
    }

    func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws(CollectivesError) {
        sumOverRanks(values)
    }

    func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws(CollectivesError) {
        sumOverRanks(values)
    }

    /// Replaces `values` by their element-wise sum over the ranks, added in rank order.
    private func sumOverRanks<Element: AdditiveArithmetic>(_ values: UnsafeMutableBufferPointer<Element>) {
        let all = exchange.gather(Array(values), rank: rank)
        for index in values.indices {
            var sum = all[0][index]
            for other in all.dropFirst() { sum += other[index] }
            values[index] = sum
        }
    }

    func allGather(_ values: [UInt64]) throws(CollectivesError) -> [[UInt64]] {
        exchange.gather(values, rank: rank)
    }

    /// Where the ranks meet: a generation counter under one condition variable.
    private final class Exchange: @unchecked Sendable {
        let size: Int
        private let condition = NSCondition()
        private var contributions: [Any?]
        private var arrived = 0
        private var generation = 0
        private var published: [Any] = []

        init(size: Int) {
            self.size = size
            contributions = Array(repeating: nil, count: size)
        }

        /// Every rank's `values`, by rank, once all ranks have called.
        func gather<Element>(_ values: [Element], rank: Int) -> [[Element]] {
            condition.lock()
            defer { condition.unlock() }
            let myGeneration = generation
            contributions[rank] = values
            arrived += 1
            if arrived == size {
                published = contributions.map { $0! }
                contributions = Array(repeating: nil, count: size)
                arrived = 0
                generation += 1
                condition.broadcast()
            } else {
                while generation == myGeneration { condition.wait() }
            }
            return published.map { $0 as! [Element] }
        }
    }
}

/// One result slot per rank, written by the rank's thread.
private final class ResultSlots<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Result<Value, any Error>?]

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<Value, any Error>) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }
}
