import Foundation
import NN

/// Trainable and total parameter counts of a model (PEFT's `print_trainable_parameters`).
public struct ParameterSummary: Sendable, Equatable, CustomStringConvertible {
    public let trainable: Int
    public let total: Int

    public init(of model: any Module) {
        trainable = model.trainableParameterCount
        total = model.parameterCount
    }

    /// Trainable parameters as a percentage of all parameters.
    public var trainablePercent: Double { total == 0 ? 0 : 100 * Double(trainable) / Double(total) }

    /// `trainable params: 3,338 || all params: 139,412 || trainable%: 2.3943`, as PEFT prints it.
    public var description: String {
        "trainable params: \(Self.grouped(trainable)) || all params: \(Self.grouped(total)) || trainable%: \(String(format: "%.4f", trainablePercent))"
    }

    private static func grouped(_ value: Int) -> String {
        let digits = Array(String(value))
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }
}
