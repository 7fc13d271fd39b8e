import ArgumentParser
import Datasets
import Foundation

/// `lora data`: getting data sets.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Download and locate data sets.", subcommands: [FetchCommand.self])

    /// `lora data fetch NAME`.
    struct FetchCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fetch", abstract: "Download a data set's canonical files into the cache, checking their SHA-256.")

        @Argument(help: "mnist or fashion-mnist.")
        var name: String

        @Option(name: .long, help: "Fetch from this base URL instead of the canonical one.")
        var mirror: String?

        @Option(name: .long, help: "The cache directory (default: ~/.cache/swift-lora/datasets).")
        var cacheDir: String?

        func run() throws {
            throw ValidationError("Downloading is not available in this build.")
        }
    }
}
