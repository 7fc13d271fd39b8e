import Foundation
import Reporting
import Testing

@Suite("Terminal progress: log lines never run into the bar")
struct ProgressLineClearingTests {
    @Test func clearLineErasesTheBarAndTheNextUpdateDrawsItAgain() {
        let output = CapturedOutput()
        let display = output.display(.bar)
        display.beginEpoch(method: "lora", epoch: 1, of: 2, batchCount: 10)
        output.now += 1
        display.update(completedBatches: 1, loss: 0.5)
        let drawn = output.pieces.last ?? ""
        let barLength = drawn.dropFirst().count
        display.clearLine()
        #expect(output.pieces.last == "\r" + String(repeating: " ", count: barLength) + "\r",
                "the whole bar is overwritten and the cursor is back at the left margin")
        // Something printed now starts at the left margin; the next update draws the bar at once.
        let count = output.pieces.count
        display.update(completedBatches: 2, loss: 0.4)
        #expect(output.pieces.count == count + 1)
        #expect(output.pieces.last?.hasPrefix("\r[lora] epoch 1/2 [") == true)
        // Clearing twice writes nothing more.
        display.clearLine()
        let afterClear = output.pieces.count
        display.clearLine()
        #expect(output.pieces.count == afterClear)
    }

    @Test func discardEpochLeavesNoSummaryLine() {
        let output = CapturedOutput()
        let display = output.display(.bar)
        display.beginEpoch(method: "dora", epoch: 1, of: 1, batchCount: 4)
        for batch in 1...4 { output.now += 0.5; display.update(completedBatches: batch, loss: 0.3) }
        display.discardEpoch()
        #expect(output.text.hasSuffix("\r"))
        #expect(!output.text.contains("\n"), "the epoch is reported by the caller, once")
        display.endEpoch(meanLoss: 0.3)
        #expect(!output.text.contains("\n"), "the epoch is over")
    }

    @Test func clearLineWritesNothingOutsideBarMode() {
        for mode in [ProgressDisplay.Mode.lines, .quiet] {
            let output = CapturedOutput()
            let display = output.display(mode)
            display.beginEpoch(method: "lora", epoch: 1, of: 1, batchCount: 4)
            display.clearLine()
            display.discardEpoch()
            #expect(output.text.isEmpty)
        }
    }
}
