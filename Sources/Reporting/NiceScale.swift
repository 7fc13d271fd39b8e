import Foundation

/// A linear axis scale whose ticks fall on "nice" numbers (1, 2, 2.5 or 5 times a power
/// of ten), covering a range of data values.
struct NiceScale: Equatable {
    /// The value at the start of the axis.
    let lower: Double
    /// The value at the end of the axis (greater than ``lower``).
    let upper: Double
    /// The distance between neighbouring ticks.
    let step: Double
    /// The tick values, ascending, all within ``lower``...``upper``.
    let ticks: [Double]
    /// The decimals tick labels need to tell the ticks apart.
    let fractionDigits: Int

    /// A scale covering `minimum`...`maximum` with about `targetTickCount` ticks.
    ///
    /// - Parameters:
    ///   - integerSteps: Whether ticks must be whole numbers (for epochs); a single value
    ///     then gets a scale half a unit wide on each side with one tick.
    ///   - bounds: Limits the axis may not pass (for percentages, 0...100), as long as the
    ///     data lie within them.
    ///
    /// Non-finite limits give the scale 0...1; equal limits are widened around the value.
    init(minimum: Double, maximum: Double, targetTickCount: Int = 6, integerSteps: Bool = false,
         bounds: ClosedRange<Double>? = nil) {
        var low = min(minimum, maximum)
        var high = max(minimum, maximum)
        if !low.isFinite || !high.isFinite {
            low = 0
            high = 1
        }
        let dataLow = low
        let dataHigh = high
        if low == high {
            if integerSteps {
                let center = low.rounded()
                self.init(lower: center - 0.5, upper: center + 0.5, step: 1, ticks: [center], fractionDigits: 0)
                return
            }
            let padding = low == 0 ? 1 : abs(low) * 0.1
            low -= padding
            high += padding
            if let bounds, bounds.contains(dataLow) {
                if bounds.lowerBound < dataLow { low = max(low, bounds.lowerBound) }
                if bounds.upperBound > dataHigh { high = min(high, bounds.upperBound) }
            }
        }
        let intervals = Double(max(targetTickCount - 1, 1))
        // Divide before subtracting so that ranges near the largest Double do not overflow.
        var step = NiceScale.niceNumber(high / intervals - low / intervals, rounding: true)
        if integerSteps { step = max(step.rounded(), 1) }
        if !(step.isFinite && step > 0) { step = (high - low) / intervals }
        var lower = (low / step).rounded(.down) * step
        var upper = (high / step).rounded(.up) * step
        if !lower.isFinite { lower = low }
        if !upper.isFinite { upper = high }
        if let bounds {
            if dataLow >= bounds.lowerBound { lower = max(lower, bounds.lowerBound) }
            if dataHigh <= bounds.upperBound { upper = min(upper, bounds.upperBound) }
        }
        if !(upper > lower) { upper = lower + step }

        var ticks: [Double] = []
        let first = (lower / step).rounded(.up)
        let tolerance = step * 1e-9
        var index = 0.0
        while ticks.count < 100 {
            let value = (first + index) * step
            if value > upper + tolerance { break }
            ticks.append(abs(value) < tolerance ? 0 : value)
            index += 1
        }
        self.init(lower: lower, upper: upper, step: step, ticks: ticks,
                  fractionDigits: NiceScale.fractionDigits(for: step))
    }

    private init(lower: Double, upper: Double, step: Double, ticks: [Double], fractionDigits: Int) {
        self.lower = lower
        self.upper = upper
        self.step = step
        self.ticks = ticks
        self.fractionDigits = fractionDigits
    }

    /// The same range without ticks.
    var withoutTicks: NiceScale {
        NiceScale(lower: lower, upper: upper, step: step, ticks: [], fractionDigits: fractionDigits)
    }

    /// Whether labels use exponent notation ("2.5e+30"), because the values are too large
    /// or the step too small for a short fixed-point label.
    var usesExponentNotation: Bool {
        let magnitude = max(abs(lower), abs(upper))
        return magnitude >= 1e7 || (magnitude > 0 && step < 1e-4)
    }

    /// The label for `value`: ``fractionDigits`` decimals (plus `extraDigits`), or
    /// exponent notation with enough significant digits to tell the ticks apart.
    func label(_ value: Double, extraDigits: Int = 0) -> String {
        guard usesExponentNotation, value.isFinite, value != 0 else {
            return NumberText.fixed(value, digits: fractionDigits + extraDigits)
        }
        let magnitude = max(abs(lower), abs(upper))
        let significant = Int(log10(magnitude).rounded(.down) - log10(step).rounded(.down)) + 1 + extraDigits
        return String(format: "%.*g", min(max(significant, 1), 17), value)
    }

    /// Where `value` falls along the axis: 0 at ``lower``, 1 at ``upper``.
    func position(_ value: Double) -> Double {
        (value - lower) / (upper - lower)
    }

    /// The nice number closest to `value` (rounding) or the smallest one at least `value`.
    static func niceNumber(_ value: Double, rounding: Bool) -> Double {
        guard value.isFinite, value > 0 else { return 1 }
        let exponent = log10(value).rounded(.down)
        let power = pow(10, exponent)
        let fraction = value / power
        let nice: Double
        if rounding {
            nice = fraction < 1.5 ? 1 : fraction < 2.25 ? 2 : fraction < 3.5 ? 2.5 : fraction < 7.5 ? 5 : 10
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10
        }
        return nice * power
    }

    /// The fewest decimals (at most 12) that write multiples of `step` exactly.
    static func fractionDigits(for step: Double) -> Int {
        guard step.isFinite, step > 0 else { return 0 }
        var digits = max(0, Int(-log10(step).rounded(.down)))
        while digits < 12 {
            let scaled = step * pow(10, Double(digits))
            if abs(scaled - scaled.rounded()) < 1e-6 * max(1, scaled) { break }
            digits += 1
        }
        return digits
    }
}
