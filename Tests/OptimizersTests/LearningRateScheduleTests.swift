import Foundation
import Optimizers
import Testing

/// The factors of transformers' `get_{constant,linear,cosine}_schedule_with_warmup`
/// (`num_cycles = 0.5`), for w = 3 warm-up steps of T = 10, computed in float64 from the
/// formulas of transformers' optimization.py.
@Suite("Learning-rate schedules against transformers' formulas")
struct LearningRateScheduleTests {
    static let steps = [0, 1, 2, 3, 5, 9, 10, 12]

    func factors(_ kind: LearningRateSchedule.Kind) -> [Double] {
        let schedule = LearningRateSchedule(kind: kind, baseLearningRate: 0.5, warmupSteps: 3, totalSteps: 10)
        return Self.steps.map { schedule.factor(atStep: $0) }
    }

    func expectClose(_ actual: [Double], _ expected: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, sourceLocation: sourceLocation)
        for (a, e) in zip(actual, expected) {
            #expect(abs(a - e) < 1e-12, "\(actual) vs \(expected)", sourceLocation: sourceLocation)
        }
    }

    @Test func constantWithWarmup() {
        expectClose(factors(.constant), [0, 1.0 / 3, 2.0 / 3, 1, 1, 1, 1, 1])
    }

    @Test func linearWithWarmup() {
        // (T − s) / (T − w) after warm-up, never below 0.
        expectClose(factors(.linear), [0, 1.0 / 3, 2.0 / 3, 1, 0.7142857142857143, 0.14285714285714285, 0, 0])
    }

    @Test func cosineWithWarmup() {
        // ½(1 + cos(π·(s − w)/(T − w))); past T the cosine rises again, as in transformers.
        expectClose(factors(.cosine), [0, 1.0 / 3, 2.0 / 3, 1, 0.8117449009293668, 0.04951556604879048, 0, 0.18825509907063315])
    }

    @Test func noWarmupStartsAtTheBaseRate() {
        let schedule = LearningRateSchedule(kind: .linear, baseLearningRate: 0.5, warmupSteps: 0, totalSteps: 4)
        #expect((0..<5).map { schedule.learningRate(atStep: $0) } == [0.5, 0.375, 0.25, 0.125, 0])
    }
}
