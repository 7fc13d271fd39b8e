import Foundation
@testable import LoRACLI
import SafeTensors
import Testing

/// Runs `lora` and returns the first line of standard error, checking that it failed.
private func failure(_ arguments: [String], in directory: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let result = try LoRAExecutable.run(arguments, in: directory)
    #expect(result.exitCode != 0, "lora \(arguments) should fail", sourceLocation: sourceLocation)
    return result.standardError.split(separator: "\n").first.map(String.init) ?? ""
}

/// A small model trained for one epoch on the shipped sample, as `train` writes it.
private func trainSmallModel(_ path: String, extra: [String] = []) throws {
    let result = try LoRAExecutable.run(["train", "--epochs", "1", "--layers", "784,16,10", "--output", path, "--quiet"] + extra)
    #expect(result.exitCode == 0, "\(result.standardError)")
}

@Suite("lora command line: paths, flags, data sets, checkpoints and terminal output", .serialized)
struct CommandDefectTests {
    @Test func parentDirectoryNeverUsesFoundationsTrappingHelper() {
        let cases = ["x": ".", "": ".", ".": ".", "a/": ".", "/": "/", "/x": "/", "a/b": "a", "a/b/": "a", "a//b": "a",
                     "/a/b/c.json": "/a/b", "//x": "/", "./m": "."]
        for (path, parent) in cases { #expect(PathText.parentDirectory(of: path) == parent, "\(path)") }
    }

    @Test func oneCharacterOutputPathsWork() throws {
        let scratch = try ScratchDirectory()
        let train = try LoRAExecutable.run(["train", "--epochs", "1", "--layers", "784,8,10", "--output", "m", "--json", "j", "--quiet"],
                                           in: scratch.path)
        #expect(train.exitCode == 0, "\(train.standardError)")
        let finetune = try LoRAExecutable.run(["finetune", "--method", "lora", "--model", "m", "--epochs", "1", "--output", "x", "--quiet"],
                                              in: scratch.path)
        #expect(finetune.exitCode == 0, "\(finetune.standardError)")
        let merge = try LoRAExecutable.run(["merge", "--model", "m", "--adapter", "x", "--output", "n", "--quiet"], in: scratch.path)
        #expect(merge.exitCode == 0, "\(merge.standardError)")
        let evaluate = try LoRAExecutable.run(["evaluate", "--model", "n", "--json", "k", "--quiet"], in: scratch.path)
        #expect(evaluate.exitCode == 0, "\(evaluate.standardError)")
        for name in ["m", "j", "x", "n", "k"] { #expect(FileManager.default.fileExists(atPath: scratch.file(name)), "\(name)") }
        #expect(try failure(["train", "--output", "."], in: scratch.path) == "error: --output '.' is a directory; name a file.")
        #expect(try failure(["evaluate", "--model", "m", "--json", "/"], in: scratch.path) == "error: --json '/' is a directory; name a file.")
    }

    @Test func listsTakeCommasAndRepeatedFlags() throws {
        let scratch = try ScratchDirectory()
        for arguments in [["--targets", "layers.0,layers.2", "--targets", "layers.4"], ["--targets", "layers.0", "layers.2", "layers.4"],
                          ["--targets", "layers.0,", "layers.2 , layers.4"]] {
            let command = try FineTuneCommand.parse(["--method", "lora", "--model", "/dev/null", "--output", scratch.file("a")] + arguments)
            #expect(command.adapter.targetModules == ["layers.0", "layers.2", "layers.4"], "\(arguments)")
        }
        for arguments in [["--layers", "784,32,10"], ["--layers", "784", "32", "10"], ["--layers", "784", "--layers", "32,10"]] {
            let command = try TrainCommand.parse(arguments)
            #expect(try command.layerSizes() == [784, 32, 10], "\(arguments)")
        }
    }

    @Test func negativeNumbersParseAndAreRefusedForTheirValue() throws {
        let finetune = ["finetune", "--method", "lora", "--model", "/dev/null"]
        #expect(try failure(finetune + ["--alpha", "-3"]) == "error: --alpha must be a positive number, got -3.0.")
        #expect(try failure(finetune + ["--rank", "-2"]) == "error: --rank must be at least 1, got -2.")
        #expect(try failure(finetune + ["--dropout", "-0.5"]) == "error: --dropout must be in [0, 1), got -0.5.")
        #expect(try failure(["train", "--epochs", "-1"]) == "error: --epochs must be at least 1, got -1.")
        #expect(try failure(["train", "--learning-rate", "-0.01"]) == "error: --learning-rate must be a positive number, got -0.01.")
        #expect(try failure(["train", "--log-every", "-4"]) == "error: --log-every must be at least 1, got -4.")
        #expect(try failure(["evaluate", "--model", "/dev/null", "--batch-size", "-8"]) == "error: --batch-size must be at least 1, got -8.")
    }

    @Test func modelsRecordTheirDataSetAndCommandsUseIt() throws {
        let scratch = try ScratchDirectory()
        let model = scratch.file("model.safetensors")
        try trainSmallModel(model)
        let metadata = try SafeTensorsFile(path: model).metadata
        #expect(metadata == ["format": "pt", "dataset": "mnist-sample", "input_shape": "[28, 28]", "classes": "10"])

        let evaluate = try LoRAExecutable.run(["evaluate", "--model", model, "--json", scratch.file("e.json"), "--quiet"])
        #expect(evaluate.exitCode == 0, "\(evaluate.standardError)")
        let dataset = try scratch.json("e.json")["dataset"] as? [String: Any]
        #expect(dataset?["name"] as? String == "mnist-sample")
        #expect(dataset?["input_shape"] as? [Int] == [28, 28])

        // A model that records no data set is refused with a hint instead of being evaluated on the sample.
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        let file = try SafeTensorsFile(path: model)
        for name in file.names { try writer.addTensor(named: name, shape: file.info(named: name).shape, floats: file.floats(named: name)) }
        try writer.write(toPath: scratch.file("plain.safetensors"))
        #expect(try failure(["evaluate", "--model", scratch.file("plain.safetensors")])
                == "error: --model '\(scratch.file("plain.safetensors"))' does not record the data set it was trained on: "
                + "pass --dataset NAME (mnist-sample, fashion-mnist, mnist) or --data DIR.")
        #expect(try LoRAExecutable.run(["evaluate", "--model", scratch.file("plain.safetensors"), "--dataset", "mnist-sample", "--quiet"])
            .exitCode == 0)

        // A model that records another data set uses it (here: one that is not on this machine, so loading names it).
        var fashion = SafeTensorsWriter(metadata: ["format": "pt", "dataset": "fashion-mnist", "input_shape": "[28, 28]", "classes": "10"])
        for name in file.names { try fashion.addTensor(named: name, shape: file.info(named: name).shape, floats: file.floats(named: name)) }
        try fashion.write(toPath: scratch.file("fashion.safetensors"))
        let fashionRun = try LoRAExecutable.run(["evaluate", "--model", scratch.file("fashion.safetensors"), "--quiet"])
        #expect(fashionRun.exitCode != 0 || fashionRun.standardError.isEmpty)
        if fashionRun.exitCode != 0 { #expect(fashionRun.standardError.contains("fashion-mnist")) }
        let explicit = try LoRAExecutable.run(["evaluate", "--model", scratch.file("fashion.safetensors"), "--dataset", "mnist-sample"])
        #expect(explicit.exitCode == 0)
        #expect(explicit.standardError.contains("note: \(scratch.file("fashion.safetensors")) was trained on fashion-mnist; using --dataset mnist-sample as asked."))

        // The merged model keeps the record.
        #expect(try LoRAExecutable.run(["finetune", "--method", "lora", "--model", model, "--epochs", "1", "--output", scratch.file("a"), "--quiet"])
            .exitCode == 0)
        #expect(try LoRAExecutable.run(["merge", "--model", model, "--adapter", scratch.file("a"), "--output", scratch.file("merged"), "--quiet"])
            .exitCode == 0)
        #expect(try SafeTensorsFile(path: scratch.file("merged")).metadata == metadata)
    }

    @Test func checkpointDirectoriesAreNotOverwrittenSilently() throws {
        let scratch = try ScratchDirectory()
        let checkpoints = scratch.file("checkpoints")
        let common = ["train", "--layers", "784,8,10", "--output", scratch.file("m"), "--checkpoint-dir", checkpoints]
        let empty = try LoRAExecutable.run(common + ["--epochs", "1", "--resume"])
        #expect(empty.exitCode == 0, "\(empty.standardError)")
        #expect(empty.standardOutput.hasPrefix("No checkpoint in \(checkpoints): starting from scratch.\n"))

        #expect(try failure(common + ["--epochs", "2"])
                == "error: --checkpoint-dir '\(checkpoints)' already holds a checkpoint (after epoch 1). Pass --resume to continue it or --overwrite to replace it.")
        let resumed = try LoRAExecutable.run(common + ["--epochs", "2", "--resume"])
        #expect(resumed.exitCode == 0)
        #expect(resumed.standardOutput.hasPrefix("Resuming from \(checkpoints)/checkpoint.safetensors: epoch 1 of 2 done.\n"))
        #expect(!resumed.standardOutput.contains("Epoch 001/002"), "the first epoch is not trained again")

        let overwritten = try LoRAExecutable.run(common + ["--epochs", "1", "--overwrite", "--quiet"])
        #expect(overwritten.exitCode == 0, "\(overwritten.standardError)")
        #expect(try SafeTensorsFile(path: checkpoints + "/checkpoint.safetensors").metadata["epoch"] == "1")
        #expect(try failure(common + ["--resume", "--overwrite"]) == "error: --resume and --overwrite exclude each other: keep the checkpoint or replace it.")
    }

    @Test func trainingOutputIsWrittenOnceWithSecondsAndMatchingBatchLosses() throws {
        let scratch = try ScratchDirectory()
        let run = try LoRAExecutable.run(["train", "--layers", "784,8,10", "--epochs", "2", "--log-every", "20", "--output", scratch.file("m"),
                                          "--metrics", scratch.file("metrics.jsonl")])
        #expect(run.exitCode == 0)
        // Standard error is not a terminal here: no progress lines that repeat standard output.
        #expect(run.standardError.isEmpty, "\(run.standardError)")
        let lines = run.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.contains("Epoch: 001/002 training accuracy") }.count == 1)
        let times = lines.filter { $0.contains("Time elapsed: ") }
        #expect(times.count == 2)
        #expect(times.allSatisfy { $0.range(of: #"Time elapsed: \d+\.\d\d s$"#, options: .regularExpression) != nil }, "\(times)")

        // "Batch 020/063 | Loss: L" shows the loss of batch index 20, as the metrics file records it.
        let metrics = try String(contentsOfFile: scratch.file("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        let steps = try metrics.compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["kind"] as? String == "step" && $0["epoch"] as? Int == 1 }
        let batch20 = try #require(steps.first { $0["batch"] as? Int == 20 })
        let printed = try #require(lines.first { $0.contains("Epoch 001/002 | Batch 020/") })
        #expect(printed.hasSuffix(String(format: "Loss: %.4f", batch20["loss"] as? Double ?? .nan)))
        let epoch = try #require(try metrics.compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .first { $0["kind"] as? String == "epoch" })
        #expect(Set(epoch.keys) == ["kind", "method", "epoch", "mean_loss", "training_accuracy", "test_accuracy", "seconds"])
        #expect((epoch["test_accuracy"] as? Double ?? 2) <= 1, "a fraction, as in --json")
    }

    @Test func trainingShufflesByDefault() throws {
        let scratch = try ScratchDirectory()
        let common = ["train", "--epochs", "1", "--layers", "784,8,10", "--quiet"]
        for (name, extra) in [("default", [String]()), ("shuffle", ["--shuffle"]), ("ordered", ["--no-shuffle"])] {
            #expect(try LoRAExecutable.run(common + extra + ["--output", scratch.file(name)]).exitCode == 0)
        }
        let bytes = try ["default", "shuffle", "ordered"].map { try Data(contentsOf: URL(fileURLWithPath: scratch.file($0))) }
        #expect(bytes[0] == bytes[1])
        #expect(bytes[0] != bytes[2])
    }

    @Test func nonFiniteModelsAreRefusedUnlessAllowed() throws {
        let scratch = try ScratchDirectory()
        let model = scratch.file("model.safetensors")
        try trainSmallModel(model)
        #expect(try LoRAExecutable.run(["finetune", "--method", "lora", "--model", model, "--epochs", "1", "--output", scratch.file("a"), "--quiet"])
            .exitCode == 0)
        let file = try SafeTensorsFile(path: model)
        var writer = SafeTensorsWriter(metadata: file.metadata)
        for name in file.names {
            var values = try file.floats(named: name)
            if name == "layers.2.weight" { values[3] = .nan }
            try writer.addTensor(named: name, shape: file.info(named: name).shape, floats: values)
        }
        try writer.write(toPath: scratch.file("nan.safetensors"))
        #expect(try failure(["merge", "--model", scratch.file("nan.safetensors"), "--adapter", scratch.file("a"), "--output", scratch.file("merged")])
                == "error: \(scratch.file("nan.safetensors")): tensor 'layers.2.weight' holds 1 NaN or infinite value. "
                + "Refusing to use it; pass --allow-non-finite to load it anyway.")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("merged")))
        #expect(try LoRAExecutable.run(["merge", "--model", scratch.file("nan.safetensors"), "--adapter", scratch.file("a"),
                                        "--output", scratch.file("merged"), "--allow-non-finite", "--quiet"]).exitCode == 0)
    }

    @Test func finetuneTrainsAndSavesBiasesAsPEFT() throws {
        let scratch = try ScratchDirectory()
        let model = scratch.file("model.safetensors"), adapter = scratch.file("adapter")
        try trainSmallModel(model)
        let finetune = try LoRAExecutable.run(["finetune", "--method", "lora", "--model", model, "--epochs", "1", "--bias", "lora_only",
                                               "--targets", "layers.0", "--output", adapter, "--json", scratch.file("f.json"), "--quiet"])
        #expect(finetune.exitCode == 0, "\(finetune.standardError)")
        let weights = try SafeTensorsFile(path: adapter + "/adapter_model.safetensors")
        #expect(weights.names.sorted() == ["base_model.model.layers.0.base_layer.bias", "base_model.model.layers.0.lora_A.weight",
                                           "base_model.model.layers.0.lora_B.weight"])
        #expect(try weights.floats(named: "base_model.model.layers.0.base_layer.bias") != SafeTensorsFile(path: model).floats(named: "layers.0.bias"),
                "the bias trained")
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: adapter + "/adapter_config.json"))) as? [String: Any]
        #expect(config?["bias"] as? String == "lora_only")
        let evaluate = try LoRAExecutable.run(["evaluate", "--model", model, "--adapter", adapter, "--json", scratch.file("e.json"), "--quiet"])
        #expect(evaluate.exitCode == 0, "\(evaluate.standardError)")
        #expect(try scratch.json("e.json")["test_accuracy"] as? Double == scratch.json("f.json")["test_accuracy"] as? Double)
    }
}
