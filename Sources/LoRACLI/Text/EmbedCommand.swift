import ArgumentParser
import Foundation
import SafeTensors
import TextTraining
import Transformers

/// `lora embed --model HF_DIR [--adapter DIR]`: sentence-transformers embeddings.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed texts with a Hugging Face BERT model folder as sentence-transformers does (normalised mean pooling).",
        discussion: """
            Texts come from --data (its --text-column) or, without --data, from standard input, one per line (empty lines \
            skipped). Output: JSON lines {"embedding": [...]} in input order (standard output by default), or a float32 \
            NumPy array [texts, hidden] when --output ends in .npy. With --adapter, the encoder carries the adapters of a \
            directory 'lora finetune' wrote. A summary (texts, seconds, texts per second) goes to standard error.
            """)

    @Option(name: .long, help: "A Hugging Face BERT model folder: config.json, model.safetensors, and vocab.txt or tokenizer.json.")
    var model: String

    @Option(name: .long, help: "An adapter directory 'lora finetune' wrote, whose adapters the encoder takes.")
    var adapter: String?

    @Option(name: .long, parsing: .unconditional, help: "Tokens per text at most, [CLS] and [SEP] included (all-MiniLM-L6-v2's max_seq_length is 256).")
    var maxLength: Int = 256

    @Option(name: .long, parsing: .unconditional, help: "Texts per forward pass.")
    var batchSize: Int = 64

    @Option(name: .long, help: "The texts: a CSV file with a header row, or JSON Lines (default: standard input, one text per line).")
    var data: String?

    @OptionGroup var columns: TextColumnOptions

    @Option(name: .long, parsing: .unconditional, help: "Embed the first N texts only.")
    var maxSamples: Int?

    @Option(name: .long, help: "Write to this file: JSON lines, or a NumPy array when the name ends in .npy.")
    var output: String?

    @Flag(name: .long, help: "Load an adapter holding NaN or infinite values instead of refusing it.")
    var allowNonFinite: Bool = false

    @Flag(name: .long, help: "Print no summary.")
    var quiet: Bool = false

    @OptionGroup var parallel: ParallelOptions

    func validate() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory), isDirectory.boolValue,
              FileManager.default.fileExists(atPath: model + "/config.json") else {
            throw ValidationError("--model '\(model)' is not a Hugging Face model folder (a directory with config.json, "
                                  + "model.safetensors and vocab.txt or tokenizer.json).")
        }
        if let adapter { try OutputPath.checkExists(adapter, flag: "--adapter") }
        if let data { try OutputPath.checkExists(data, flag: "--data") }
        guard maxLength >= 2 else { throw ValidationError("--max-length must be at least 2 ([CLS] and [SEP]), got \(maxLength).") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize).") }
        if let maxSamples, maxSamples < 1 { throw ValidationError("--max-samples must be at least 1, got \(maxSamples).") }
        if let output { try OutputPath.checkWritable(output, flag: "--output") }
    }

    func run() throws {
        let (weights, tokenizer) = try TextModelOptions.load(model: model, maxLength: maxLength)
        let encoder: BERTEncoder
        if let adapter {
            encoder = try TextModels.load(adapter: adapter, model: model, weights: weights, allowingNonFiniteValues: allowNonFinite)
                .classifier.encoder
        } else {
            encoder = try BERTEncoder(weights: weights)
        }
        let texts = try TextInput.texts(file: data, columns: columns, maxSamples: maxSamples)
        let embedder = SentenceEmbedder(encoder: encoder, tokenizer: tokenizer, maximumLength: maxLength, batchSize: batchSize)
        let start = ContinuousClock.now
        let asArray = output?.lowercased().hasSuffix(".npy") ?? false
        func write(to sink: (Data) throws -> Void) throws {
            if asArray { try sink(Data(NumPyArrayFile.header(shape: [texts.count, embedder.dimension]))) }
            try embedder.embed(texts) { _, values in
                if asArray {
                    try sink(Data(NumPyArrayFile.bytes(values)))
                    return
                }
                var lines = Data()
                for row in 0..<(values.count / embedder.dimension) {
                    let vector = values[(row * embedder.dimension)..<((row + 1) * embedder.dimension)].map(Double.init)
                    lines.append(try JSONOutput.text(["embedding": vector], pretty: false))
                    lines.append(0x0A)
                }
                try sink(lines)
            }
        }
        if let output {
            try AtomicFileWriter.write(toPath: output) { file in try write { try file.write($0) } }
        } else {
            try write { FileHandle.standardOutput.write($0) }
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        if !quiet {
            Console.note("embedded \(texts.count) texts (\(embedder.dimension) dimensions, max length \(maxLength)) in "
                         + Console.fixed(seconds, 2) + " s: " + Console.fixed(Double(texts.count) / max(seconds, 1e-9), 1) + " texts/s"
                         + (output.map { ", written to \($0)" } ?? ""))
        }
    }
}
