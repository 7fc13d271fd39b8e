import Foundation
import Reporting
import Testing

@Suite("Metrics files")
struct MetricsWriterTests {
    static let stepKeys: Set<String> = ["kind", "method", "step", "epoch", "batch", "loss", "accuracy", "seconds"]
    static let epochKeys: Set<String> = ["kind", "method", "epoch", "mean_loss", "training_accuracy", "test_accuracy", "seconds"]

    /// Two epochs of three steps each, then their epoch records, as a writer receives them.
    static func sampleRun(method: String = "lora") -> (steps: [StepRecord], epochs: [EpochRecord]) {
        var steps: [StepRecord] = []
        var epochs: [EpochRecord] = []
        var step = 0
        for epoch in 1...2 {
            for batch in 0..<3 {
                step += 1
                steps.append(StepRecord(method: method, step: step, epoch: epoch, batch: batch,
                                        loss: 1.0 / Double(step), accuracy: 0.5 + 0.05 * Double(step), seconds: 0.25 * Double(step)))
            }
            epochs.append(EpochRecord(method: method, epoch: epoch, meanLoss: 0.4 / Double(epoch), trainingAccuracy: 0.8,
                                      testAccuracy: 0.75 + 0.1 * Double(epoch), seconds: 0.75 * Double(epoch)))
        }
        return (steps, epochs)
    }

    static func write(_ run: (steps: [StepRecord], epochs: [EpochRecord]), to writer: MetricsWriter) throws {
        for (index, epoch) in run.epochs.enumerated() {
            for step in run.steps[(index * 3)..<(index * 3 + 3)] { try writer.append(step) }
            try writer.append(epoch)
        }
    }

    static func jsonObjects(in text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return try #require(object as? [String: Any])
        }
    }

    @Test("every record becomes one JSON line with the documented keys and values")
    func linesHaveKeysAndValues() throws {
        let directory = try TemporaryDirectory()
        let writer = try MetricsWriter(path: directory.file("metrics.jsonl"))
        let run = Self.sampleRun()
        try Self.write(run, to: writer)
        try writer.close()

        let text = try directory.text(of: "metrics.jsonl")
        #expect(text.hasSuffix("\n"))
        let objects = try Self.jsonObjects(in: text)
        #expect(objects.count == run.steps.count + run.epochs.count)
        #expect(objects.map { $0["kind"] as? String } == ["step", "step", "step", "epoch", "step", "step", "step", "epoch"])

        let steps = objects.filter { $0["kind"] as? String == "step" }
        for (object, record) in zip(steps, run.steps) {
            #expect(Set(object.keys) == Self.stepKeys)
            #expect(object["method"] as? String == record.method)
            #expect(object["step"] as? Int == record.step)
            #expect(object["epoch"] as? Int == record.epoch)
            #expect(object["batch"] as? Int == record.batch)
            #expect(object["loss"] as? Double == record.loss)
            #expect(object["accuracy"] as? Double == record.accuracy)
            #expect(object["seconds"] as? Double == record.seconds)
        }
        let epochs = objects.filter { $0["kind"] as? String == "epoch" }
        for (object, record) in zip(epochs, run.epochs) {
            #expect(Set(object.keys) == Self.epochKeys)
            #expect(object["method"] as? String == record.method)
            #expect(object["epoch"] as? Int == record.epoch)
            #expect(object["mean_loss"] as? Double == record.meanLoss)
            #expect(object["training_accuracy"] as? Double == record.trainingAccuracy)
            #expect(object["test_accuracy"] as? Double == record.testAccuracy)
            #expect(object["seconds"] as? Double == record.seconds)
        }
    }

    @Test("lines are compact: one object per line, no spaces between tokens")
    func linesAreCompact() throws {
        let directory = try TemporaryDirectory()
        let writer = try MetricsWriter(path: directory.file("metrics.jsonl"))
        try writer.append(StepRecord(method: "dora", step: 1, epoch: 1, batch: 0, loss: 0.25, accuracy: 0.5, seconds: 1.5))
        try writer.close()
        #expect(try directory.text(of: "metrics.jsonl")
            == #"{"kind":"step","method":"dora","step":1,"epoch":1,"batch":0,"loss":0.25,"accuracy":0.5,"seconds":1.5}"# + "\n")
    }

    @Test("lines read back as equal records, with JSONDecoder and with MetricsLog")
    func linesReadBack() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("metrics.jsonl")
        let writer = try MetricsWriter(path: path)
        let run = Self.sampleRun()
        try Self.write(run, to: writer)
        try writer.close()

        let log = try MetricsLog(contentsOfFile: path)
        #expect(log.steps == run.steps)
        #expect(log.epochs == run.epochs)

        let firstLine = try #require(try directory.text(of: "metrics.jsonl").split(separator: "\n").first)
        #expect(try JSONDecoder().decode(StepRecord.self, from: Data(firstLine.utf8)) == run.steps[0])
    }

    @Test("Codable and the metrics lines agree on the keys")
    func codableMatchesLines() throws {
        let record = EpochRecord(method: "base", epoch: 3, meanLoss: 0.125, trainingAccuracy: 0.9, testAccuracy: nil, seconds: 12)
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(record)) as? [String: Any]
        #expect(Set(try #require(encoded).keys) == Self.epochKeys.subtracting(["kind"]))
        #expect(encoded?["test_accuracy"] is NSNull)
        #expect(try JSONDecoder().decode(EpochRecord.self, from: JSONEncoder().encode(record)) == record)
    }

    @Test("NaN, infinity and missing accuracies are written as null and read back as NaN and nil")
    func nonFiniteValuesAreNull() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("metrics.jsonl")
        let writer = try MetricsWriter(path: path)
        try writer.append(StepRecord(method: "lora", step: 1, epoch: 1, batch: 0, loss: .nan, accuracy: nil, seconds: .infinity))
        try writer.append(EpochRecord(method: "lora", epoch: 1, meanLoss: -.infinity, trainingAccuracy: .nan, testAccuracy: nil, seconds: 2))
        try writer.close()

        let objects = try Self.jsonObjects(in: try directory.text(of: "metrics.jsonl"))
        #expect(objects[0]["loss"] is NSNull)
        #expect(objects[0]["accuracy"] is NSNull)
        #expect(objects[0]["seconds"] is NSNull)
        #expect(objects[1]["mean_loss"] is NSNull)
        #expect(objects[1]["training_accuracy"] is NSNull)

        let log = try MetricsLog(contentsOfFile: path)
        #expect(log.steps.first?.loss.isNaN == true)
        #expect(log.steps.first?.accuracy == nil)
        #expect(log.epochs.first?.meanLoss.isNaN == true)
        #expect(log.epochs.first?.trainingAccuracy == nil)
        #expect(log.epochs.first?.seconds == 2)
    }

    @Test("method names with quotes, backslashes and control characters survive")
    func methodNamesAreEscaped() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("metrics.jsonl")
        let name = "lo\"ra\\ \n\t\u{1}é 🚀"
        let writer = try MetricsWriter(path: path)
        try writer.append(StepRecord(method: name, step: 1, epoch: 1, batch: 0, loss: 1, seconds: 1))
        try writer.close()
        let text = try directory.text(of: "metrics.jsonl")
        #expect(text.split(separator: "\n").count == 1)
        #expect(try Self.jsonObjects(in: text).first?["method"] as? String == name)
        #expect(try MetricsLog(contentsOfFile: path).steps.first?.method == name)
    }

    @Test("step lines wait in memory until the epoch record, which writes them all")
    func epochRecordFlushes() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("metrics.jsonl")
        let writer = try MetricsWriter(path: path)
        let run = Self.sampleRun()
        for step in run.steps[0..<3] { try writer.append(step) }
        #expect(try directory.text(of: "metrics.jsonl").isEmpty)
        try writer.append(run.epochs[0])
        #expect(try directory.text(of: "metrics.jsonl").split(separator: "\n").count == 4)
        try writer.close()
    }

    @Test("a full chunk goes to the file before the epoch ends")
    func chunksAreWritten() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("metrics.jsonl")
        let writer = try MetricsWriter(path: path, chunkSize: 1024)
        for step in 1...100 {
            try writer.append(StepRecord(method: "lora", step: step, epoch: 1, batch: step - 1, loss: 0.5, seconds: 0.01))
        }
        let written = try directory.text(of: "metrics.jsonl")
        #expect(!written.isEmpty)
        #expect(written.hasSuffix("\n"), "chunks hold whole lines")
        try writer.close()
        #expect(try directory.text(of: "metrics.jsonl").split(separator: "\n").count == 100)
    }

    @Test("closing writes the remaining lines; records after closing are rejected")
    func closeAndAppendAfterClose() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("metrics.jsonl")
        let writer = try MetricsWriter(path: path)
        try writer.append(StepRecord(method: "lora", step: 1, epoch: 1, batch: 0, loss: 1, seconds: 1))
        try writer.close()
        try writer.close()
        #expect(writer.isClosed)
        #expect(try directory.text(of: "metrics.jsonl").split(separator: "\n").count == 1)
        #expect(throws: ReportingError.metricsWriterClosed(path: path)) {
            try writer.append(StepRecord(method: "lora", step: 2, epoch: 1, batch: 1, loss: 1, seconds: 1))
        }
    }

    @Test("a writer that is released without closing still writes its lines")
    func deinitWritesBufferedLines() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("metrics.jsonl")
        do {
            let writer = try MetricsWriter(path: path)
            try writer.append(StepRecord(method: "lora", step: 1, epoch: 1, batch: 0, loss: 1, seconds: 1))
        }
        #expect(try directory.text(of: "metrics.jsonl").split(separator: "\n").count == 1)
    }

    @Test("a new writer starts the file empty unless it appends")
    func replacingAndAppending() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("metrics.jsonl")
        let record = StepRecord(method: "lora", step: 1, epoch: 1, batch: 0, loss: 1, seconds: 1)
        for _ in 0..<2 {
            let writer = try MetricsWriter(path: path)
            try writer.append(record)
            try writer.close()
        }
        #expect(try MetricsLog(contentsOfFile: path).steps.count == 1)
        let appending = try MetricsWriter(path: path, appending: true)
        try appending.append(record)
        try appending.close()
        #expect(try MetricsLog(contentsOfFile: path).steps.count == 2)
    }

    @Test("a path in a missing directory is an error naming the path")
    func missingDirectory() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("no-such-directory/metrics.jsonl")
        do {
            _ = try MetricsWriter(path: path)
            Issue.record("opening \(path) succeeded")
        } catch {
            guard case .cannotOpenMetricsFile(let reportedPath, let reason) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(reportedPath == path)
            #expect(reason.contains("No such file"))
            #expect(error.description.contains(path))
            #expect(error.description.hasSuffix("."))
        }
    }

    @Test("a path below a regular file, a directory or an empty path cannot be opened", arguments: ["file/metrics.jsonl", "", "."])
    func unwritableLocations(relativePath: String) throws {
        let directory = try TemporaryDirectory()
        #expect(FileManager.default.createFile(atPath: directory.file("file"), contents: Data()))
        let path = relativePath.isEmpty ? "" : directory.file(relativePath)
        #expect {
            _ = try MetricsWriter(path: path)
        } throws: { error in
            guard case .cannotOpenMetricsFile(let reportedPath, _) = error as? ReportingError else { return false }
            return reportedPath == path && (error as? ReportingError)?.description.contains("'\(path)'") == true
        }
    }

    @Test("a location no process may create files in (sysfs) is an error naming the path",
          .enabled(if: FileManager.default.fileExists(atPath: "/sys/kernel"), "needs Linux's /sys"))
    func systemDirectory() throws {
        let path = "/sys/swift-lora-metrics.jsonl"
        #expect {
            _ = try MetricsWriter(path: path)
        } throws: { error in
            guard case .cannotOpenMetricsFile(let reportedPath, _) = error as? ReportingError else { return false }
            return reportedPath == path
        }
    }

    @Test("a read-only directory cannot receive a metrics file", .enabled(if: geteuid() != 0, "root may write anywhere"))
    func readOnlyDirectory() throws {
        let directory = try TemporaryDirectory()
        let readOnly = directory.file("read-only")
        try FileManager.default.createDirectory(atPath: readOnly, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o500])
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: readOnly) }
        let path = readOnly + "/metrics.jsonl"
        #expect(throws: ReportingError.cannotOpenMetricsFile(path: path, reason: String(cString: strerror(EACCES)))) {
            _ = try MetricsWriter(path: path)
        }
    }
}

@Suite("Reading metrics files")
struct MetricsLogTests {
    @Test("a line that is not a record is reported with its number")
    func malformedLine() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("metrics.jsonl")
        let good = #"{"kind":"step","method":"lora","step":1,"epoch":1,"batch":0,"loss":1,"accuracy":null,"seconds":1}"#
        for (bad, expectedReason) in [("{\"kind\":\"batch\"}", "\"batch\""), ("not json", "valid JSON"),
                                      (#"{"kind":"step","method":"lora"}"#, "missing")] {
            try Data((good + "\n\n" + bad + "\n" + good + "\n").utf8).write(to: URL(fileURLWithPath: path))
            #expect {
                _ = try MetricsLog(contentsOfFile: path)
            } throws: { error in
                guard case .malformedMetricsLine(let reportedPath, let line, let reason) = error as? ReportingError else { return false }
                return reportedPath == path && line == 3 && reason.contains(expectedReason)
            }
        }
    }

    @Test("an unfinished last line, as a crash leaves it, is skipped")
    func unfinishedLastLine() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("metrics.jsonl")
        let good = #"{"kind":"step","method":"lora","step":1,"epoch":1,"batch":0,"loss":1,"accuracy":null,"seconds":1}"#
        try Data((good + "\n" + #"{"kind":"step","meth"#).utf8).write(to: URL(fileURLWithPath: path))
        #expect(try MetricsLog(contentsOfFile: path).steps.count == 1)
    }

    @Test("a missing file is an error naming the path")
    func missingFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("absent.jsonl")
        #expect {
            _ = try MetricsLog(contentsOfFile: path)
        } throws: { error in
            guard case .cannotReadMetricsFile(let reportedPath, _) = error as? ReportingError else { return false }
            return reportedPath == path && String(describing: error).contains(path)
        }
    }
}
