/// What every rank of a job must agree on before training (the options, the model files,
/// the data, the checkpoint resumed), each part reduced to a 64-bit FNV-1a hash, so that
/// ranks given different inputs are caught at the start instead of silently averaging
/// gradients of different problems.
///
/// FNV-1a: `h = 0xcbf29ce484222325; for each byte b: h = (h ^ b) · 0x100000001b3 (mod 2⁶⁴)`.
/// Not cryptographic: it detects mistakes (another file, another flag), not attacks.
public struct RunFingerprint: Sendable, Equatable {
    /// The parts in the order they were added: a name for messages and a hash.
    public private(set) var parts: [(name: String, hash: UInt64)] = []

    public init() {}

    /// Adds a part hashed from `bytes`.
    public mutating func add<Bytes: Sequence<UInt8>>(_ name: String, bytes: Bytes) {
        parts.append((name, Self.hash(bytes)))
    }

    /// Adds a part hashed from the UTF-8 of `text`.
    public mutating func add(_ name: String, text: String) {
        add(name, bytes: text.utf8)
    }

    /// The 64-bit FNV-1a hash of `bytes`.
    public static func hash<Bytes: Sequence<UInt8>>(_ bytes: Bytes, startingFrom start: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        var hash = start
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    public static func == (lhs: RunFingerprint, rhs: RunFingerprint) -> Bool {
        lhs.parts.map(\.name) == rhs.parts.map(\.name) && lhs.parts.map(\.hash) == rhs.parts.map(\.hash)
    }
}

extension ProcessGroup {
    /// Gathers every rank's `fingerprint` and throws ``CollectivesError/ranksDisagree(component:ranks:size:)``
    /// for the first part in which some rank differs from rank 0 (every rank throws the same
    /// error). A collective call: every rank makes it with the same part names.
    public func checkAgreement(_ fingerprint: RunFingerprint) throws(CollectivesError) {
        guard isDistributed else { return }
        let gathered = try allGather(fingerprint.parts.map(\.hash))
        for (index, part) in fingerprint.parts.enumerated() {
            let differing = (1..<size).filter { gathered[$0][index] != gathered[0][index] }
            if !differing.isEmpty { throw .ranksDisagree(component: part.name, ranks: differing, size: size) }
        }
    }
}
