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
        let identities = sources.map { ObjectIdentifier($0.storage) }, versions = sources.map(\.contentVersion)
        if let cached, cached.sources == identities, cached.versions == versions { return cached.value }
        let value = try make()
        cached = (identities, versions, value)
        return value
    }
}
