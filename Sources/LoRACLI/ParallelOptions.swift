import ArgumentParser
import TensorCore

/// How many threads the computation uses, spelled the same in every subcommand that
/// computes. Applied to the ``WorkerPool`` when the arguments are validated; results are
/// bit-identical for every value.
struct ParallelOptions: ParsableArguments {
    @Option(name: .long, help: "Threads for products, updates and evaluation (default: the cores this process may use, \(WorkerPool.availableCores) here). Results do not depend on it.")
    var threads: Int?

    @Option(name: .long, help: ArgumentHelp(
        "Microseconds an idle worker thread spins before it sleeps (default 1000; 0: never spin, for several processes sharing the cores).",
        valueName: "microseconds"))
    var spinWait: Int?

    func validate() throws {
        if let threads {
            guard (1...WorkerPool.maximumThreadCount).contains(threads) else {
                throw ValidationError("--threads must be between 1 and \(WorkerPool.maximumThreadCount), got \(threads).")
            }
        }
        if let spinWait {
            guard (0...WorkerPool.maximumSpinWaitMicroseconds).contains(spinWait) else {
                throw ValidationError("--spin-wait must be between 0 and \(WorkerPool.maximumSpinWaitMicroseconds) microseconds, got \(spinWait).")
            }
        }
        if let threads { try WorkerPool.setThreadCount(threads) }
        if let spinWait { try WorkerPool.setSpinWait(microseconds: spinWait) }
    }
}
