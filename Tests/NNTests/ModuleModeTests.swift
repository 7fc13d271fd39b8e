import NN
import TensorCore
import Testing

@Suite struct ModuleModeTests {
    /// `Linear`, `ReLU`, `Dropout` and two Sequentials: modules that store their flag and
    /// modules that do not.
    func model() throws -> (Sequential, Dropout) {
        var generator = RandomGenerator(seed: 3)
        let dropout = try Dropout(probability: 0.5, using: &generator)
        let inner = Sequential([ReLU(), dropout])
        return (Sequential([Linear(inFeatures: 3, outFeatures: 2, using: &generator), inner]), dropout)
    }

    @Test func newModulesAreInTrainingMode() throws {
        let (model, _) = try model()
        #expect(model.namedModules().allSatisfy { $0.module.isTraining })
    }

    @Test func evalAndTrainSetEveryModuleOfTheTree() throws {
        let (model, dropout) = try model()
        model.eval()
        #expect(model.namedModules().allSatisfy { !$0.module.isTraining })
        #expect(!dropout.isTraining)
        model.train()
        #expect(model.namedModules().allSatisfy { $0.module.isTraining })
        model.train(false)
        #expect(model.namedModules().allSatisfy { !$0.module.isTraining })
    }

    @Test func aSubtreeCanBeSwitchedOnItsOwn() throws {
        let (model, dropout) = try model()
        model.train()
        model.module(at: "1")?.eval()
        let modes = model.namedModules().map { ($0.path, $0.module.isTraining) }
        #expect(modes.map(\.0) == ["", "0", "1", "1.0", "1.1"])
        #expect(modes.map(\.1) == [true, true, false, false, false])
        #expect(!dropout.isTraining)
    }

    /// The flag of a module without storage is kept by identity and weakly: a freed module's
    /// flag never reaches a new module (allocated, likely, at the same address).
    @Test func aFreedModulesModeDoesNotReachANewModule() {
        for _ in 0..<1_000 {
            let relu = ReLU()
            relu.eval()
            #expect(!relu.isTraining)
        }
        #expect(ReLU().isTraining)
    }
}
