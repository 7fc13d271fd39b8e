import TensorCore

/// A layer or a model: something that maps a tensor to a tensor and may own parameters
/// and submodules.
///
/// Parameters are found through ``namedParameters()`` with PyTorch's dotted keys
/// (`layers.0.weight`), built from each module's ``ownParameters()`` (an explicit list)
/// and ``children()``. Freezing is a per-parameter flag (``Tensor/requiresGradient``),
/// never a match on names.
///
/// Children are declared once, as ``Child`` properties (`@Child var query: any Module`):
/// the default ``children()`` lists them in declaration order and the default
/// ``replaceChild(named:with:)`` swaps them, so adapter injection reaches every layer with
/// no hand-written code. A module may instead implement both methods itself (``Sequential``
/// does, for its numbered children).
///
/// Every module has a training/evaluation mode (``isTraining``), set over the whole tree by
/// ``train(_:)`` and ``eval()`` as PyTorch's `model.train()` / `model.eval()`. A module whose
/// forward depends on the mode (``Dropout``, adapters) declares `public var isTraining = true`;
/// any other module needs no code (its flag is kept by the default implementation).
///
/// A model whose forward takes more than one tensor (token ids and an attention mask)
/// also conforms to ``MultiInputModule``.
public protocol Module: AnyObject {
    /// Applies the module to `input`.
    func forward(_ input: Tensor) throws -> Tensor

    /// The parameters this module holds itself, with their local names (`weight`, `bias`),
    /// in PyTorch's registration order.
    func ownParameters() -> [(name: String, parameter: Tensor)]

    /// The direct submodules with their local names (`layers`, `0`), in order. By default
    /// the module's ``Child`` properties, in declaration order (a superclass's first).
    func children() -> [(name: String, module: any Module)]

    /// Replaces the direct submodule called `name` (used to wrap a layer in an adapter). By
    /// default swaps the ``Child`` property of that name.
    func replaceChild(named name: String, with module: any Module) throws(ModuleError)

    /// Whether the module is in training mode (dropout active) or evaluation mode. Set for
    /// the whole tree by ``train(_:)`` and ``eval()``; true for a new module.
    var isTraining: Bool { get set }
}

extension Module {
    public func ownParameters() -> [(name: String, parameter: Tensor)] { [] }

    public func children() -> [(name: String, module: any Module)] {
        ChildSlots.slots(of: self).compactMap { entry in entry.slot.module.map { (entry.name, $0) } }
    }

    public func replaceChild(named name: String, with module: any Module) throws(ModuleError) {
        try ChildSlots.replaceChild(named: name, of: self, with: module)
    }

    /// Kept outside the module (see ``ModuleModeTable``) for a module that does not store
    /// its own flag.
    public var isTraining: Bool {
        get { ModuleModeTable.shared.isTraining(self) }
        set { ModuleModeTable.shared.setTraining(newValue, for: self) }
    }

    /// Applies the module: `model(x)` is `model.forward(x)`.
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try forward(input)
    }

    /// Every module in the tree with its dotted path (`""` for `self`, then `layers`,
    /// `layers.0`, …), parents before children, in registration order. Walks the tree
    /// with an explicit stack.
    public func namedModules() -> [(path: String, module: any Module)] {
        var result: [(path: String, module: any Module)] = []
        var stack: [(path: String, module: any Module)] = [("", self)]
        while let (path, module) = stack.popLast() {
            result.append((path, module))
            for (name, child) in module.children().reversed() {
                stack.append((path.isEmpty ? name : path + "." + name, child))
            }
        }
        return result
    }

    /// Every parameter in the tree with its dotted key (`layers.0.weight`), in the order
    /// of PyTorch's `named_parameters()`.
    public func namedParameters() -> [(key: String, parameter: Tensor)] {
        var result: [(key: String, parameter: Tensor)] = []
        for (path, module) in namedModules() {
            for (name, parameter) in module.ownParameters() {
                result.append((path.isEmpty ? name : path + "." + name, parameter))
            }
        }
        return result
    }

    /// The parameters that currently receive gradients.
    public func trainableParameters() -> [Tensor] {
        namedParameters().map(\.parameter).filter(\.requiresGradient)
    }

    /// The number of scalar parameters in the tree.
    public var parameterCount: Int {
        namedParameters().reduce(0) { $0 + $1.parameter.elementCount }
    }

    /// The number of scalar parameters that receive gradients.
    public var trainableParameterCount: Int {
        trainableParameters().reduce(0) { $0 + $1.elementCount }
    }

    /// Stops every parameter in the tree from receiving gradients.
    public func freeze() {
        for (_, parameter) in namedParameters() { parameter.requiresGradient = false }
    }

    /// Lets every parameter in the tree receive gradients.
    public func unfreeze() {
        for (_, parameter) in namedParameters() { parameter.requiresGradient = true }
    }

    /// Clears the accumulated gradient of every parameter.
    public func clearGradients() {
        for (_, parameter) in namedParameters() { parameter.clearGradient() }
    }

    /// The module at dotted `path` (`layers.2`), or nil.
    public func module(at path: String) -> (any Module)? {
        namedModules().first { $0.path == path }?.module
    }
}
