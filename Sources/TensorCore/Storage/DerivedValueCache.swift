import Foundation

/// A value computed from tensors (a frozen weight's packed panels, its row norms, an
/// adapter's merged weight), kept until one of them is written in place or replaced: each
/// source's ``Tensor/storageIdentity`` and ``Tensor/contentVersion`` are compared on every
/// request. The identity is never reused, so a source that was freed and a new tensor that
/// happens to get its address do not match. Safe to use from several threads (evaluation
/// runs the forward on two).
public final class DerivedValueCache<Value>: @unchecked Sendable {
    // @unchecked: `cached` is only touched under `lock`.
    private let lock = NSLock()
    private var cached: (sources: [UInt64], versions: [UInt64], value: Value)?

    public init() {}

    /// The kept value if `sources` are the same tensors with unchanged contents, else
    /// `make()`, which is then kept.
    public func value(from sources: [Tensor], make: () throws -> Value) rethrows -> Value {
        lock.lock()
        defer { lock.unlock() }
        // Compared in place: the hit path (every forward of a frozen layer) allocates nothing.
        if let cached, cached.sources.count == sources.count,
           zip(sources, zip(cached.sources, cached.versions)).allSatisfy({ source, kept in
               source.storageIdentity == kept.0 && source.contentVersion == kept.1
           }) {
            return cached.value
        }
        let value = try make()
        cached = (sources.map(\.storageIdentity), sources.map(\.contentVersion), value)
        return value
    }
}

/// A tensor computed from tensors and kept while they are unchanged.
public typealias DerivedTensorCache = DerivedValueCache<Tensor>
