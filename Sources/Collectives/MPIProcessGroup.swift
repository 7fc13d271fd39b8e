#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The ranks of a job started by Open MPI's `mpirun`, over `MPI_COMM_WORLD`.
///
/// MPI is initialised when the group is made and finalised by ``finish()``; only the thread
/// that made the group calls MPI (`MPI_THREAD_SINGLE` suffices: the worker threads of the
/// tensor engine never do). Made through ``ProcessLaunch/processGroup()``, at most once
/// per process, as MPI allows. Its stored properties never change after creation (hence
/// `@unchecked Sendable`), and MPI is only called from one thread.
public final class MPIProcessGroup: ProcessGroup, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// The MPI library's file name, for messages.
    public var libraryName: String { library.name }
    private let library: OpenMPILibrary

    init(library: OpenMPILibrary) throws(CollectivesError) {
        self.library = library
        var flag: Int32 = 0
        try library.check(library.isInitialized(&flag), "MPI_Initialized")
        if flag == 0 { try library.check(library.initialize(nil, nil), "MPI_Init") }
        var value: Int32 = 0
        try library.check(library.commRank(library.commWorld, &value), "MPI_Comm_rank")
        rank = Int(value)
        try library.check(library.commSize(library.commWorld, &value), "MPI_Comm_size")
        size = Int(value)
    }

    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws(CollectivesError) {
        try allReduceSum(UnsafeMutableRawPointer(values.baseAddress), count: values.count, type: library.float)
    }

    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws(CollectivesError) {
        try allReduceSum(UnsafeMutableRawPointer(values.baseAddress), count: values.count, type: library.double)
    }

    private func allReduceSum(_ values: UnsafeMutableRawPointer?, count: Int, type: OpenMPILibrary.Handle) throws(CollectivesError) {
        guard count > 0, let values else { return }
        guard count <= Int(Int32.max) else { throw .bufferTooLarge(count: count) }
        try library.check(library.allReduce(library.inPlace, values, Int32(count), type, library.sum, library.commWorld), "MPI_Allreduce")
    }

    public func allGather(_ values: [UInt64]) throws(CollectivesError) -> [[UInt64]] {
        guard !values.isEmpty else { return Array(repeating: [], count: size) }
        guard values.count * size <= Int(Int32.max) else { throw .bufferTooLarge(count: values.count * size) }
        var gathered = [UInt64](repeating: 0, count: values.count * size)
        let code = values.withUnsafeBufferPointer { sent in
            gathered.withUnsafeMutableBufferPointer { received in
                library.allGather(sent.baseAddress, Int32(values.count), library.uint64, received.baseAddress, Int32(values.count),
                                  library.uint64, library.commWorld)
            }
        }
        try library.check(code, "MPI_Allgather")
        return (0..<size).map { Array(gathered[$0 * values.count ..< ($0 + 1) * values.count]) }
    }

    /// Ends MPI in this process (`MPI_Finalize`) after a successful run; every rank calls it.
    public func finish() {
        var flag: Int32 = 0
        _ = library.isFinalized(&flag)
        if flag == 0 { _ = library.finalize() }
    }

    /// Ends every rank of the job (`MPI_Abort` on `MPI_COMM_WORLD`) with `exitCode`: the
    /// way one failing rank stops the others instead of leaving them waiting in a collective.
    public func abort(exitCode: Int32) -> Never {
        _ = library.abort(library.commWorld, exitCode)
        exit(exitCode)  // MPI_Abort does not return; this is for the type checker.
    }
}
