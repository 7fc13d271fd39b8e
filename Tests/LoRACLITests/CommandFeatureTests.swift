import Foundation
@testable import LoRACLI
import SafeTensors
import Testing
import Training

@Suite("lora command line: predict, per-class results, inspect --json", .serialized)
struct CommandFeatureTests {
    @Test func confusionMatrixCountsAndPerClassAccuracy() {
        // Labels 0,0,1,1,1,2 predicted 0,1,1,1,0,1: class 0 1/2, class 1 2/3, class 2 0/1, class 3 no samples.
        let matrix = ConfusionMatrix(classes: 4, labels: [0, 0, 1, 1, 1, 2], predictions: [0, 1, 1, 1, 0, 1])
        #expect(matrix.counts == [[1, 1, 0, 0], [1, 2, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]])
        #expect(matrix.total == 6)
        #expect(matrix.accuracy == 3.0 / 6.0)
        #expect(matrix.perClassAccuracy == [0.5, 2.0 / 3.0, 0, nil])
    }

    @Test func predictionIsTheSoftmaxOfTheLogits() {
        let prediction = Prediction(logits: [Float(1), 3, 3, -2])
        let exponentials = [1.0, 3, 3, -2].map { exp($0 - 3) }
        let total = exponentials.reduce(0, +)
        #expect(prediction.label == 1, "the first of equal largest logits, as torch.argmax")
        for (probability, exponential) in zip(prediction.probabilities, exponentials) {
            #expect(abs(probability - exponential / total) < 1e-15)
        }
    }

    @Test func predictEvaluateAndInspectAgree() throws {
        let scratch = try ScratchDirectory()
        let model = scratch.file("model.safetensors"), adapter = scratch.file("adapter")
        #expect(try LoRAExecutable.run(["train", "--epochs", "1", "--layers", "784,16,10", "--output", model, "--quiet"]).exitCode == 0)
        #expect(try LoRAExecutable.run(["finetune", "--method", "dora", "--model", model, "--epochs", "1", "--output", adapter,
                                        "--report", scratch.file("report"), "--quiet"]).exitCode == 0)
        let evaluate = try LoRAExecutable.run(["evaluate", "--model", model, "--adapter", adapter, "--json", scratch.file("e.json"), "--quiet"])
        #expect(evaluate.exitCode == 0, "\(evaluate.standardError)")
        let evaluation = try scratch.json("e.json")
        let matrix = try #require(evaluation["confusion_matrix"] as? [[Int]])
        let perClass = try #require(evaluation["per_class_accuracy"] as? [Double])
        #expect(matrix.count == 10 && matrix.allSatisfy { $0.count == 10 })
        let total = matrix.joined().reduce(0, +)
        #expect(total == evaluation["samples"] as? Int)
        let diagonal = (0..<10).reduce(0) { $0 + matrix[$1][$1] }
        #expect(abs(Double(diagonal) / Double(total) - (evaluation["test_accuracy"] as? Double ?? -1)) < 1e-6)
        for (label, row) in matrix.enumerated() {
            #expect(abs(perClass[label] - Double(row[label]) / Double(row.reduce(0, +))) < 1e-6)
        }

        let predict = try LoRAExecutable.run(["predict", "--model", model, "--adapter", adapter])
        #expect(predict.exitCode == 0, "\(predict.standardError)")
        let lines = try predict.standardOutput.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(lines.count == total)
        var predicted = Array(repeating: Array(repeating: 0, count: 10), count: 10)
        for (index, line) in lines.enumerated() {
            #expect(line["index"] as? Int == index)
            let probabilities = try #require(line["probabilities"] as? [Double])
            #expect(probabilities.count == 10)
            #expect(abs(probabilities.reduce(0, +) - 1) < 1e-4)
            let label = try #require(line["label"] as? Int)
            #expect(probabilities[label] == probabilities.max())
            predicted[try #require(line["true_label"] as? Int)][label] += 1
        }
        #expect(predicted == matrix, "predict's labels give evaluate's confusion matrix")
        let limited = try LoRAExecutable.run(["predict", "--model", model, "--limit", "3", "--output", scratch.file("p.jsonl")])
        #expect(limited.exitCode == 0)
        #expect(try String(contentsOfFile: scratch.file("p.jsonl"), encoding: .utf8).split(separator: "\n").count == 3)

        let report = try String(contentsOfFile: scratch.file("report") + "/index.html", encoding: .utf8)
        #expect(report.contains("<h2>Per-class test accuracy</h2>"))
        #expect(report.contains("<th scope=\"row\">rank, alpha, scale</th><td>4, 8, 2 (alphaOverRank)</td>"))
        #expect(report.contains("base (before fine-tuning)"))

        let inspect = try LoRAExecutable.run(["inspect", adapter, "--json"])
        #expect(inspect.exitCode == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(inspect.standardOutput.utf8)) as? [String: Any])
        let configuration = try #require(object["adapter"] as? [String: Any])
        #expect(configuration["method"] as? String == "dora")
        #expect(configuration["r"] as? Int == 4)
        #expect(configuration["scale"] as? Double == 2)
        #expect(configuration["target_modules"] as? [String] == ["layers.0", "layers.2"])
        let tensors = try #require((object["weights"] as? [String: Any])?["tensors"] as? [[String: Any]])
        #expect(tensors.first { $0["name"] as? String == "base_model.model.layers.2.lora_magnitude_vector" }?["shape"] as? [Int] == [10])
        let inspectModel = try LoRAExecutable.run(["inspect", model, "--json"])
        let modelObject = try JSONSerialization.jsonObject(with: Data(inspectModel.standardOutput.utf8)) as? [String: Any]
        #expect((modelObject?["metadata"] as? [String: String])?["dataset"] == "mnist-sample")
        #expect(modelObject?["values"] as? Int == 784 * 16 + 16 + 16 * 10 + 10)
    }
}
