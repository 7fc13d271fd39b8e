import Foundation
import SafeTensors
import Testing

@Suite("lora command line: happy paths", .serialized)
struct CommandTests {
    @Test func helpListsEverySubcommand() throws {
        let result = try LoRAExecutable.run(["--help"])
        #expect(result.exitCode == 0)
        for name in ["experiment", "train", "finetune", "evaluate", "merge", "inspect", "data"] {
            #expect(result.standardOutput.contains(name))
        }
        for name in ["experiment", "train", "finetune", "evaluate", "merge", "inspect", "data"] {
            let help = try LoRAExecutable.run([name, "--help"])
            #expect(help.exitCode == 0, "\(name) --help")
            #expect(help.standardOutput.contains("USAGE: lora \(name)"))
        }
    }

    @Test func trainFinetuneEvaluateMergeInspect() throws {
        let scratch = try ScratchDirectory()
        let model = scratch.file("model.safetensors"), adapter = scratch.file("adapter")

        let train = try LoRAExecutable.run(["train", "--epochs", "2", "--output", model, "--json", scratch.file("train.json"), "--quiet"])
        #expect(train.exitCode == 0, "\(train.standardError)")
        #expect(train.standardOutput.isEmpty)
        let trainSummary = try scratch.json("train.json")
        #expect((trainSummary["test_accuracy"] as? Double ?? 0) > 0.80, "a fraction (see JSONOutput)")
        #expect(trainSummary["trainable_parameters"] as? Int == 136_074)
        let checkpoint = try SafeTensorsFile(path: model)
        #expect(checkpoint.names == ["layers.0.bias", "layers.0.weight", "layers.2.bias", "layers.2.weight", "layers.4.bias", "layers.4.weight"])

        let finetune = try LoRAExecutable.run(["finetune", "--method", "dora", "--model", model, "--output", adapter,
                                               "--epochs", "1", "--json", scratch.file("finetune.json")])
        #expect(finetune.exitCode == 0, "\(finetune.standardError)")
        #expect(finetune.standardOutput.contains("Epoch 001/001 | Batch 000/063"))
        #expect(finetune.standardOutput.contains("trainable params: 6,642 || all params: 142,716"))
        let finetuneSummary = try scratch.json("finetune.json")
        let adapterAccuracy = finetuneSummary["test_accuracy"] as? Double

        let evaluate = try LoRAExecutable.run(["evaluate", "--model", model, "--adapter", adapter, "--json", scratch.file("evaluate.json")])
        #expect(evaluate.exitCode == 0, "\(evaluate.standardError)")
        let evaluation = try scratch.json("evaluate.json")
        #expect(evaluation["test_accuracy"] as? Double == adapterAccuracy)
        #expect(evaluation["test_loss"] is Double)

        let merged = scratch.file("merged.safetensors")
        let merge = try LoRAExecutable.run(["merge", "--model", model, "--adapter", adapter, "--output", merged])
        #expect(merge.exitCode == 0, "\(merge.standardError)")
        #expect(merge.standardOutput.contains("Merged 3 DoRA adapters"))
        let mergedEvaluation = try LoRAExecutable.run(["evaluate", "--model", merged, "--json", scratch.file("merged.json")])
        #expect(mergedEvaluation.exitCode == 0)
        let mergedAccuracy = try scratch.json("merged.json")["test_accuracy"] as? Double
        #expect(abs((mergedAccuracy ?? 0) - (adapterAccuracy ?? 1)) <= 0.001)

        let inspectFile = try LoRAExecutable.run(["inspect", model])
        #expect(inspectFile.exitCode == 0)
        #expect(inspectFile.standardOutput.contains("layers.0.weight  F32   [128, 784]"))
        let inspectAdapter = try LoRAExecutable.run(["inspect", adapter])
        #expect(inspectAdapter.exitCode == 0)
        #expect(inspectAdapter.standardOutput.contains("method: DoRA, rank 4, alpha 8.0, scale 2.0"))
        #expect(inspectAdapter.standardOutput.contains("base_model.model.layers.4.lora_magnitude_vector  F32   [10]"))
    }

    @Test func finetunedAdapterHasPEFTsLayout() throws {
        let scratch = try ScratchDirectory()
        let model = scratch.file("model.safetensors"), adapter = scratch.file("adapter")
        #expect(try LoRAExecutable.run(["train", "--epochs", "1", "--output", model, "--quiet"]).exitCode == 0)
        #expect(try LoRAExecutable.run(["finetune", "--method", "lora", "--model", model, "--output", adapter, "--epochs", "1", "--quiet"]).exitCode == 0)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: adapter)) == ["adapter_config.json", "adapter_model.safetensors"])

        let fixture = Bundle.module.resourceURL?.appendingPathComponent("Fixtures/lora/adapter_config.json").path ?? ""
        let peftConfig = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture))) as? [String: Any] ?? [:]
        let ourConfig = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: adapter + "/adapter_config.json"))) as? [String: Any] ?? [:]
        #expect(Set(ourConfig.keys) == Set(peftConfig.keys))
        for key in ["peft_type", "r", "lora_alpha", "use_dora", "use_rslora", "bias", "fan_in_fan_out", "init_lora_weights", "lora_dropout"] {
            #expect(String(describing: ourConfig[key] ?? "nil") == String(describing: peftConfig[key] ?? "nil"), "\(key)")
        }
        #expect(Set(ourConfig["target_modules"] as? [String] ?? []) == Set(peftConfig["target_modules"] as? [String] ?? []))
        let weights = try SafeTensorsFile(path: adapter + "/adapter_model.safetensors")
        #expect(weights.metadata == ["format": "pt"])
        #expect(weights.names == ["layers.0", "layers.2", "layers.4"].flatMap { ["base_model.model.\($0).lora_A.weight", "base_model.model.\($0).lora_B.weight"] })
    }

    @Test func resumingFromACheckpointMatchesAnUninterruptedRun() throws {
        let scratch = try ScratchDirectory()
        let common = ["train", "--shuffle", "--seed", "5", "--layers", "784,32,10", "--quiet"]
        #expect(try LoRAExecutable.run(common + ["--epochs", "3", "--output", scratch.file("straight.safetensors")]).exitCode == 0)
        let checkpoints = scratch.file("checkpoints")
        #expect(try LoRAExecutable.run(common + ["--epochs", "3", "--checkpoint-dir", checkpoints, "--output", scratch.file("first.safetensors")])
            .exitCode == 0)
        // Pretend the run stopped after its second epoch: rewind the checkpoint by redoing two epochs only.
        try FileManager.default.removeItem(atPath: checkpoints)
        #expect(try LoRAExecutable.run(common + ["--epochs", "2", "--checkpoint-dir", checkpoints, "--output", scratch.file("partial.safetensors")])
            .exitCode == 0)
        let resumed = try LoRAExecutable.run(common + ["--epochs", "3", "--checkpoint-dir", checkpoints, "--resume",
                                                       "--output", scratch.file("resumed.safetensors"), "--json", scratch.file("resumed.json")])
        #expect(resumed.exitCode == 0, "\(resumed.standardError)")
        let epochs = try scratch.json("resumed.json")["epochs"] as? [[String: Any]] ?? []
        #expect(epochs.compactMap { $0["epoch"] as? Int } == [3], "only the third epoch runs after resuming")
        let straight = try Data(contentsOf: URL(fileURLWithPath: scratch.file("straight.safetensors")))
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.file("resumed.safetensors"))) == straight)
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.file("first.safetensors"))) == straight)
    }

    @Test func dataListAndFetchOfTheShippedSample() throws {
        let list = try LoRAExecutable.run(["data", "list"])
        #expect(list.exitCode == 0)
        for name in ["mnist-sample", "fashion-mnist", "mnist"] { #expect(list.standardOutput.contains(name)) }
        let fetch = try LoRAExecutable.run(["data", "fetch", "mnist-sample"])
        #expect(fetch.exitCode == 0, "\(fetch.standardError)")
        #expect(fetch.standardOutput.contains("mnist-sample is in "))
    }

    @Test func experimentWritesTheTable() throws {
        let scratch = try ScratchDirectory()
        let result = try LoRAExecutable.run(["experiment", "--epochs", "1", "--json", scratch.file("experiment.json")])
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("method  trainable parameters  test accuracy  time (s)"))
        let table = try scratch.json("experiment.json")
        #expect(Set(table.keys) == ["base", "lora", "dora"])
        let base = table["base"] as? [String: Any] ?? [:]
        #expect(base["trainable_parameters"] as? Int == 136_074)
        #expect(base["ranks"] as? Int == 1, "one process")
        // LoRA r = 4 on 784→128, 128→256, 256→10: A and B hold 4·(784+128) + 4·(128+256) + 4·(256+10) values;
        // DoRA adds one magnitude per output feature, 128 + 256 + 10.
        #expect((base["test_accuracy"] as? Double ?? 0) > 0.50)
        #expect((table["lora"] as? [String: Any])?["trainable_parameters"] as? Int == 6_248)
        #expect((table["dora"] as? [String: Any])?["trainable_parameters"] as? Int == 6_642)
    }
}

@Suite("lora command line: bad flags get exact errors")
struct CommandErrorTests {
    /// Runs `lora` and returns the first line of standard error, checking the exit code.
    func failure(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try LoRAExecutable.run(arguments)
        #expect(result.exitCode != 0, "lora \(arguments) should fail", sourceLocation: sourceLocation)
        return result.standardError.split(separator: "\n").first.map(String.init) ?? ""
    }

    @Test func rankBelowOne() throws {
        #expect(try failure(["finetune", "--method", "lora", "--model", "/dev/null", "--rank", "0"]) == "error: --rank must be at least 1, got 0.")
    }

    @Test func rankAboveTheLayerSizeIsAllowedAsInPEFT() throws {
        // Formerly refused ("it must be between 1 and 10"); PEFT accepts any r ≥ 1.
        let scratch = try ScratchDirectory()
        let model = scratch.file("model.safetensors")
        #expect(try LoRAExecutable.run(["train", "--epochs", "1", "--layers", "784,16,10", "--output", model, "--quiet"]).exitCode == 0)
        let finetune = try LoRAExecutable.run(["finetune", "--method", "lora", "--model", model, "--rank", "11", "--epochs", "1",
                                               "--output", scratch.file("a"), "--quiet"])
        #expect(finetune.exitCode == 0, "\(finetune.standardError)")
        let weights = try SafeTensorsFile(path: scratch.file("a") + "/adapter_model.safetensors")
        #expect(try weights.info(named: "base_model.model.layers.2.lora_B.weight").shape == [10, 11])
    }

    @Test func nonPositiveAlpha() throws {
        #expect(try failure(["finetune", "--method", "lora", "--model", "/dev/null", "--alpha=-8"]) == "error: --alpha must be a positive number, got -8.0.")
        #expect(try failure(["experiment", "--alpha", "0"]) == "error: --alpha must be a positive number, got 0.0.")
    }

    @Test func trainingValues() throws {
        #expect(try failure(["train", "--learning-rate", "0"]) == "error: --learning-rate must be a positive number, got 0.0.")
        #expect(try failure(["train", "--batch-size", "0"]) == "error: --batch-size must be at least 1, got 0.")
        #expect(try failure(["train", "--epochs", "0"]) == "error: --epochs must be at least 1, got 0.")
    }

    @Test func unknownMethod() throws {
        #expect(try failure(["finetune", "--method", "ia3", "--model", "/dev/null"])
                == "error: The value 'ia3' is invalid for '--method <method>'. Please provide one of 'lora' and 'dora'.")
    }

    @Test func missingFiles() throws {
        #expect(try failure(["evaluate", "--model", "/nonexistent/model.safetensors"]) == "error: --model '/nonexistent/model.safetensors' does not exist.")
        #expect(try failure(["inspect", "/nonexistent/file.safetensors"]) == "error: PATH '/nonexistent/file.safetensors' does not exist.")
        #expect(try failure(["train", "--data", "/nonexistent-data-dir", "--epochs", "1"]).hasPrefix("error: "))
    }

    @Test func unwritableOutput() throws {
        #expect(try failure(["train", "--output", "/nonexistent-dir/model.safetensors"])
                == "error: --output '/nonexistent-dir/model.safetensors': directory '/nonexistent-dir' does not exist.")
    }

    @Test func unwritableOutputDirectory() throws {
        // Permission bits do not stop root; /sys refuses new files whoever asks.
        #expect(try failure(["train", "--output", "/sys/model.safetensors"])
                == "error: --output '/sys/model.safetensors': directory '/sys' is not writable (Permission denied).")
        #expect(try failure(["train", "--output", "/etc/passwd/model.safetensors"])
                == "error: --output '/etc/passwd/model.safetensors': '/etc/passwd' is not a directory.")
    }

    @Test func checkpointsOfAnotherArchitecture() throws {
        let scratch = try ScratchDirectory()
        let model = scratch.file("model.safetensors"), adapter = scratch.file("adapter"), checkpoints = scratch.file("checkpoints")
        #expect(try LoRAExecutable.run(["train", "--layers", "784,32,10", "--epochs", "1", "--output", model, "--quiet",
                                        "--checkpoint-dir", checkpoints]).exitCode == 0)
        #expect(try LoRAExecutable.run(["finetune", "--method", "lora", "--model", model, "--epochs", "1", "--output", adapter, "--quiet"])
            .exitCode == 0)

        // An adapter file given as a model.
        let adapterWeights = adapter + "/adapter_model.safetensors"
        #expect(try failure(["evaluate", "--model", adapterWeights])
                == "error: \(adapterWeights) is not a state dict of Linear layers named layers.N.weight / layers.N.bias: unexpected key 'base_model.model.layers.0.lora_A.weight'.")

        // A model whose input size does not fit the data.
        var writer = SafeTensorsWriter()
        try writer.addTensor(named: "layers.0.weight", shape: [10, 100], floats: [Float](repeating: 0, count: 1000))
        try writer.addTensor(named: "layers.0.bias", shape: [10], floats: [Float](repeating: 0, count: 10))
        try writer.write(toPath: scratch.file("small.safetensors"))
        #expect(try failure(["evaluate", "--model", scratch.file("small.safetensors"), "--dataset", "mnist-sample"])
                == "error: The model takes 100 inputs but the data's images have 784 pixels.")

        // An adapter made for a model with other layer sizes.
        var narrowWriter = SafeTensorsWriter()
        for (key, shape) in [("layers.0.weight", [16, 784]), ("layers.0.bias", [16]), ("layers.2.weight", [10, 16]), ("layers.2.bias", [10])] {
            try narrowWriter.addTensor(named: key, shape: shape, floats: [Float](repeating: 0.01, count: shape.reduce(1, *)))
        }
        try narrowWriter.write(toPath: scratch.file("narrow.safetensors"))
        #expect(try failure(["evaluate", "--model", scratch.file("narrow.safetensors"), "--adapter", adapter, "--dataset", "mnist-sample"])
                == "error: \(adapterWeights): tensor 'base_model.model.layers.0.lora_B.weight' has shape [32, 4], but the model expects [16, 4].")

        // Resuming a checkpoint of another architecture.
        let resumed = try failure(["train", "--layers", "784,16,10", "--epochs", "2", "--output", model, "--checkpoint-dir", checkpoints, "--resume"])
        #expect(resumed.hasPrefix("error: \(checkpoints)/checkpoint.safetensors was written by a run with different settings (train layers=[784, 32, 10]"))
    }

    @Test func fetchingOfflineSaysHowElseToGetTheData() throws {
        let scratch = try ScratchDirectory()
        let message = try failure(["data", "fetch", "fashion-mnist", "--mirror", "http://127.0.0.1:9", "--cache-dir", scratch.path, "--quiet"])
        #expect(message.hasPrefix("error: Could not download 'train-images-idx3-ubyte.gz' of the data set 'fashion-mnist'"))
        #expect(message.contains("apt-get install dataset-fashion-mnist") || message.contains("--data DIR"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).allSatisfy { $0.hasSuffix(".partial") == false })
    }

    @Test func unknownDataSet() throws {
        #expect(try failure(["train", "--dataset", "cifar"]).hasPrefix("error: There is no data set named 'cifar'."))
    }
}
