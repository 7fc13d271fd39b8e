import ArgumentParser
import Datasets
import Foundation

/// `lora data`: getting data sets.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Download and locate data sets.", subcommands: [FetchCommand.self, ListCommand.self])

    /// `lora data fetch NAME`.
    struct FetchCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fetch",
            abstract: "Download a data set's canonical files into the cache, checking their SHA-256; an interrupted download resumes.")

        @Argument(help: "mnist or fashion-mnist.")
        var name: String

        @Option(name: .long, help: "Fetch from this base URL instead of the canonical ones (files are fetched as URL/name).")
        var mirror: String?

        @Option(name: .long, help: "The directory to store the files in (default: ~/.cache/swift-lora/datasets/NAME).")
        var cacheDir: String?

        @Flag(name: .long, help: "Print nothing but errors.")
        var quiet: Bool = false

        func validate() throws {
            if let mirror, URL(string: mirror)?.scheme == nil {
                throw ValidationError("--mirror must be a URL such as https://example.org/mnist, got '\(mirror)'.")
            }
        }

        func run() throws {
            let quiet = self.quiet
            let downloader = DatasetDownloader(onEvent: { event in
                guard !quiet else { return }
                switch event {
                case let .started(file, url, resumingAt):
                    Console.line(resumingAt > 0 ? "Resuming \(file) at byte \(resumingAt) from \(url)" : "Downloading \(file) from \(url)")
                case let .finished(file, bytes):
                    Console.line("  \(file): \(bytes) bytes, SHA-256 verified")
                case let .alreadyPresent(file):
                    Console.line("  \(file): already present and verified")
                case let .retrying(file, url, reason):
                    Console.line("  \(file): retrying \(url) (\(reason))")
                case .progress:
                    break
                }
            })
            let report = try downloader.fetch(datasetNamed: name, into: cacheDir, mirror: mirror.flatMap(URL.init(string:)))
            Console.line("\(name) is in \(report.directory)", quiet: quiet)
        }
    }

    /// `lora data list`.
    struct ListCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the known data sets and where each is found.")

        func run() throws {
            let resolver = DataSourceResolver()
            for dataset in resolver.catalog.datasets {
                let location = (try? resolver.resolve(dataset: dataset.name).directory) ?? "not present (lora data fetch \(dataset.name))"
                print("\(dataset.name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(dataset.summary)\n  \(location)")
            }
        }
    }
}
