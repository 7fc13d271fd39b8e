// Micro-benchmarks for swift-lora. `--json` prints one JSON object per line.

let arguments = CommandLine.arguments.dropFirst()
let reporter = BenchmarkReporter(json: arguments.contains("--json"))
GEMMBenchmark.run(reporter: reporter)
