import Foundation

/// Locale-independent number formatting for reports and progress lines.
enum NumberText {
    /// `value` with exactly `digits` digits after the decimal point ("0.2345"), never
    /// "-0.00"; "NaN", "∞" or "-∞" when it is not finite.
    static func fixed(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return nonFinite(value) }
        let text = String(format: "%.*f", max(0, min(digits, 17)), value)
        if text.hasPrefix("-"), text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) {
            return String(text.dropFirst())
        }
        return text
    }

    /// `fraction` (0-1) as a percentage with `digits` decimals and a percent sign ("97.12%").
    static func percent(_ fraction: Double, digits: Int = 2) -> String {
        guard fraction.isFinite else { return nonFinite(fraction) }
        return fixed(fraction * 100, digits: digits) + "%"
    }

    /// `value` with a comma between groups of three digits ("1,234,567").
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return value < 0 ? "-" + result : result
    }

    /// A duration in seconds, with one decimal below ten minutes ("45.6 s"), else in
    /// minutes and seconds ("12 min 05 s").
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return nonFinite(seconds) }
        if seconds < 600 { return fixed(seconds, digits: 1) + " s" }
        let whole = Int(seconds.rounded())
        let minutes = whole / 60
        let rest = whole % 60
        return "\(minutes) min " + (rest < 10 ? "0" : "") + "\(rest) s"
    }

    /// A coordinate for SVG: two decimals at most, trailing zeros dropped; 0 when not finite.
    static func coordinate(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        var text = fixed(value, digits: 2)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    private static func nonFinite(_ value: Double) -> String {
        value.isNaN ? "NaN" : (value > 0 ? "∞" : "-∞")
    }
}
