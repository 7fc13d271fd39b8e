import Foundation

/// Lists on the command line: every list flag takes comma-separated values, several values
/// after one flag, and repeated flags, in any mix (`--targets a,b`, `--targets a b`,
/// `--targets a --targets b`).
enum ListArgument {
    /// The entries of `values`, each split at commas, blanks trimmed, empty pieces dropped.
    static func entries(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }
}
