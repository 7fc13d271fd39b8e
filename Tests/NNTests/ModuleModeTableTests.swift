@testable import NN
import Testing

@Suite struct ModuleModeTableTests {
    /// Entries of freed modules are dropped as the table grows: switching thousands of
    /// short-lived modules to evaluation mode leaves the table small.
    @Test func freedModulesEntriesAreDropped() {
        let table = ModuleModeTable()
        for _ in 0..<5_000 {
            let relu = ReLU()
            table.setTraining(false, for: relu)
            #expect(!table.isTraining(relu))
        }
        #expect(table.entryCount < 64)
    }

    @Test func onlyModulesInEvaluationModeHaveAnEntry() {
        let table = ModuleModeTable()
        let modules = (0..<100).map { _ in ReLU() }
        for module in modules { table.setTraining(false, for: module) }
        #expect(table.entryCount == 100)
        #expect(modules.allSatisfy { !table.isTraining($0) })
        for module in modules { table.setTraining(true, for: module) }
        #expect(table.entryCount == 0)
        #expect(modules.allSatisfy { table.isTraining($0) })
    }
}
