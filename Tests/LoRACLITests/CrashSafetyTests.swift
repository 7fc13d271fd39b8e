#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Adapters
import Foundation
import SafeTensors
import Testing
import TensorCore

/// Kills training processes with SIGKILL at random moments, many times, and checks that
/// every file they leave behind loads completely or is absent, and that `--resume`
/// always continues from the last complete checkpoint.
@Suite("Crash safety under SIGKILL", .serialized)
struct CrashSafetyTests {
    /// Starts `lora arguments…`, kills it after `delay` seconds (if still running), waits.
    func runAndKill(_ arguments: [String], after delay: Double) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: LoRAExecutable.path)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(UInt32(delay * 1_000_000))
        let wasRunning = process.isRunning
        if wasRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return wasRunning
    }

    /// The epoch of the checkpoint in `directory`, after reading every tensor of it;
    /// nil when there is none. A file that exists but does not load fails the test.
    func loadCheckpointEpoch(_ directory: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int? {
        let path = directory + "/checkpoint.safetensors"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let file = try SafeTensorsFile(path: path)
        for name in file.names { _ = try file.floats(named: name) }
        return Int(file.metadata["epoch"] ?? "")
    }

    @Test func checkpointsSurviveKillsAndResumeContinuesFromTheLastCompleteOne() throws {
        let scratch = try ScratchDirectory()
        let checkpoints = scratch.file("checkpoints")
        let common = ["train", "--layers", "784,64,10", "--batch-size", "400", "--output", scratch.file("model.safetensors"), "--quiet"]
        // Kill times are drawn relative to the time of a whole one-epoch run on this machine.
        let start = Date()
        #expect(try LoRAExecutable.run(common + ["--epochs", "1"]).exitCode == 0)
        let oneEpochRun = Date().timeIntervalSince(start)
        let arguments = common + ["--checkpoint-dir", checkpoints, "--resume", "--epochs", "1000"]
        var generator = RandomGenerator(seed: 42)
        var lastEpoch = 0, kills = 0
        for _ in 0..<12 {
            if try runAndKill(arguments, after: oneEpochRun * (0.5 + 2.5 * Double(generator.nextUnitFloat()))) { kills += 1 }
            let epoch = try loadCheckpointEpoch(checkpoints) ?? 0
            #expect(epoch >= lastEpoch, "a resumed run went back from epoch \(lastEpoch) to \(epoch)")
            lastEpoch = epoch
        }
        #expect(kills >= 10)
        #expect(lastEpoch >= 1, "no checkpoint was completed in 12 runs")

        // A run to the end resumes exactly after the last complete checkpoint and leaves no temporary files.
        let final = try LoRAExecutable.run(common + ["--checkpoint-dir", checkpoints, "--resume", "--epochs", String(lastEpoch + 1),
                                                     "--json", scratch.file("final.json")])
        #expect(final.exitCode == 0, "\(final.standardError)")
        let epochs = try scratch.json("final.json")["epochs"] as? [[String: Any]] ?? []
        #expect(epochs.compactMap { $0["epoch"] as? Int } == [lastEpoch + 1])
        #expect(try loadCheckpointEpoch(checkpoints) == lastEpoch + 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: checkpoints) == ["checkpoint.safetensors"])
        _ = try SafeTensorsFile(path: scratch.file("model.safetensors"))
    }

    @Test func adapterDirectoriesSurviveKills() throws {
        let scratch = try ScratchDirectory()
        let model = scratch.file("model.safetensors")
        #expect(try LoRAExecutable.run(["train", "--layers", "784,64,10", "--epochs", "1", "--output", model, "--quiet"]).exitCode == 0)
        let start = Date()
        #expect(try LoRAExecutable.run(["finetune", "--method", "lora", "--model", model, "--epochs", "1", "--output", scratch.file("timing"),
                                        "--quiet"]).exitCode == 0)
        let oneEpochRun = Date().timeIntervalSince(start)
        var generator = RandomGenerator(seed: 7)
        for trial in 0..<8 {
            let adapter = scratch.file("adapter")
            _ = try runAndKill(["finetune", "--method", trial.isMultiple(of: 2) ? "dora" : "lora", "--model", model, "--epochs", "1",
                                "--output", adapter, "--quiet"], after: oneEpochRun * (0.3 + 0.9 * Double(generator.nextUnitFloat())))
            for name in ["adapter_config.json", "adapter_model.safetensors"] where FileManager.default.fileExists(atPath: adapter + "/" + name) {
                if name.hasSuffix(".json") {
                    _ = try PEFTAdapterDirectory.readConfiguration(from: adapter)
                } else {
                    let file = try SafeTensorsFile(path: adapter + "/" + name)
                    for tensor in file.names { _ = try file.floats(named: tensor) }
                }
            }
        }
    }
}
