@testable import Reporting
import Testing

@Suite("Nice axis scales")
struct NiceScaleTests {
    @Test("ticks fall on nice numbers and cover the data")
    func coversData() {
        let scale = NiceScale(minimum: 0.0312, maximum: 0.4871)
        #expect(scale.lower <= 0.0312 && scale.upper >= 0.4871)
        #expect(scale.step == 0.1)
        #expect(scale.ticks.map { scale.label($0) } == ["0.0", "0.1", "0.2", "0.3", "0.4", "0.5"])
    }

    @Test("integer scales step by whole numbers", arguments: [(1, 10, 1.0), (1, 500, 50.0), (3, 4, 1.0)])
    func integerSteps(minimum: Int, maximum: Int, step: Double) {
        let scale = NiceScale(minimum: Double(minimum), maximum: Double(maximum), targetTickCount: 10, integerSteps: true)
        #expect(scale.step == step)
        #expect(scale.ticks.allSatisfy { $0 == $0.rounded() })
        #expect(scale.fractionDigits == 0)
    }

    @Test("one value gets a scale around it")
    func equalLimits() {
        let integer = NiceScale(minimum: 7, maximum: 7, integerSteps: true)
        #expect(integer.ticks == [7])
        #expect(integer.lower < 7 && integer.upper > 7)
        let real = NiceScale(minimum: 0.5, maximum: 0.5)
        #expect(real.lower < 0.5 && real.upper > 0.5 && real.ticks.count >= 3)
        let zero = NiceScale(minimum: 0, maximum: 0)
        #expect(zero.lower < 0 && zero.upper > 0)
    }

    @Test("bounds keep percentages within 0-100")
    func bounds() {
        let scale = NiceScale(minimum: 91.3, maximum: 99.6, bounds: 0...100)
        #expect(scale.upper == 100)
        #expect(scale.ticks.allSatisfy { $0 <= 100 })
        let full = NiceScale(minimum: 100, maximum: 100, bounds: 0...100)
        #expect(full.upper == 100 && full.lower < 100)
    }

    @Test("non-finite and extreme limits give a usable scale")
    func extremes() {
        let nonFinite = NiceScale(minimum: .nan, maximum: .infinity)
        #expect(nonFinite.lower == 0 && nonFinite.upper == 1)
        let huge = NiceScale(minimum: -Double.greatestFiniteMagnitude, maximum: Double.greatestFiniteMagnitude)
        #expect(huge.lower.isFinite && huge.upper.isFinite && huge.upper > huge.lower)
        #expect(!huge.ticks.isEmpty && huge.ticks.count <= 100)
        let tiny = NiceScale(minimum: 1e-9, maximum: 3e-9)
        #expect(Set(tiny.ticks.map { tiny.label($0) }).count == tiny.ticks.count)
    }

    @Test("labels use as few decimals as the step needs", arguments: [(1.0, 0), (2.5, 1), (0.05, 2), (0.25, 2), (20.0, 0)])
    func fractionDigits(step: Double, digits: Int) {
        #expect(NiceScale.fractionDigits(for: step) == digits)
    }
}

@Suite("Nice axis labels")
struct NiceScaleLabelTests {
    @Test("very large and very small values get short, distinct exponent labels",
          arguments: [(1e30, 7.5e30), (2e-9, 9e-9), (-3e12, 4e12), (1_000_000_000, 1_000_000_040)])
    func exponentLabels(minimum: Double, maximum: Double) {
        let scale = NiceScale(minimum: minimum, maximum: maximum)
        let labels = scale.ticks.map { scale.label($0) }
        #expect(labels.allSatisfy { $0.count <= 15 }, "\(labels)")
        #expect(Set(labels).count == labels.count, "\(labels)")
    }

    @Test("ordinary values keep fixed-point labels")
    func fixedLabels() {
        let scale = NiceScale(minimum: 1200, maximum: 98_000)
        #expect(!scale.usesExponentNotation)
        #expect(scale.ticks.map { scale.label($0) }.first == "0")
    }
}
