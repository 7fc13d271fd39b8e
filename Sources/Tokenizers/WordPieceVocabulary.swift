import Foundation

/// The token ↔ id table of a WordPiece model.
///
/// Tokens are compared scalar by scalar, not as Swift `String`s: `String` equality is
/// canonical equivalence, under which a Hangul syllable equals its decomposed jamo and `é`
/// equals `e` + U+0301, while the vocabulary distinguishes them (as Hugging Face does).
public struct WordPieceVocabulary: Sendable {
    private var idsByToken: [[Unicode.Scalar]: Int] = [:]
    private var tokensByID: [Int: String] = [:]

    /// The number of tokens.
    public var count: Int { idsByToken.count }

    /// A vocabulary from `(token, id)` pairs; `source` names their origin in errors. Ids must
    /// be non-negative and distinct.
    public init(entries: [(token: String, id: Int)], source: String = "<memory>") throws(TokenizerError) {
        idsByToken.reserveCapacity(entries.count)
        tokensByID.reserveCapacity(entries.count)
        for (token, id) in entries {
            guard id >= 0, tokensByID[id] == nil else { throw .invalidTokenID(path: source, token: token, id: id) }
            idsByToken[Array(token.unicodeScalars)] = id
            tokensByID[id] = token
        }
    }

    /// Reads a BERT `vocab.txt`: one token per line, the id is the line number from 0. Lines
    /// end with `\n` (a `\r` before it is dropped); a later duplicate of a token takes its
    /// id, as in Hugging Face's loaders.
    public init(vocabularyFile path: String) throws(TokenizerError) {
        let bytes = try Self.readBytes(path)
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard !lines.isEmpty else { throw .emptyVocabulary(path: path) }
        var entries: [(token: String, id: Int)] = []
        entries.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            let content = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
            guard let token = String(validating: content, as: UTF8.self) else { throw .invalidUTF8(path: path) }
            entries.append((token, index))
        }
        // Later duplicates win: keep each token's last line only.
        var lastLine: [[Unicode.Scalar]: Int] = [:]
        for (index, entry) in entries.enumerated() { lastLine[Array(entry.token.unicodeScalars)] = index }
        let kept = entries.enumerated().filter { lastLine[Array($0.element.token.unicodeScalars)] == $0.offset }.map(\.element)
        try self.init(entries: kept, source: path)
    }

    /// The id of `token` (given as Unicode scalars), or nil.
    public func id(of token: [Unicode.Scalar]) -> Int? {
        idsByToken[token]
    }

    /// The id of `token`, compared scalar by scalar, or nil.
    public func id(of token: String) -> Int? {
        idsByToken[Array(token.unicodeScalars)]
    }

    /// The token with id `id`, or nil.
    public func token(for id: Int) -> String? {
        tokensByID[id]
    }

    /// The whole file, or a ``TokenizerError`` naming it.
    static func readBytes(_ path: String) throws(TokenizerError) -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? error.localizedDescription : "no such file"
            throw .unreadableFile(path: path, reason: reason)
        }
    }
}
