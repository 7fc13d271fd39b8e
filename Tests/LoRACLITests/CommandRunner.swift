#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Runs the built `lora` executable and captures what it prints.
struct CommandResult {
    let exitCode: Int32
    let standardOutput: String
    let standardError: String
}

enum LoRAExecutable {
    /// The `lora` binary built beside the test bundle.
    static var path: String {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return directory.appendingPathComponent("lora").path
    }

    /// Runs `lora arguments…` to completion, with `extraEnvironment` added to this process's environment and
    /// `input` on its standard input when given.
    static func run(_ arguments: [String], in directory: String? = nil, extraEnvironment: [String: String] = [:],
                    input: String? = nil) throws -> CommandResult {
        try ChildProcess.run(executable: path, arguments: arguments, in: directory, extraEnvironment: extraEnvironment,
                             input: input).result
    }
}

/// Runs a program to completion (or until a timeout) and captures what it prints: the one
/// place the CLI tests start processes (`lora` itself, and `mpirun` for the data-parallel tests).
enum ChildProcess {
    /// Runs `executable arguments…` in `directory`, with `extraEnvironment` added to this process's
    /// environment and `input` on its standard input when given, until it exits or `timeout`
    /// seconds have passed (then it is terminated, and the result's exit code is that of the
    /// termination). `whileRunning` is called every 0.2 s with the seconds elapsed; it returns
    /// false to stop being called. Also returns the seconds the program took.
    static func run(executable: String, arguments: [String], in directory: String? = nil,
                    extraEnvironment: [String: String] = [:], input: String? = nil, timeout: Double? = nil,
                    whileRunning: ((Double) -> Bool)? = nil) throws -> (result: CommandResult, seconds: Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let input {
            let inputPath = NSTemporaryDirectory() + "lora-input-" + UUID().uuidString
            try input.write(toFile: inputPath, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: inputPath) }
            process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inputPath))
        }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if !extraEnvironment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(extraEnvironment) { $1 }
        }
        // Output goes to files, so that a chatty child can never block on a full pipe.
        let base = NSTemporaryDirectory() + "lora-run-" + UUID().uuidString
        let outputPath = base + ".out", errorPath = base + ".err"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: outputPath)
            try? FileManager.default.removeItem(atPath: errorPath)
        }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        let error = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        process.standardOutput = output
        process.standardError = error
        let start = Date()
        try process.run()
        if timeout != nil || whileRunning != nil {
            var watching = whileRunning != nil
            while process.isRunning {
                let elapsed = Date().timeIntervalSince(start)
                if let timeout, elapsed > timeout {
                    process.terminate()
                    break
                }
                if watching, let whileRunning { watching = whileRunning(elapsed) }
                usleep(200_000)
            }
        }
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        try output.close()
        try error.close()
        let outputData = try Data(contentsOf: URL(fileURLWithPath: outputPath))
        let errorData = try Data(contentsOf: URL(fileURLWithPath: errorPath))
        let result = CommandResult(exitCode: process.terminationStatus,
                                   standardOutput: String(decoding: outputData, as: UTF8.self),
                                   standardError: String(decoding: errorData, as: UTF8.self))
        return (result, seconds)
    }
}

/// A fresh temporary directory, removed when released.
final class ScratchDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "lora-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: file(name)))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }
}
