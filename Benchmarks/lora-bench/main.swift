// Benchmarks for swift-lora: GEMM kernels and a training epoch of the reference MLP.
// `--json` prints one JSON object per line: {"name", "seconds", "gflops"};
// `--only gemm`, `--only batched`, `--only epoch` or `--only large` runs one group; `--only base`,
// `accuracy`, `lora` or `dora` one part of the epoch group.
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let reporter = BenchmarkReporter(json: arguments.contains("--json"))
let only = arguments.firstIndex(of: "--only").flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
if only == nil || only == "gemm" { GEMMBenchmark.run(reporter: reporter) }
if only == nil || only == "batched" { BatchedProductBenchmark.run(reporter: reporter) }
do {
    if only == nil || only == "epoch" { try EpochBenchmark.run(reporter: reporter) }
    if let only, let phase = EpochBenchmark.Phase(rawValue: only) { try EpochBenchmark.run(reporter: reporter, phases: [phase]) }
    if only == nil || only == "large" { try LargeLayerBenchmark.run(reporter: reporter) }
    reporter.report(name: "peak rss bytes", bytes: PeakMemory.residentBytes)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
