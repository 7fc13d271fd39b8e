/// The group of a process started on its own (without `mpirun`): rank 0 of 1. Its
/// collectives leave their input as it is, so a training loop written for a group runs
/// unchanged, bit for bit, on one process.
public final class SingleProcessGroup: ProcessGroup {
    public init() {}

    public var rank: Int { 0 }
    public var size: Int { 1 }

    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws(CollectivesError) {}
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws(CollectivesError) {}
    public func allGather(_ values: [UInt64]) throws(CollectivesError) -> [[UInt64]] { [values] }
}
