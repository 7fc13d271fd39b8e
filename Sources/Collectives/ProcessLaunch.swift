#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// How this process was started: on its own, or as one rank of an `mpirun` job.
///
/// Open MPI's launcher sets `OMPI_COMM_WORLD_RANK` and `OMPI_COMM_WORLD_SIZE` in every
/// process it starts (Slurm's `srun --mpi=pmix` sets `PMIX_RANK`); only then is MPI's
/// library opened (``OpenMPILibrary``) and initialised. A process started any other way
/// never touches MPI, so the package builds, tests and runs on machines without it. A
/// process started by MPICH's or Intel MPI's launcher (Hydra, which sets `PMI_SIZE`) is
/// refused rather than run as N independent copies writing the same files.
public enum ProcessLaunch {
    /// The rank and size `mpirun` announced in the environment, or nil when this process
    /// was not started by Open MPI's `mpirun`. Read without initialising MPI.
    public static var announcedRank: (rank: Int, size: Int)? {
        guard let rankText = getenv("OMPI_COMM_WORLD_RANK"), let sizeText = getenv("OMPI_COMM_WORLD_SIZE"),
              let rank = Int(String(cString: rankText)), let size = Int(String(cString: sizeText)), size >= 1,
              (0..<size).contains(rank) else { return nil }
        return (rank, size)
    }

    private static let launched = Mutex<MPIProcessGroup?>(nil)

    /// The group this process belongs to: an ``MPIProcessGroup`` (MPI initialised on the
    /// first call, the same group on later calls) when started by `mpirun`, else a
    /// ``SingleProcessGroup``.
    public static func processGroup() throws(CollectivesError) -> any ProcessGroup {
        guard announcedRank != nil || getenv("PMIX_RANK") != nil else {
            if let sizeText = getenv("PMI_SIZE"), let size = Int(String(cString: sizeText)), size > 1 {
                throw .unsupportedLauncher(variable: "PMI_SIZE")
            }
            return SingleProcessGroup()
        }
        let result: Result<MPIProcessGroup, CollectivesError> = launched.withLock { group in
            if let group { return .success(group) }
            do throws(CollectivesError) {
                let made = try MPIProcessGroup(library: OpenMPILibrary())
                group = made
                return .success(made)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Finalises MPI when it was initialised (call once, after a successful run).
    public static func finish() {
        launched.withLock { $0?.finish() }
    }

    /// After an error on this rank: ends the whole job with `exitCode` when MPI was
    /// initialised with more than one rank (so that no rank waits forever for this one);
    /// returns otherwise.
    public static func abortJobIfDistributed(exitCode: Int32) {
        let group = launched.withLock { $0 }
        guard let group, group.size > 1 else { return }
        group.abort(exitCode: exitCode)
    }
}
