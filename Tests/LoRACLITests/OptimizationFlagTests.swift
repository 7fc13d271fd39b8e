import Foundation
import Testing

@Suite("lora train/finetune: optimisation flags")
struct OptimizationFlagTests {
    func firstErrorLine(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try LoRAExecutable.run(arguments)
        #expect(result.exitCode != 0, "lora \(arguments) should fail", sourceLocation: sourceLocation)
        return result.standardError.split(separator: "\n").first.map(String.init) ?? ""
    }

    @Test func valuesOutOfRangeGetExactErrors() throws {
        #expect(try firstErrorLine(["train", "--weight-decay=-0.1"]) == "error: --weight-decay must be a finite number of at least 0, got -0.1.")
        #expect(try firstErrorLine(["train", "--lr-schedule", "step"]) == "error: --lr-schedule must be constant, linear or cosine, got 'step'.")
        #expect(try firstErrorLine(["train", "--warmup-steps=-1"]) == "error: --warmup-steps must be at least 0, got -1.")
        #expect(try firstErrorLine(["finetune", "--method", "lora", "--model", "/dev/null", "--max-grad-norm", "0"])
                == "error: --max-grad-norm must be a positive number, got 0.0.")
        #expect(try firstErrorLine(["train", "--gradient-accumulation-steps", "0"])
                == "error: --gradient-accumulation-steps must be at least 1, got 0.")
    }

    /// Every flag at once trains, and the checkpoint refuses a resume with other values.
    @Test func aRunWithEveryFlagTrainsAndResumesOnlyWithTheSameFlags() throws {
        let scratch = try ScratchDirectory()
        let flags = ["--weight-decay", "0.01", "--lr-schedule", "cosine", "--warmup-steps", "5", "--max-grad-norm", "1",
                     "--gradient-accumulation-steps", "2"]
        let run = try LoRAExecutable.run(["train", "--epochs", "1", "--layers", "784,16,10", "--output", scratch.file("m.safetensors"),
                                          "--checkpoint-dir", scratch.file("c"), "--json", scratch.file("r.json"), "--quiet"] + flags)
        #expect(run.exitCode == 0, "\(run.standardError)")
        let summary = try scratch.json("r.json")
        #expect((summary["test_accuracy"] as? Double ?? 0) > 0.5, "a fraction, as every JSON file writes it")
        let other = try LoRAExecutable.run(["train", "--epochs", "2", "--layers", "784,16,10", "--output", scratch.file("m.safetensors"),
                                            "--checkpoint-dir", scratch.file("c"), "--resume", "--quiet"])
        #expect(other.exitCode != 0)
        #expect(other.standardError.contains("different settings"))
    }
}
