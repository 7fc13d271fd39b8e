import Foundation
import SafeTensors

/// Writes a JSON summary file atomically, keys sorted, for machines to read.
///
/// One convention for every JSON the command line writes (`--json`, `--metrics`,
/// `predict`, `inspect --json`): keys in snake_case; accuracies and probabilities as
/// fractions in [0, 1]; losses as they are; times in seconds; non-finite numbers as `null`.
enum JSONOutput {
    static func write(_ object: [String: Any], to path: String) throws {
        let data = try text(object)
        try AtomicFileWriter.write(toPath: path) { sink in
            try sink.write(data)
            try sink.write(Array("\n".utf8))
        }
    }

    /// The pretty-printed, key-sorted text of `object`.
    static func text(_ object: Any, pretty: Bool = true) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys])
    }

    /// A number rounded to `digits` decimals, so that files read well.
    static func rounded(_ value: Double, _ digits: Int = 4) -> Double {
        let factor = pow(10, Double(digits))
        return (value * factor).rounded() / factor
    }

    /// A fraction in [0, 1] (an accuracy or a probability), rounded to six decimals.
    static func fraction(_ value: Double) -> Double {
        rounded(value, 6)
    }
}

extension DataSetRecord {
    /// `{"name": …, "directory": …, "input_shape": [rows, columns], "classes": n}`.
    var jsonObject: [String: Any] {
        var object: [String: Any] = ["input_shape": [rows, columns], "classes": classes]
        if let name { object["name"] = name }
        if let directory { object["directory"] = directory }
        return object
    }
}
