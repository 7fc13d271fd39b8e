import Foundation

/// A tensor computed from other tensors (a frozen weight's transpose, its row norms, an
/// adapter's merged weight), kept until one of them is written in place: each source's
/// ``Tensor/contentVersion`` is compared on every request. Safe to use from several threads
/// (evaluation runs the forward on two).
public final class DerivedTensorCache: @unchecked Sendable {
    // @unchecked: `cached` is only touched under `lock`.
    private let lock = NSLock()
    private var cached: (sources: [ObjectIdentifier], versions: [UInt64], value: Tensor)?

    public init() {}

    /// The kept value if `sources` are the same tensors with unchanged contents, else
    /// `make()`, which is then kept.
    public func value(from sources: [Tensor], make: () throws -> Tensor) rethrows -> Tensor {
        lock.lock()
        defer { lock.unlock() }
        // Compared in place: the hit path (every forward of a frozen layer) allocates nothing.
        if let cached, cached.sources.count == sources.count,
           zip(sources, zip(cached.sources, cached.versions)).allSatisfy({ source, kept in
               ObjectIdentifier(source.storage) == kept.0 && source.contentVersion == kept.1
           }) {
            return cached.value
        }
        let value = try make()
        cached = (sources.map { ObjectIdentifier($0.storage) }, sources.map(\.contentVersion), value)
        return value
    }
}
