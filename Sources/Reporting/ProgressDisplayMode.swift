#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension ProgressDisplay {
    /// How a ``ProgressDisplay`` shows progress.
    public enum Mode: Sendable, Equatable {
        /// For a terminal: one line per epoch, redrawn in place with a carriage return,
        /// showing a bar, the batch count, the latest loss and the elapsed time; finished
        /// with a line break at the end of the epoch.
        case bar
        /// For a log file or pipe: a plain line every few batches and one at the end of each
        /// epoch, without control characters.
        case lines
        /// Nothing at all.
        case quiet

        /// ``bar`` when `fileDescriptor` is a terminal, ``lines`` otherwise.
        public static func automatic(for fileDescriptor: Int32) -> Mode {
            isatty(fileDescriptor) == 1 ? .bar : .lines
        }
    }
}
