#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Open MPI's C library, opened at run time with `dlopen` (nothing links MPI at build time).
///
/// The functions are looked up by their C names (`MPI_Allreduce`, …). Open MPI's handles
/// are the addresses of global objects: `MPI_COMM_WORLD` is `&ompi_mpi_comm_world`,
/// `MPI_FLOAT` is `&ompi_mpi_float`, `MPI_SUM` is `&ompi_mpi_op_sum`, so `dlsym` of those
/// names gives the handles themselves; `MPI_IN_PLACE` is `(void *) 1`. This is Open MPI's
/// ABI (stable since 1.x); MPICH numbers its handles instead and is not supported.
final class OpenMPILibrary {
    typealias Handle = UnsafeMutableRawPointer
    typealias Initialize = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Int32
    typealias IntQuery = @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
    typealias CommunicatorQuery = @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
    typealias NoArguments = @convention(c) () -> Int32
    typealias AllReduce = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, Handle, Handle, Handle) -> Int32
    typealias AllGather = @convention(c) (UnsafeRawPointer?, Int32, Handle, UnsafeMutableRawPointer?, Int32, Handle, Handle) -> Int32
    typealias Abort = @convention(c) (Handle, Int32) -> Int32

    /// The file names tried, in order (the Debian/Ubuntu run-time library first).
    static let candidateNames = ["libmpi.so.40", "libmpi.so", "libmpi.dylib"]

    let name: String
    let initialize: Initialize
    let isInitialized: IntQuery
    let isFinalized: IntQuery
    let finalize: NoArguments
    let commRank: CommunicatorQuery
    let commSize: CommunicatorQuery
    let allReduce: AllReduce
    let allGather: AllGather
    let abort: Abort
    let commWorld: Handle
    let float: Handle
    let double: Handle
    let uint64: Handle
    let sum: Handle
    /// `MPI_IN_PLACE`.
    let inPlace = UnsafeRawPointer(bitPattern: 1)

    /// Opens the first of ``candidateNames`` that loads, with `RTLD_GLOBAL` (Open MPI's
    /// plug-ins resolve their symbols against it).
    init() throws(CollectivesError) {
        var reasons: [String] = []
        var opened: (UnsafeMutableRawPointer, String)?
        for candidate in Self.candidateNames {
            if let library = dlopen(candidate, RTLD_NOW | RTLD_GLOBAL) {
                opened = (library, candidate)
                break
            }
            if let message = dlerror() { reasons.append(String(cString: message)) }
        }
        guard let (library, name) = opened else {
            throw .libraryUnavailable(tried: Self.candidateNames, reason: reasons.last ?? "not found")
        }
        self.name = name
        func symbol(_ symbolName: String) throws(CollectivesError) -> UnsafeMutableRawPointer {
            guard let address = dlsym(library, symbolName) else { throw .symbolMissing(library: name, symbol: symbolName) }
            return address
        }
        initialize = unsafeBitCast(try symbol("MPI_Init"), to: Initialize.self)
        isInitialized = unsafeBitCast(try symbol("MPI_Initialized"), to: IntQuery.self)
        isFinalized = unsafeBitCast(try symbol("MPI_Finalized"), to: IntQuery.self)
        finalize = unsafeBitCast(try symbol("MPI_Finalize"), to: NoArguments.self)
        commRank = unsafeBitCast(try symbol("MPI_Comm_rank"), to: CommunicatorQuery.self)
        commSize = unsafeBitCast(try symbol("MPI_Comm_size"), to: CommunicatorQuery.self)
        allReduce = unsafeBitCast(try symbol("MPI_Allreduce"), to: AllReduce.self)
        allGather = unsafeBitCast(try symbol("MPI_Allgather"), to: AllGather.self)
        abort = unsafeBitCast(try symbol("MPI_Abort"), to: Abort.self)
        commWorld = try symbol("ompi_mpi_comm_world")
        float = try symbol("ompi_mpi_float")
        double = try symbol("ompi_mpi_double")
        uint64 = try symbol("ompi_mpi_uint64_t")
        sum = try symbol("ompi_mpi_op_sum")
    }

    /// Throws unless `code` is `MPI_SUCCESS` (0).
    func check(_ code: Int32, _ function: String) throws(CollectivesError) {
        guard code == 0 else { throw .callFailed(function: function, code: code) }
    }
}
