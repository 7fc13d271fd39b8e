/// Class labels as strings and their ids: id `i` is ``names``[i].
///
/// Built from a training set, the names are the distinct labels sorted by their Unicode
/// scalar values (Python's `sorted(set(labels))`), so the same labels always get the same
/// ids whatever the row order; e.g. `negative` 0, `neutral` 1, `positive` 2. The ordered list
/// of names is what a model saves with its weights and what evaluation and prediction
/// reuse, so that an id means the same class in both (a label outside it is an error there).
public struct LabelMapping: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// The label of each id, in id order.
    public let names: [String]
    private let ids: [String: Int]

    /// A mapping with `names` in the given order (as saved with a model). Throws
    /// ``TextDataError/invalidLabelMapping(names:reason:)`` when `names` is empty or holds an
    /// empty or repeated name.
    public init(names: [String]) throws(TextDataError) {
        guard !names.isEmpty else { throw .invalidLabelMapping(names: names, reason: "it holds no names") }
        var ids: [String: Int] = [:]
        for (id, name) in names.enumerated() {
            guard !name.isEmpty else { throw .invalidLabelMapping(names: names, reason: "name \(id) is empty") }
            guard ids.updateValue(id, forKey: name) == nil else {
                throw .invalidLabelMapping(names: names, reason: "'\(name)' appears more than once")
            }
        }
        self.names = names
        self.ids = ids
    }

    /// The distinct labels of `labels`, sorted by Unicode scalar values.
    public init<Labels: Sequence<String>>(sorting labels: Labels) {
        let distinct = Set(labels)
        names = distinct.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        ids = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
    }

    /// The number of classes.
    public var count: Int { names.count }

    /// The id of `label`, or nil when the mapping does not hold it.
    public func id(of label: String) -> Int? { ids[label] }

    /// The label of `id` (`0..<count`).
    public func name(of id: Int) -> String { names[id] }

    public static func == (lhs: LabelMapping, rhs: LabelMapping) -> Bool { lhs.names == rhs.names }
    public func hash(into hasher: inout Hasher) { hasher.combine(names) }

    /// Encoded as the array of names.
    public init(from decoder: any Decoder) throws {
        let names = try decoder.singleValueContainer().decode([String].self)
        do {
            try self.init(names: names)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(names)
    }

    public var description: String {
        names.enumerated().map { "\($0.offset): \($0.element)" }.joined(separator: ", ")
    }
}
