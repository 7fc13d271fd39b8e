import Foundation
import Reporting

/// Plausible epoch records of a small classifier trained three ways (full fine-tuning,
/// LoRA and DoRA), without randomness so that tests are repeatable.
enum SampleRuns {
    static let methods = ["base", "lora", "dora"]

    static func epochs(count: Int = 10) -> [EpochRecord] {
        var records: [EpochRecord] = []
        for (index, method) in methods.enumerated() {
            let offset = Double(index)
            for epoch in 1...count {
                let progress = Double(epoch)
                let loss = 0.09 + (0.55 - 0.08 * offset) * exp(-0.45 * progress) + 0.004 * sin(progress * 1.7 + offset)
                let training = 0.985 - (0.12 - 0.02 * offset) * exp(-0.5 * progress)
                let test = 0.978 - (0.10 - 0.015 * offset) * exp(-0.55 * progress) + 0.002 * cos(progress + offset)
                records.append(EpochRecord(method: method, epoch: epoch, meanLoss: loss, trainingAccuracy: training,
                                           testAccuracy: test, seconds: progress * (14.2 - 3 * offset)))
            }
        }
        return records
    }

    static let summary = [
        HTMLReport.SummaryRow(method: "base", trainableParameters: 109_386, testAccuracy: 0.9781, seconds: 142.0),
        HTMLReport.SummaryRow(method: "lora", trainableParameters: 12_810, testAccuracy: 0.9712, seconds: 112.3),
        HTMLReport.SummaryRow(method: "dora", trainableParameters: 13_226, testAccuracy: 0.9745, seconds: 82.9),
    ]
}
