import Adapters
import NN
import Testing
import TensorCore

// Written as a user of the library writes it: only public API (no `@testable`).

/// A user's model: two layers declared as `@Child` properties; no `children()`, no
/// `replaceChild`.
final class UserModel: Module {
    @Child var inp: any Module
    @Child var out: any Module

    init(using generator: inout RandomGenerator) {
        inp = Linear(inFeatures: 5, outFeatures: 4, using: &generator)
        out = Linear(inFeatures: 4, outFeatures: 3, using: &generator)
    }

    func forward(_ input: Tensor) throws -> Tensor {
        try out(inp(input).relu())
    }
}

/// The model of issue 11: the children listed by hand, held in plain properties.
final class HandListedModel: Module {
    var inp: any Module
    var out: any Module

    init(using generator: inout RandomGenerator) {
        inp = Linear(inFeatures: 5, outFeatures: 4, using: &generator)
        out = Linear(inFeatures: 4, outFeatures: 3, using: &generator)
    }

    func forward(_ input: Tensor) throws -> Tensor {
        try out(inp(input).relu())
    }

    func children() -> [(name: String, module: any Module)] { [("inp", inp), ("out", out)] }
}

/// Children typed as `Linear`: an adapter cannot take their place.
final class TypedChildModel: Module {
    @Child var inp: Linear

    init(using generator: inout RandomGenerator) {
        inp = Linear(inFeatures: 5, outFeatures: 4, using: &generator)
    }

    func forward(_ input: Tensor) throws -> Tensor { try inp(input) }
}

@Suite struct CustomModuleInjectionTests {
    @Test func adaptersReachAUserModuleWithChildProperties() throws {
        var generator = RandomGenerator(seed: 21)
        let model = UserModel(using: &generator)
        let input = Tensor.uniform([3, 5], low: -1, high: 1, using: &generator)
        let before = try model(input).scalars
        let configuration = LoRAConfiguration(rank: 2, alpha: 4, targetModules: ["inp", "out"])
        let adapters = try AdapterInjection.inject(configuration, into: model, using: &generator)
        #expect(adapters.map(\.path) == ["inp", "out"])
        #expect(model.inp is LoRALinear && model.out is LoRALinear)
        #expect(model.namedParameters().map(\.key) == [
            "inp.lora_A.weight", "inp.lora_B.weight", "inp.base_layer.weight", "inp.base_layer.bias",
            "out.lora_A.weight", "out.lora_B.weight", "out.base_layer.weight", "out.base_layer.bias",
        ])
        // B is zero: the adapted model starts equal to the base model.
        #expect(try model(input).scalars == before)
        // Only the adapters train.
        try Tensor.crossEntropy(logits: model(input), targets: [0, 1, 2]).backward()
        for (key, parameter) in model.namedParameters() {
            #expect((parameter.gradient != nil) == key.contains("lora_"), "\(key)")
        }
    }

    @Test func aHandListedChildGetsAnErrorSayingWhatToDeclare() throws {
        var generator = RandomGenerator(seed: 22)
        let model = HandListedModel(using: &generator)
        let configuration = LoRAConfiguration(rank: 2, alpha: 4, targetModules: ["inp"])
        let expected = ModuleError.childNotReplaceable(parent: "HandListedModel", name: "inp")
        #expect(throws: expected) { try AdapterInjection.inject(configuration, into: model, using: &generator) }
        #expect(expected.description.contains("declare it as a child slot (`@Child var inp: any Module`)"))
        #expect(expected.description.contains("implement replaceChild(named:with:) in HandListedModel"))
        #expect(model.inp is Linear)
    }

    @Test func aChildTypedLinearGetsAnErrorSayingToDeclareAnyModule() throws {
        var generator = RandomGenerator(seed: 23)
        let model = TypedChildModel(using: &generator)
        let configuration = LoRAConfiguration(rank: 2, alpha: 4, targetModules: ["inp"])
        #expect(throws: ModuleError.childTypeMismatch(parent: "TypedChildModel", name: "inp", declaredType: "Linear",
                                                      replacementType: "LoRALinear")) {
            try AdapterInjection.inject(configuration, into: model, using: &generator)
        }
    }

    @Test func adaptersFollowTheModelsMode() throws {
        var generator = RandomGenerator(seed: 24)
        let model = UserModel(using: &generator)
        model.eval()
        let configuration = LoRAConfiguration(rank: 2, alpha: 4, dropout: 0.5, targetModules: ["inp", "out"])
        let adapters = try AdapterInjection.inject(configuration, into: model, using: &generator)
        // Injected into a model in evaluation mode: the adapters start in evaluation mode.
        #expect(adapters.allSatisfy { !$0.adapter.isTraining })
        model.train()
        #expect(model.namedModules().allSatisfy { $0.module.isTraining })
        AdapterInjection.setTraining(false, in: model)
        #expect(model.namedModules().allSatisfy { !$0.module.isTraining })
        // The adapters' dropout generators are the model's stochastic state, by path.
        #expect(model.namedGenerators().map(\.path) == ["inp", "out"])
        #expect(model.namedGenerators().map(\.generator) == adapters.map(\.adapter.update.generator))
    }
}
