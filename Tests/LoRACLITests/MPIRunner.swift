#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Runs the built `lora` executable under Open MPI's `mpirun`, as a user would:
/// `mpirun --oversubscribe -np N lora …` (plus `--allow-run-as-root` when the tests run as
/// root, as in CI). The data-parallel tests skip when no `mpirun` is on the PATH.
enum MPIRunner {
    /// The `mpirun` found on the PATH, or nil.
    static let path: String? = {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return directories.map { $0 + "/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static var isAvailable: Bool { path != nil }

    /// The launcher's own options: several ranks on a machine with fewer cores, root allowed.
    static var launcherOptions: [String] {
        (getuid() == 0 ? ["--allow-run-as-root"] : []) + ["--oversubscribe"]
    }

    /// `mpirun -np ranks lora arguments…` to completion.
    static func run(ranks: Int, _ arguments: [String], in directory: String? = nil) throws -> CommandResult {
        try runApplications(launcherOptions + ["-np", String(ranks), LoRAExecutable.path] + arguments, in: directory).result
    }

    /// Two ranks running the same `command` (executable and arguments), rank 0 in `first` and
    /// rank 1 in `second` as working directories (`mpirun -np 1 -wdir first command : -np 1 -wdir
    /// second command`); see ``runApplications(_:in:timeout:whileRunning:)``.
    static func runInTwoDirectories(_ command: [String], _ first: String, _ second: String,
                                    timeout: Double) throws -> (result: CommandResult, seconds: Double) {
        try runApplications(launcherOptions + ["-np", "1", "-wdir", first] + command + [":", "-np", "1", "-wdir", second] + command,
                            timeout: timeout)
    }

    /// `mpirun mpirunArguments…`, which may start several application contexts (`A : B`),
    /// to completion or until `timeout` seconds have passed (then it is killed, and the
    /// result's exit code is that of the kill). `whileRunning` is called every 0.2 s with
    /// the seconds elapsed; it returns false to stop being called. Also returns the seconds
    /// the job took.
    static func runApplications(_ mpirunArguments: [String], in directory: String? = nil, timeout: Double = 600,
                                whileRunning: ((Double) -> Bool)? = nil) throws -> (result: CommandResult, seconds: Double) {
        try ChildProcess.run(executable: path ?? "mpirun", arguments: mpirunArguments, in: directory, timeout: timeout,
                             whileRunning: whileRunning)
    }

    /// The process ids of the processes running the built `lora` that Open MPI started as
    /// rank `rank` (`OMPI_COMM_WORLD_RANK` in their environment), read from `/proc`.
    static func processIdentifiers(ofRank rank: Int) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        let executable = (LoRAExecutable.path as NSString).resolvingSymlinksInPath
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"),
                  (target as NSString).resolvingSymlinksInPath == executable,
                  let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return environment.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == "OMPI_COMM_WORLD_RANK=\(rank)" }
        }
    }
}
