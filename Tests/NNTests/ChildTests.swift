import NN
import TensorCore
import Testing

/// A container as a user writes it: children declared once, as `@Child` properties, plus a
/// parameter of its own; no `children()`, no `replaceChild`.
final class ScaledPair: Module {
    let scale = Tensor(repeating: 1, shape: [2], requiresGradient: true)
    @Child var first: any Module
    @Child var second: Linear
    @Child var optional: (any Module)?

    init(using generator: inout RandomGenerator) {
        first = Linear(inFeatures: 3, outFeatures: 4, using: &generator)
        second = Linear(inFeatures: 4, outFeatures: 2, using: &generator)
        optional = nil
    }

    func forward(_ input: Tensor) throws -> Tensor {
        try second(first(input).relu()) * scale
    }

    func ownParameters() -> [(name: String, parameter: Tensor)] { [("scale", scale)] }
}

/// A subclass adds a child after its superclass's.
class BaseBlock: Module {
    @Child var inp: any Module = ReLU()
    func forward(_ input: Tensor) throws -> Tensor { try inp(input) }
}

final class ExtendedBlock: BaseBlock {
    @Child var extra: any Module = ReLU()
}

/// The old way: a plain property listed by hand, nothing to replace it with.
final class HandListed: Module {
    var inp: any Module = ReLU()
    func forward(_ input: Tensor) throws -> Tensor { try inp(input) }
    func children() -> [(name: String, module: any Module)] { [("inp", inp)] }
}

@Suite struct ChildTests {
    @Test func childPropertiesAreTheChildrenInDeclarationOrder() {
        var generator = RandomGenerator(seed: 1)
        let model = ScaledPair(using: &generator)
        #expect(model.children().map(\.name) == ["first", "second"])
        #expect(model.namedModules().map(\.path) == ["", "first", "second"])
        // PyTorch's named_parameters(): own parameters first, then each child's.
        #expect(model.namedParameters().map(\.key) == ["scale", "first.weight", "first.bias", "second.weight", "second.bias"])
    }

    @Test func aNilOptionalChildIsNotListedAndASetOneIs() {
        var generator = RandomGenerator(seed: 1)
        let model = ScaledPair(using: &generator)
        model.optional = ReLU()
        #expect(model.children().map(\.name) == ["first", "second", "optional"])
    }

    @Test func superclassChildrenComeFirst() {
        #expect(ExtendedBlock().children().map(\.name) == ["inp", "extra"])
    }

    @Test func theDefaultReplaceChildSwapsAChildProperty() throws {
        var generator = RandomGenerator(seed: 1)
        let model = ScaledPair(using: &generator)
        let replacement = ReLU()
        try model.replaceChild(named: "first", with: replacement)
        #expect(model.first === replacement)
        #expect(model.module(at: "first") === replacement)
        let block = ExtendedBlock()
        try block.replaceChild(named: "inp", with: replacement)
        #expect(block.inp === replacement)
    }

    @Test func aChildOfAConcreteTypeRefusesAnotherTypeAndSaysWhatToDeclare() {
        var generator = RandomGenerator(seed: 1)
        let model = ScaledPair(using: &generator)
        let error = ModuleError.childTypeMismatch(parent: "ScaledPair", name: "second", declaredType: "Linear", replacementType: "ReLU")
        #expect(throws: error) { try model.replaceChild(named: "second", with: ReLU()) }
        #expect(error.description == "ScaledPair.second is declared as Linear, which cannot hold a ReLU: declare it as "
            + "`@Child var second: any Module` so that a wrapper such as an adapter can take its place.")
    }

    @Test func aListedChildWithoutASlotSaysWhatTheModuleMustDo() {
        let model = HandListed()
        let error = ModuleError.childNotReplaceable(parent: "HandListed", name: "inp")
        #expect(throws: error) { try model.replaceChild(named: "inp", with: ReLU()) }
        #expect(error.description == "HandListed lists 'inp' in children() but cannot replace it: declare it as a child slot "
            + "(`@Child var inp: any Module`), or implement replaceChild(named:with:) in HandListed.")
        #expect(throws: ModuleError.noSuchChild(parent: "HandListed", name: "out")) { try model.replaceChild(named: "out", with: ReLU()) }
    }

    @Test func mlpKeepsItsKeysWithAChildProperty() {
        var generator = RandomGenerator(seed: 1)
        let model = MLP(layerSizes: [4, 3, 2], using: &generator)
        #expect(model.children().map(\.name) == ["layers"])
        #expect(model.namedParameters().map(\.key) == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"])
    }
}
