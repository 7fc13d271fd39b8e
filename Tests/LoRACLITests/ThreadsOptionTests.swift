import Foundation
import Testing

/// `--threads` and `--spin-wait` on every subcommand that computes: validated with a clear
/// error, and the trained model is the same file whatever the thread count.
@Suite("lora --threads and --spin-wait", .serialized)
struct ThreadsOptionTests {
    static let computingSubcommands: [[String]] = [
        ["train"], ["finetune", "--method", "lora", "--model", "/dev/null"], ["experiment"], ["evaluate", "--model", "/dev/null"],
        ["merge", "--model", "/dev/null", "--adapter", "/dev/null"], ["predict", "--model", "/dev/null"],
    ]

    func firstErrorLine(_ arguments: [String]) throws -> String {
        let result = try LoRAExecutable.run(arguments)
        #expect(result.exitCode != 0, "lora \(arguments) should fail")
        return result.standardError.split(separator: "\n").first.map(String.init) ?? ""
    }

    @Test func aThreadCountBelowOneIsRejectedByEveryComputingSubcommand() throws {
        for subcommand in Self.computingSubcommands {
            #expect(try firstErrorLine(subcommand + ["--threads", "0"]) == "error: --threads must be between 1 and 1024, got 0.",
                    "\(subcommand[0])")
        }
        #expect(try firstErrorLine(["train", "--threads=-2"]) == "error: --threads must be between 1 and 1024, got -2.")
    }

    @Test func aNegativeSpinWaitIsRejected() throws {
        #expect(try firstErrorLine(["train", "--spin-wait=-1"])
                == "error: --spin-wait must be between 0 and 1000000 microseconds, got -1.")
    }

    @Test func everyComputingSubcommandDocumentsTheOptions() throws {
        for subcommand in ["train", "finetune", "experiment", "evaluate", "merge", "predict"] {
            let help = try LoRAExecutable.run([subcommand, "--help"])
            #expect(help.standardOutput.contains("--threads"), "\(subcommand)")
            #expect(help.standardOutput.contains("--spin-wait"), "\(subcommand)")
        }
    }

    @Test func trainingWritesTheSameModelOnOneAndThreeThreads() throws {
        let scratch = try ScratchDirectory()
        var models: [Data] = []
        for threads in ["1", "3"] {
            let path = scratch.file("model-\(threads).safetensors")
            let result = try LoRAExecutable.run(["train", "--epochs", "1", "--output", path, "--quiet", "--threads", threads,
                                                 "--spin-wait", threads == "1" ? "1000" : "0"])
            #expect(result.exitCode == 0, "\(result.standardError)")
            models.append(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        #expect(models[0] == models[1])
        #expect(models[0].count > 100_000)
    }
}
