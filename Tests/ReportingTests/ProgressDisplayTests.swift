import Foundation
import Reporting
import Testing

/// Collects what a ``ProgressDisplay`` writes, and supplies its clock.
final class CapturedOutput {
    var pieces: [String] = []
    var now = 100.0
    var text: String { pieces.joined() }

    func display(_ mode: ProgressDisplay.Mode, lineInterval: Int = 3) -> ProgressDisplay {
        ProgressDisplay(mode: mode, lineInterval: lineInterval, clock: { [unowned self] in now },
                        sink: { [unowned self] in pieces.append($0) })
    }

    /// Runs `epochs` epochs of `batches` batches, advancing the clock by `secondsPerBatch`.
    func run(_ display: ProgressDisplay, method: String = "lora", epochs: Int = 1, batches: Int = 10,
             secondsPerBatch: Double = 0.05) {
        for epoch in 1...epochs {
            display.beginEpoch(method: method, epoch: epoch, of: epochs, batchCount: batches)
            for batch in 1...batches {
                now += secondsPerBatch
                display.update(completedBatches: batch, loss: 1 / Double(batch))
            }
            display.endEpoch(meanLoss: 0.2345, trainingAccuracy: 0.9712, testAccuracy: 0.968)
        }
    }
}

@Suite("Terminal progress")
struct ProgressDisplayTests {
    static func hasControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || $0.value == 0x7F || (0x80...0x9F).contains($0.value) }
    }

    @Test("lines mode writes a plain line every few batches and one at the end of each epoch")
    func linesMode() {
        let output = CapturedOutput()
        output.run(output.display(.lines, lineInterval: 3), epochs: 2, batches: 10, secondsPerBatch: 0.1)
        let text = output.text
        #expect(!text.contains("\r"))
        #expect(!text.contains("\u{1B}"))
        #expect(!Self.hasControlCharacters(text))
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 2 * (10 / 3 + 1))
        #expect(lines.first == "[lora] epoch 1/2 batch 3/10 loss 0.3333 0.3s")
        #expect(lines[3] == "[lora] epoch 1/2 done: mean loss 0.2345, training 97.12%, test 96.80%, 1.0s")
        #expect(output.pieces.allSatisfy { $0.hasSuffix("\n") && $0.filter { $0 == "\n" }.count == 1 }, "one line per write")
    }

    @Test("lines mode leaves out accuracies that were not measured")
    func linesWithoutAccuracy() {
        let output = CapturedOutput()
        let display = output.display(.lines, lineInterval: 100)
        display.beginEpoch(method: "base", epoch: 1, of: 1, batchCount: 5)
        display.endEpoch(meanLoss: 0.5)
        #expect(output.text == "[base] epoch 1/1 done: mean loss 0.5000, 0.0s\n")
    }

    @Test("bar mode redraws one line with carriage returns and ends each epoch with a line break")
    func barMode() throws {
        let output = CapturedOutput()
        output.run(output.display(.bar), epochs: 2, batches: 10, secondsPerBatch: 0.5)
        let text = output.text
        #expect(text.contains("\r"))
        #expect(text.hasSuffix("\n"))
        #expect(text.filter { $0 == "\n" }.count == 2, "one finished line per epoch")
        #expect(!text.contains("\u{1B}"))
        let epochs = text.split(separator: "\n")
        for (index, epoch) in epochs.enumerated() {
            let redraws = epoch.split(separator: "\r")
            #expect(redraws.count == 12, "the start, each batch and the end")
            #expect(redraws.allSatisfy { $0.hasPrefix("[lora] epoch \(index + 1)/2 [") })
            #expect(redraws.dropLast().last?.hasSuffix(" 10/10 loss 0.1000 5.0s") == true)
            #expect(redraws.last == "[lora] epoch \(index + 1)/2 [####################] 10/10 loss 0.2345 train 97.12% test 96.80% 5.0s")
        }
        let middle = try #require(epochs.first?.split(separator: "\r")[4])
        #expect(middle == "[lora] epoch 1/2 [########............] 4/10 loss 0.2500 2.0s")
    }

    @Test("bar mode redraws at most every redraw interval, but always at the start and end")
    func barIsThrottled() {
        let output = CapturedOutput()
        output.run(output.display(.bar), batches: 500, secondsPerBatch: 0.001)
        let redraws = output.text.filter { $0 == "\r" }.count
        #expect(redraws >= 3 && redraws <= 8)
        #expect(output.text.contains(" 500/500 loss 0.0020 0.5s"))
        #expect(output.text.hasSuffix("\n"))
    }

    @Test("a shorter redraw is padded to cover the longer previous line")
    func barPadding() {
        let output = CapturedOutput()
        let display = output.display(.bar)
        display.beginEpoch(method: "lora", epoch: 1, of: 1, batchCount: 10)
        output.now += 1
        display.update(completedBatches: 1, loss: 123_456.5)
        output.now += 1
        display.update(completedBatches: 2, loss: 0.5)
        let last = output.pieces[2]
        let previous = output.pieces[1]
        #expect(last.count == previous.count)
        #expect(last.hasSuffix(" "))
    }

    @Test("quiet mode writes nothing")
    func quietMode() {
        let output = CapturedOutput()
        output.run(output.display(.quiet), epochs: 2)
        #expect(output.pieces.isEmpty)
    }

    @Test("control characters in method names are not passed to the terminal", arguments: [ProgressDisplay.Mode.lines, .bar])
    func methodNamesAreSanitised(mode: ProgressDisplay.Mode) {
        let output = CapturedOutput()
        output.run(output.display(mode), method: "lo\u{1B}[2Jra\r\n\u{9B}")
        #expect(!output.text.contains("\u{1B}"))
        #expect(output.text.contains("[lo?[2Jra???] epoch 1/1"))
        #expect(output.text.filter { $0 == "\n" }.count == (mode == .lines ? 4 : 1))
    }

    @Test("updates outside an epoch and a missing end are harmless")
    func outOfOrderCalls() {
        let output = CapturedOutput()
        let display = output.display(.bar)
        display.update(completedBatches: 3, loss: 1)
        display.endEpoch(meanLoss: 1)
        #expect(output.pieces.isEmpty)
        display.beginEpoch(method: "lora", epoch: 1, of: 2, batchCount: 0)
        display.update(completedBatches: 0, loss: .nan)
        display.beginEpoch(method: "lora", epoch: 2, of: 2, batchCount: 4)
        display.endEpoch(meanLoss: .nan)
        #expect(output.text.filter { $0 == "\n" }.count == 2)
        #expect(output.text.hasSuffix("[####################] 4/4 loss NaN 0.0s\n"))
    }

    @Test("automatic mode chooses lines for pipes and files")
    func automaticMode() throws {
        let pipe = Pipe()
        #expect(ProgressDisplay.Mode.automatic(for: pipe.fileHandleForWriting.fileDescriptor) == .lines)
        let devNull = try #require(FileHandle(forWritingAtPath: "/dev/null"))
        #expect(ProgressDisplay.Mode.automatic(for: devNull.fileDescriptor) == .lines)
        #expect(ProgressDisplay.Mode.automatic(for: -1) == .lines)
    }
}

@Suite("Terminal progress with samples per second")
struct ProgressDisplayRateTests {
    @Test("Given the batch size, the bar and the lines show samples per second since the epoch began")
    func samplesPerSecond() {
        let output = CapturedOutput()
        let lines = output.display(.lines, lineInterval: 2)
        lines.beginEpoch(method: "lora", epoch: 1, of: 1, batchCount: 4, samplesPerBatch: 32)
        output.now += 0.5
        lines.update(completedBatches: 1, loss: 1)
        output.now += 0.5
        lines.update(completedBatches: 2, loss: 0.5)
        // 2 batches of 32 in 1 s.
        #expect(output.text == "[lora] epoch 1/1 batch 2/4 loss 0.5000 1.0s 64.0 samples/s\n")

        let barOutput = CapturedOutput()
        let bar = barOutput.display(.bar)
        bar.beginEpoch(method: "probe", epoch: 1, of: 1, batchCount: 4, samplesPerBatch: 8)
        #expect(!barOutput.text.contains("samples/s"), "no rate before a batch is done")
        barOutput.now += 0.5
        bar.update(completedBatches: 1, loss: 1)
        #expect(barOutput.pieces.last?.hasSuffix(" 0.5s 16.0 samples/s") == true)
    }

    @Test("Without the batch size nothing about samples is shown")
    func noRateWithoutBatchSize() {
        let output = CapturedOutput()
        output.run(output.display(.lines, lineInterval: 3))
        #expect(!output.text.contains("samples/s"))
    }
}
