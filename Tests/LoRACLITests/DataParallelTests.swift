#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SafeTensors
import Testing
import TestSupport

/// `lora` under `mpirun`: data-parallel training gives the results of one process with the
/// same global batch, repeats bit for bit, splits an uneven last batch correctly, and stops
/// every rank, naming the culprit, when one rank fails or is killed. Skipped without Open MPI.
@Suite("Data-parallel training under mpirun", .serialized,
       .enabled(if: MPIRunner.isAvailable, "mpirun is not on the PATH: install Open MPI (apt-get install openmpi-bin libopenmpi-dev) to run these tests"))
struct DataParallelTests {
    /// A pretrained 784-128-256-10 model (one epoch on mnist-sample) to fine-tune.
    func pretrainedModel(in scratch: ScratchDirectory) throws -> String {
        let model = scratch.file("base.safetensors")
        let result = try LoRAExecutable.run(["train", "--epochs", "1", "--output", model, "--quiet"])
        #expect(result.exitCode == 0, "\(result.standardError)")
        return model
    }

    /// Every tensor of an adapter directory's weights, by name.
    func adapterWeights(_ directory: String) throws -> [String: [Float]] {
        let file = try SafeTensorsFile(path: directory + "/adapter_model.safetensors")
        var weights: [String: [Float]] = [:]
        for name in file.names { weights[name] = try file.floats(named: name) }
        return weights
    }

    /// The largest difference between two sets of weights over the largest magnitude of the first.
    func relativeDifference(_ first: [String: [Float]], _ second: [String: [Float]]) -> Double {
        #expect(first.keys.sorted() == second.keys.sorted())
        var difference: Double = 0, magnitude: Double = 0
        for (name, values) in first {
            for (a, b) in zip(values, second[name] ?? []) {
                difference = max(difference, Double(abs(a - b)))
                magnitude = max(magnitude, Double(abs(a)))
            }
        }
        return difference / max(magnitude, .leastNormalMagnitude)
    }

    func fileBytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    @Test func twentyStepsAtTwoRanksMatchOneProcessAndRepeatBitForBit() throws {
        let scratch = try ScratchDirectory()
        let model = try pretrainedModel(in: scratch)
        // 4,000 training samples in global batches of 200: 20 steps.
        func arguments(_ name: String) -> [String] {
            ["finetune", "--method", "lora", "--model", model, "--epochs", "1", "--batch-size", "200", "--output", scratch.file(name),
             "--json", scratch.file(name + ".json")]
        }
        let single = try LoRAExecutable.run(arguments("single") + ["--quiet"])
        #expect(single.exitCode == 0, "\(single.standardError)")
        let first = try MPIRunner.run(ranks: 2, arguments("first"))
        #expect(first.exitCode == 0, "\(first.standardError)")
        let second = try MPIRunner.run(ranks: 2, arguments("second") + ["--quiet"])
        #expect(second.exitCode == 0, "\(second.standardError)")

        let difference = relativeDifference(try adapterWeights(scratch.file("single")), try adapterWeights(scratch.file("first")))
        #expect(difference <= 1e-4, "2 ranks differ from one process by \(difference) of the largest weight")
        #expect(try fileBytes(scratch.file("first/adapter_model.safetensors")) == fileBytes(scratch.file("second/adapter_model.safetensors")),
                "two runs at 2 ranks are not bit-identical")
        #expect(try scratch.json("single.json")["ranks"] as? Int == 1)
        #expect(try scratch.json("first.json")["ranks"] as? Int == 2)
        // Only rank 0 writes: the result line once, the log's lines once.
        #expect(first.standardOutput.components(separatedBy: "Test accuracy:").count == 2, "\(first.standardOutput)")
        #expect(first.standardOutput.components(separatedBy: "Epoch: 001/001").count == 2, "\(first.standardOutput)")
    }

    @Test func anUnevenLastBatchSplitOverThreeRanksMatchesOneProcess() throws {
        let scratch = try ScratchDirectory()
        let model = try pretrainedModel(in: scratch)
        // 4,000 samples in batches of 300: 13 of 300 and a last of 100, shared 33, 33, 34 by 3 ranks
        // (the full batches 100 each); shuffled, with DoRA and clipping on.
        func arguments(_ name: String) -> [String] {
            ["finetune", "--method", "dora", "--model", model, "--epochs", "2", "--batch-size", "300", "--shuffle",
             "--max-grad-norm", "1", "--output", scratch.file(name), "--json", scratch.file(name + ".json"), "--quiet"]
        }
        let single = try LoRAExecutable.run(arguments("single"))
        #expect(single.exitCode == 0, "\(single.standardError)")
        let parallel = try MPIRunner.run(ranks: 3, arguments("parallel"))
        #expect(parallel.exitCode == 0, "\(parallel.standardError)")
        let difference = relativeDifference(try adapterWeights(scratch.file("single")), try adapterWeights(scratch.file("parallel")))
        #expect(difference <= 1e-4, "3 ranks differ from one process by \(difference) of the largest weight")
        let singleEpochs = try scratch.json("single.json")["epochs"] as? [[String: Any]] ?? []
        let parallelEpochs = try scratch.json("parallel.json")["epochs"] as? [[String: Any]] ?? []
        #expect(singleEpochs.count == 2 && parallelEpochs.count == 2)
        for (one, three) in zip(singleEpochs, parallelEpochs) {
            let loss = (one["mean_loss"] as? Double ?? 0, three["mean_loss"] as? Double ?? 1)
            #expect(abs(loss.0 - loss.1) <= 1e-4 * loss.0, "epoch mean losses \(loss.0) and \(loss.1)")
        }
    }

    @Test func tenEpochsMatchOneProcessAndAKilledRankEndsTheJobAndResumesAtOneRank() throws {
        let scratch = try ScratchDirectory()
        let model = try pretrainedModel(in: scratch)
        func arguments(_ name: String) -> [String] {
            ["finetune", "--method", "lora", "--model", model, "--epochs", "10", "--output", scratch.file(name),
             "--json", scratch.file(name + ".json"), "--quiet"]
        }
        func testAccuracy(_ name: String) throws -> Double { try scratch.json(name + ".json")["test_accuracy"] as? Double ?? -1 }

        let single = try LoRAExecutable.run(arguments("single"))
        #expect(single.exitCode == 0, "\(single.standardError)")
        let parallel = try MPIRunner.run(ranks: 2, arguments("parallel"))
        #expect(parallel.exitCode == 0, "\(parallel.standardError)")
        let singleAccuracy = try testAccuracy("single"), parallelAccuracy = try testAccuracy("parallel")
        #expect(abs(singleAccuracy - parallelAccuracy) <= 0.003, "test accuracy \(singleAccuracy) at one process, \(parallelAccuracy) at 2 ranks")

        // Kill rank 1 with SIGKILL once the first checkpoint is written.
        let checkpoints = scratch.file("checkpoints")
        let checkpointFile = checkpoints + "/checkpoint.safetensors"
        var killedAt: Double?
        let (killed, seconds) = try MPIRunner.runApplications(
            MPIRunner.launcherOptions + ["-np", "2", LoRAExecutable.path] + arguments("killed") + ["--checkpoint-dir", checkpoints],
            timeout: 300
        ) { elapsed in
            guard FileManager.default.fileExists(atPath: checkpointFile) else { return true }
            let ranks = MPIRunner.processIdentifiers(ofRank: 1)
            for pid in ranks { kill(pid, SIGKILL) }
            if !ranks.isEmpty { killedAt = elapsed }
            return ranks.isEmpty
        }
        let killTime = try #require(killedAt, "rank 1 was never killed: \(killed.standardError)")
        #expect(killed.exitCode != 0)
        #expect(seconds - killTime < 30, "the job went on for \(seconds - killTime) s after rank 1 was killed")
        #expect(killed.standardError.contains("rank 1"), "\(killed.standardError)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("killed.json")))

        // The last complete checkpoint loads, and one process resumes it to the end.
        let checkpoint = try SafeTensorsFile(path: checkpointFile)
        for name in checkpoint.names { _ = try checkpoint.floats(named: name) }
        let epoch = try #require(Int(checkpoint.metadata["epoch"] ?? ""))
        #expect((1..<10).contains(epoch))
        let resumed = try LoRAExecutable.run(arguments("killed") + ["--checkpoint-dir", checkpoints, "--resume"])
        #expect(resumed.exitCode == 0, "\(resumed.standardError)")
        let resumedEpochs = try scratch.json("killed.json")["epochs"] as? [[String: Any]] ?? []
        #expect(resumedEpochs.compactMap { $0["epoch"] as? Int } == Array(epoch + 1...10))
        let resumedAccuracy = try testAccuracy("killed")
        #expect(abs(singleAccuracy - resumedAccuracy) <= 0.003,
                "test accuracy \(singleAccuracy) uninterrupted, \(resumedAccuracy) killed at 2 ranks and resumed at 1")
    }

    @Test func ranksGivenDifferentModelFilesAreStoppedAtTheStart() throws {
        let scratch = try ScratchDirectory()
        for (directory, layers) in [("a", "784,32,10"), ("b", "784,32,10")] {
            try FileManager.default.createDirectory(atPath: scratch.file(directory), withIntermediateDirectories: true)
            let seed = directory == "a" ? "1" : "2"
            #expect(try LoRAExecutable.run(["train", "--epochs", "1", "--layers", layers, "--seed", seed, "--output",
                                            scratch.file(directory + "/model.safetensors"), "--quiet"]).exitCode == 0)
        }
        // The same command line in two working directories whose model files differ.
        let command = [LoRAExecutable.path, "finetune", "--method", "lora", "--model", "model.safetensors", "--epochs", "1",
                       "--output", "adapter"]
        let (result, seconds) = try MPIRunner.runInTwoDirectories(command, scratch.file("a"), scratch.file("b"), timeout: 120)
        #expect(result.exitCode != 0)
        #expect(seconds < 60)
        #expect(result.standardError.contains("the 2 ranks were not given the same model file: rank 1 differs from rank 0"),
                "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("a/adapter")))
    }

    @Test func anErrorOnOneRankEndsEveryRankAndNamesIt() throws {
        let scratch = try ScratchDirectory()
        for directory in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: scratch.file(directory), withIntermediateDirectories: true)
        }
        #expect(try LoRAExecutable.run(["train", "--epochs", "1", "--layers", "784,32,10", "--output", scratch.file("a/model.safetensors"),
                                        "--quiet"]).exitCode == 0)
        // Rank 1's model file is not a safetensors file: it fails while rank 0 waits for it.
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: scratch.file("b/model.safetensors")))
        let command = [LoRAExecutable.path, "finetune", "--method", "lora", "--model", "model.safetensors", "--epochs", "1",
                       "--output", "adapter"]
        let (result, seconds) = try MPIRunner.runInTwoDirectories(command, scratch.file("a"), scratch.file("b"), timeout: 120)
        #expect(result.exitCode != 0)
        #expect(seconds < 60)
        #expect(result.standardError.contains("error: rank 1 of 2: "), "\(result.standardError)")
        #expect(!result.standardError.contains("error: rank 0 of 2: "), "\(result.standardError)")
    }

    @Test func textFineTuningAndExperimentAtTwoRanksMatchOneProcess() throws {
        let fixture = try TextCommandFixture(trainingCount: 40, testCount: 12)
        // Without dropout (the folder's 0.1 would give rank 1 its own masks), so that the runs compare.
        try TinyBERTFolder.configJSON.replacingOccurrences(of: "_prob\": 0.1", with: "_prob\": 0.0")
            .write(toFile: fixture.model + "/config.json", atomically: true, encoding: .utf8)
        // 40 shuffled rows in global batches of 16 (the last of 8), 2 epochs: 6 steps.
        func arguments(_ name: String) -> [String] {
            ["finetune", "--model", fixture.model, "--method", "lora", "--data", fixture.training, "--test-data", fixture.test,
             "--output", fixture.file(name), "--epochs", "2", "--batch-size", "16", "--learning-rate", "0.01", "--max-length", "16",
             "--json", fixture.file(name + ".json"), "--quiet"]
        }
        let single = try LoRAExecutable.run(arguments("single"))
        #expect(single.exitCode == 0, "\(single.standardError)")
        let parallel = try MPIRunner.run(ranks: 2, arguments("parallel"))
        #expect(parallel.exitCode == 0, "\(parallel.standardError)")
        let difference = relativeDifference(try adapterWeights(fixture.file("single")), try adapterWeights(fixture.file("parallel")))
        #expect(difference <= 1e-4, "2 ranks differ from one process by \(difference) of the largest weight")
        let singleJSON = try fixture.json("single.json"), parallelJSON = try fixture.json("parallel.json")
        #expect(singleJSON["ranks"] as? Int == 1)
        #expect(parallelJSON["ranks"] as? Int == 2)
        // The split evaluation sums to the one process's: same confusion matrix, same loss.
        #expect(parallelJSON["confusion_matrix"] as? [[Int]] == singleJSON["confusion_matrix"] as? [[Int]])
        let loss = (singleJSON["test_loss"] as? Double ?? 0, parallelJSON["test_loss"] as? Double ?? 1)
        #expect(abs(loss.0 - loss.1) <= 1e-4 * loss.0, "test losses \(loss.0) and \(loss.1)")

        // The experiment too: the probe (head-input tables on every rank) and DoRA at 2 ranks.
        func experiment(_ name: String) -> [String] {
            ["experiment", "--model", fixture.model, "--methods", "probe,dora", "--data", fixture.training, "--test-data", fixture.test,
             "--batch-size", "16", "--max-length", "16", "--json", fixture.file(name + ".json"), "--quiet"]
        }
        #expect(try LoRAExecutable.run(experiment("x-single")).exitCode == 0)
        let parallelExperiment = try MPIRunner.run(ranks: 2, experiment("x-parallel"))
        #expect(parallelExperiment.exitCode == 0, "\(parallelExperiment.standardError)")
        let singleMethods = try fixture.json("x-single.json"), parallelMethods = try fixture.json("x-parallel.json")
        for method in ["probe", "dora"] {
            let one = try #require(singleMethods[method] as? [String: Any]), two = try #require(parallelMethods[method] as? [String: Any])
            #expect(two["ranks"] as? Int == 2)
            #expect(two["confusion_matrix"] as? [[Int]] == one["confusion_matrix"] as? [[Int]], "\(method)")
            let losses = (one["test_loss"] as? Double ?? 0, two["test_loss"] as? Double ?? 1)
            #expect(abs(losses.0 - losses.1) <= 1e-4 * losses.0, "\(method) test losses \(losses.0) and \(losses.1)")
        }
    }
}

/// What a process does when another MPI's launcher started it; needs no MPI.
@Suite("MPI launchers")
struct MPILauncherTests {
    @Test func aProcessStartedByHydraIsRefusedInsteadOfRunningAsACopy() throws {
        let scratch = try ScratchDirectory()
        // MPICH's and Intel MPI's launcher set PMI_SIZE and PMI_RANK; Open MPI's variables are absent.
        let result = try LoRAExecutable.run(["train", "--epochs", "1", "--layers", "784,8,10", "--output", scratch.file("m.safetensors")],
                                            extraEnvironment: ["PMI_SIZE": "2", "PMI_RANK": "1"])
        #expect(result.exitCode == 1)
        #expect(result.standardError == "error: this process was started by an MPI launcher other than Open MPI's mpirun (PMI_SIZE is set, "
                + "as MPICH's and Intel MPI's Hydra set it); the data-parallel mode needs Open MPI: run it with Open MPI's mpirun.\n")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("m.safetensors")))
    }
}
