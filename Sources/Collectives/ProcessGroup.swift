/// The processes of one data-parallel job and the collective operations between them.
///
/// Every process ("rank") of a job holds one group; ranks are numbered `0..<size`, and every
/// collective call must be made by every rank, in the same order, with buffers of the same
/// length (the MPI contract). A run started without `mpirun` has ``SingleProcessGroup``,
/// whose collectives return their input; ``ProcessLaunch/processGroup()`` picks the group a
/// process was launched with.
///
/// What a data-parallel training step needs is one sum over ranks of a flat buffer of
/// gradients (``allReduceSum(_:)-(UnsafeMutableBufferPointer<Float>)``); evaluation sums
/// per-batch counts in Double; the start-up check gathers every rank's fingerprint.
public protocol ProcessGroup: AnyObject {
    /// This process's index, `0..<size`. Rank 0 is the one that writes files and logs.
    var rank: Int { get }
    /// The number of processes in the job.
    var size: Int { get }

    /// Replaces `values` on every rank with their element-wise sum over all ranks
    /// (`values[i] = Σ_r values_r[i]`). Every rank receives the same bits.
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws(CollectivesError)

    /// ``allReduceSum(_:)-(UnsafeMutableBufferPointer<Float>)`` for Double values.
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws(CollectivesError)

    /// Every rank's `values` (all of the same length), indexed by rank.
    func allGather(_ values: [UInt64]) throws(CollectivesError) -> [[UInt64]]
}

extension ProcessGroup {
    /// Whether this process writes the job's files and logs (rank 0).
    public var isWriter: Bool { rank == 0 }

    /// Whether more than one process takes part (the collectives exchange data).
    public var isDistributed: Bool { size > 1 }

    /// This rank's consecutive share of `range`: `lower + ⌊count·r/N⌋ ..< lower + ⌊count·(r+1)/N⌋`
    /// for rank `r` of `N`, so the shares of all ranks cover `range` in order without overlap,
    /// differ in size by at most one, and a share is empty when `count < N`.
    public func share(of range: Range<Int>) -> Range<Int> {
        Self.share(of: range, rank: rank, size: size)
    }

    /// The share of `range` of rank `rank` in a group of `size` (see ``share(of:)``).
    public static func share(of range: Range<Int>, rank: Int, size: Int) -> Range<Int> {
        let count = range.count
        return range.lowerBound + count * rank / size ..< range.lowerBound + count * (rank + 1) / size
    }
}
