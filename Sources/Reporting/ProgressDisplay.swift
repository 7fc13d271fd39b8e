#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows the progress of training epochs on a terminal or in a log.
///
/// Call ``beginEpoch(method:epoch:of:batchCount:)``, then ``update(completedBatches:loss:)``
/// after each batch, then ``endEpoch(meanLoss:trainingAccuracy:testAccuracy:)``. What is
/// written depends on the ``Mode-swift.enum``:
///
/// - ``Mode-swift.enum/bar``: `\r[lora] epoch 3/10 [#########.....] 512/938 loss 0.2345 12.3s`,
///   redrawn at most every ``redrawInterval`` seconds and padded with spaces to cover a
///   longer previous line; the epoch's last redraw shows the mean loss and accuracies
///   (`… 938/938 loss 0.2345 train 97.12% test 96.80% 45.6s`) and ends with a line break.
/// - ``Mode-swift.enum/lines``: `[lora] epoch 3/10 batch 100/938 loss 0.2345 1.2s` after
///   every ``lineInterval``-th batch, and
///   `[lora] epoch 3/10 done: mean loss 0.2345, training 97.12%, test 96.80%, 45.6s` at the
///   end of the epoch: `batchCount / lineInterval + 1` lines per epoch (rounded down).
/// - ``Mode-swift.enum/quiet``: nothing.
///
/// Elapsed times count from the start of the epoch. Control characters in method names are
/// shown as `?`. Text goes to the sink in whole pieces (one line or one redraw per call).
public final class ProgressDisplay {
    /// Receives the text to show.
    public typealias Sink = (String) -> Void

    public let mode: Mode
    /// In ``Mode-swift.enum/lines`` mode, a line is written after every this many batches.
    public let lineInterval: Int
    /// The number of cells in the bar.
    public let barWidth: Int
    /// In ``Mode-swift.enum/bar`` mode, the shortest time in seconds between two redraws
    /// (the first and last redraw of an epoch always happen).
    public let redrawInterval: Double

    private let sink: Sink
    private let clock: () -> Double
    private var epoch: EpochState?
    private var previousBarLength = 0

    private struct EpochState {
        let label: String
        let batchCount: Int
        /// Samples in each batch, when the caller gives it: the bar then shows samples per second.
        let samplesPerBatch: Int?
        let start: Double
        var lastRedraw: Double?
        var completedBatches = 0
        var latestLoss = Double.nan
    }

    /// Creates a display.
    ///
    /// - Parameters:
    ///   - mode: How to show progress; by default bar or lines depending on whether
    ///     standard error is a terminal.
    ///   - lineInterval: Batches between lines in ``Mode-swift.enum/lines`` mode (at least 1).
    ///   - barWidth: Cells in the bar (at least 1).
    ///   - redrawInterval: Shortest time between bar redraws, in seconds.
    ///   - clock: The current time in seconds on any monotonic scale; defaults to the
    ///     system's monotonic clock.
    ///   - sink: Receives the output; defaults to standard error.
    public init(mode: Mode = .automatic(for: STDERR_FILENO), lineInterval: Int = 100, barWidth: Int = 20,
                redrawInterval: Double = 0.1, clock: @escaping () -> Double = ProgressDisplay.monotonicSeconds,
                sink: @escaping Sink = ProgressDisplay.writeToStandardError) {
        self.mode = mode
        self.lineInterval = max(lineInterval, 1)
        self.barWidth = max(barWidth, 1)
        self.redrawInterval = redrawInterval
        self.clock = clock
        self.sink = sink
    }

    /// Starts showing epoch `epoch` of `totalEpochs` of `method`, which has `batchCount`
    /// batches. An epoch still open is ended first, without its summary. With
    /// `samplesPerBatch`, the bar and the lines also show the samples per second since the
    /// epoch began (`completedBatches · samplesPerBatch / elapsed`, e.g. `85.2 samples/s`).
    public func beginEpoch(method: String, epoch: Int, of totalEpochs: Int, batchCount: Int, samplesPerBatch: Int? = nil) {
        if self.epoch != nil, mode == .bar { sink("\n") }
        let label = "[\(ProgressDisplay.printable(method))] epoch \(epoch)/\(totalEpochs)"
        self.epoch = EpochState(label: label, batchCount: max(batchCount, 0), samplesPerBatch: samplesPerBatch, start: clock())
        previousBarLength = 0
        if mode == .bar { redraw(force: true) }
    }

    /// Records that `completedBatches` batches of the epoch are done, the last one with
    /// mean loss `loss`. Does nothing outside an epoch.
    public func update(completedBatches: Int, loss: Double) {
        guard var state = epoch else { return }
        state.completedBatches = max(completedBatches, 0)
        state.latestLoss = loss
        epoch = state
        switch mode {
        case .bar:
            redraw(force: state.batchCount > 0 && completedBatches >= state.batchCount)
        case .lines:
            if completedBatches > 0, completedBatches % lineInterval == 0 {
                sink(state.label + " batch \(completedBatches)/\(state.batchCount) loss "
                     + NumberText.fixed(loss, digits: 4) + " " + elapsed(since: state.start) + rate(state) + "\n")
            }
        case .quiet:
            break
        }
    }

    /// Ends the epoch with its mean loss and, when measured, its accuracies (fractions in
    /// [0, 1]). Does nothing outside an epoch.
    public func endEpoch(meanLoss: Double, trainingAccuracy: Double? = nil, testAccuracy: Double? = nil) {
        guard let state = epoch else { return }
        epoch = nil
        let time = elapsed(since: state.start)
        switch mode {
        case .bar:
            var line = state.label + " " + bar(filled: state.batchCount, of: state.batchCount)
                + " \(state.batchCount)/\(state.batchCount) loss " + NumberText.fixed(meanLoss, digits: 4)
            if let trainingAccuracy { line += " train " + NumberText.percent(trainingAccuracy) }
            if let testAccuracy { line += " test " + NumberText.percent(testAccuracy) }
            sink("\r" + padded(line + " " + time) + "\n")
            previousBarLength = 0
        case .lines:
            var line = state.label + " done: mean loss " + NumberText.fixed(meanLoss, digits: 4)
            if let trainingAccuracy { line += ", training " + NumberText.percent(trainingAccuracy) }
            if let testAccuracy { line += ", test " + NumberText.percent(testAccuracy) }
            sink(line + ", " + time + "\n")
        case .quiet:
            break
        }
    }

    /// Erases the bar line (``Mode-swift.enum/bar`` only), so that a line written to another
    /// stream of the same terminal starts at the left margin instead of after the bar
    /// (`…[....] 0/938 0.0s[lora] Epoch 001/002 …`). The next ``update(completedBatches:loss:)``
    /// draws the bar again.
    public func clearLine() {
        guard mode == .bar, previousBarLength > 0 else { return }
        sink("\r" + String(repeating: " ", count: previousBarLength) + "\r")
        previousBarLength = 0
        epoch?.lastRedraw = nil
    }

    /// Ends the epoch without a summary line, erasing the bar: for a caller that prints the
    /// epoch's summary itself. Does nothing outside an epoch.
    public func discardEpoch() {
        clearLine()
        epoch = nil
    }

    /// Redraws the bar line when forced or when ``redrawInterval`` has passed.
    private func redraw(force: Bool) {
        guard var state = epoch else { return }
        let now = clock()
        if !force, let last = state.lastRedraw, now - last < redrawInterval { return }
        state.lastRedraw = now
        epoch = state
        var line = state.label + " " + bar(filled: state.completedBatches, of: state.batchCount) + " \(state.completedBatches)/\(state.batchCount)"
        if state.latestLoss.isFinite || state.completedBatches > 0 {
            line += " loss " + NumberText.fixed(state.latestLoss, digits: 4)
        }
        line += " " + elapsed(since: state.start) + rate(state)
        sink("\r" + padded(line))
    }

    /// ` 85.2 samples/s` when the epoch's batch size is known and time has passed, else empty.
    private func rate(_ state: EpochState) -> String {
        guard let samplesPerBatch = state.samplesPerBatch else { return "" }
        let seconds = clock() - state.start
        guard seconds > 0, state.completedBatches > 0 else { return "" }
        return " " + NumberText.fixed(Double(state.completedBatches * samplesPerBatch) / seconds, digits: 1) + " samples/s"
    }

    /// `[#####.....]` with the share `filled / total` of the cells filled (all of them when
    /// `total` is 0).
    private func bar(filled: Int, of total: Int) -> String {
        let fraction = total > 0 ? min(max(Double(filled) / Double(total), 0), 1) : 1
        let cells = Int((fraction * Double(barWidth)).rounded(.down))
        return "[" + String(repeating: "#", count: cells) + String(repeating: ".", count: barWidth - cells) + "]"
    }

    /// `line` followed by enough spaces to cover the previous, longer bar line.
    private func padded(_ line: String) -> String {
        let length = line.count
        defer { previousBarLength = length }
        return length < previousBarLength ? line + String(repeating: " ", count: previousBarLength - length) : line
    }

    private func elapsed(since start: Double) -> String {
        NumberText.fixed(max(clock() - start, 0), digits: 1) + "s"
    }

    /// `text` with every control character replaced by `?`.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) ? "?" : scalar
        }))
    }

    /// Seconds on the system's monotonic clock.
    public static func monotonicSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Writes `text` to standard error, unbuffered.
    public static func writeToStandardError(_ text: String) {
        _ = SystemCalls.writeAll(STDERR_FILENO, Array(text.utf8))
    }
}
