import Foundation

/// The training/evaluation flag of modules that do not store their own (the default
/// ``Module/isTraining``), so that a module whose forward ignores the mode needs no code
/// for it, as every PyTorch module has `training` without declaring it.
///
/// Only modules in evaluation mode have an entry (training is the default), so a model in
/// training mode costs nothing here. Entries are keyed by the module's identity and hold
/// the module weakly: a freed module's entry no longer matches, even when a new module is
/// allocated at the same address, and freed entries are dropped as the table grows.
final class ModuleModeTable: @unchecked Sendable {
    static let shared = ModuleModeTable()

    private struct Entry {
        weak var module: AnyObject?
    }

    private let lock = NSLock()
    /// Modules in evaluation mode.
    private var evaluating: [ObjectIdentifier: Entry] = [:]
    /// The size at which freed entries are dropped next.
    private var pruneThreshold = 64

    func isTraining(_ module: AnyObject) -> Bool {
        lock.withLock {
            guard let entry = evaluating[ObjectIdentifier(module)] else { return true }
            return entry.module !== module
        }
    }

    func setTraining(_ isTraining: Bool, for module: AnyObject) {
        lock.withLock {
            let key = ObjectIdentifier(module)
            if isTraining {
                evaluating[key] = nil
                return
            }
            evaluating[key] = Entry(module: module)
            if evaluating.count >= pruneThreshold {
                evaluating = evaluating.filter { $0.value.module != nil }
                pruneThreshold = max(64, 2 * evaluating.count)
            }
        }
    }

    /// The number of entries (for tests).
    var entryCount: Int { lock.withLock { evaluating.count } }
}
