import TensorCore

/// A layer or a model: something that maps a tensor to a tensor and may own parameters
/// and submodules.
///
/// Parameters are found through ``namedParameters()`` with PyTorch's dotted keys
/// (`layers.0.weight`), built from each module's ``ownParameters()`` and
/// ``children()``: explicit lists, no reflection. Freezing is a per-parameter flag
/// (``Tensor/requiresGradient``), never a match on names.
public protocol Module: AnyObject {
    /// Applies the module to `input`.
    func forward(_ input: Tensor) throws -> Tensor

    /// The parameters this module holds itself, with their local names (`weight`, `bias`),
    /// in PyTorch's registration order.
    func ownParameters() -> [(name: String, parameter: Tensor)]

    /// The direct submodules with their local names (`layers`, `0`), in order.
    func children() -> [(name: String, module: any Module)]

    /// Replaces the direct submodule called `name` (used to wrap a layer in an adapter).
    func replaceChild(named name: String, with module: any Module) throws(ModuleError)
}

extension Module {
    public func ownParameters() -> [(name: String, parameter: Tensor)] { [] }

    public func children() -> [(name: String, module: any Module)] { [] }

    public func replaceChild(named name: String, with module: any Module) throws(ModuleError) {
        throw ModuleError.noSuchChild(parent: String(describing: type(of: self)), name: name)
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
