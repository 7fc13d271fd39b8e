import Foundation
import SafeTensors

/// Writes a JSON summary file atomically, keys sorted, for machines to read.
enum JSONOutput {
    static func write(_ object: [String: Any], to path: String) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try AtomicFileWriter.write(toPath: path) { sink in
            try sink.write(data)
            try sink.write(Array("\n".utf8))
        }
    }

    /// A number rounded to `digits` decimals, so that files read well.
    static func rounded(_ value: Double, _ digits: Int = 4) -> Double {
        let factor = pow(10, Double(digits))
        return (value * factor).rounded() / factor
    }
}
