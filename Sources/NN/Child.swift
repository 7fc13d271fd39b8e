import Foundation

/// A child-module property: the one declaration a container needs for a submodule.
///
/// ```swift
/// final class Block: Module {
///     @Child var inp: any Module
///     @Child var out: any Module
///     init(using generator: inout RandomGenerator) {
///         inp = Linear(inFeatures: 8, outFeatures: 16, using: &generator)
///         out = Linear(inFeatures: 16, outFeatures: 4, using: &generator)
///     }
///     func forward(_ x: Tensor) throws -> Tensor { try out(inp(x).relu()) }
/// }
/// ```
///
/// The default ``Module/children()`` lists a module's `@Child` properties in declaration
/// order (a superclass's first; PyTorch's registration order when `__init__` assigns in the
/// same order), named after the property, and the default
/// ``Module/replaceChild(named:with:)`` swaps them, so
/// `AdapterInjection.inject` can wrap `inp` in an adapter with no hand-written code.
///
/// `Value` is a module type, `any Module`, or an optional of either (nil: no child). A
/// child that an adapter may replace must be declared `any Module` (an adapter is not a
/// `Linear`); a concrete type (`@Child var encoder: Encoder`) gives typed access and still
/// lets the adapters reach the layers inside it.
@propertyWrapper
public final class Child<Value> {
    public var wrappedValue: Value

    public init(wrappedValue: Value) {
        self.wrappedValue = wrappedValue
    }
}

/// A ``Child`` seen without its value type, as ``ChildSlots`` finds it.
protocol ChildSlot: AnyObject {
    /// The current child, or nil when the slot holds nil or something that is not a module.
    var module: (any Module)? { get }
    /// The declared type, for error messages.
    var declaredType: String { get }
    /// Puts `module` in the slot; false when the declared type cannot hold it.
    func replace(with module: any Module) -> Bool
}

extension Child: ChildSlot {
    var module: (any Module)? { wrappedValue as? any Module }

    var declaredType: String { String(describing: Value.self) }

    func replace(with module: any Module) -> Bool {
        guard let value = module as? Value else { return false }
        wrappedValue = value
        return true
    }
}

/// Finding a module's ``Child`` properties by reflection over its stored properties (each
/// `@Child var name` is stored as `_name`), and replacing through them.
enum ChildSlots {
    /// The module types known to have no `@Child` property (a fact of the type: the wrapper
    /// objects exist even while they hold nil), so that a leaf such as ``Linear`` is not
    /// reflected on every tree walk. Keyed by type; types are never deallocated.
    private static let typesWithoutSlots = LockedSet()

    /// The `@Child` properties of `module` with their names, superclass properties first.
    static func slots(of module: any Module) -> [(name: String, slot: any ChildSlot)] {
        let moduleType = ObjectIdentifier(type(of: module))
        if typesWithoutSlots.contains(moduleType) { return [] }
        let result = reflectedSlots(of: module)
        if result.isEmpty { typesWithoutSlots.insert(moduleType) }
        return result
    }

    private static func reflectedSlots(of module: any Module) -> [(name: String, slot: any ChildSlot)] {
        var mirrors: [Mirror] = []
        var next: Mirror? = Mirror(reflecting: module)
        while let mirror = next {
            mirrors.append(mirror)
            next = mirror.superclassMirror
        }
        var result: [(name: String, slot: any ChildSlot)] = []
        for mirror in mirrors.reversed() {
            for case let (label?, value) in mirror.children {
                guard let slot = value as? any ChildSlot else { continue }
                result.append((label.hasPrefix("_") ? String(label.dropFirst()) : label, slot))
            }
        }
        return result
    }

    /// A set of type identities shared by all threads.
    private final class LockedSet: @unchecked Sendable {
        private let lock = NSLock()
        private var members: Set<ObjectIdentifier> = []

        func contains(_ member: ObjectIdentifier) -> Bool { lock.withLock { members.contains(member) } }

        func insert(_ member: ObjectIdentifier) { _ = lock.withLock { members.insert(member) } }
    }

    /// Puts `replacement` in the `@Child` property `name` of `parent`. Throws, naming what
    /// `parent` must do, when there is no such property.
    static func replaceChild(named name: String, of parent: any Module, with replacement: any Module) throws(ModuleError) {
        let parentType = String(describing: type(of: parent))
        if let slot = slots(of: parent).first(where: { $0.name == name })?.slot {
            guard slot.replace(with: replacement) else {
                throw .childTypeMismatch(parent: parentType, name: name, declaredType: slot.declaredType,
                                         replacementType: String(describing: type(of: replacement)))
            }
            return
        }
        if parent.children().contains(where: { $0.name == name }) {
            throw .childNotReplaceable(parent: parentType, name: name)
        }
        throw .noSuchChild(parent: parentType, name: name)
    }
}
