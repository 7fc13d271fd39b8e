/// BERT's tokenizer: ``BERTNormalizer``, ``BERTPreTokenizer``, then WordPiece, then
/// `[CLS] … [SEP]`; the same ids as Hugging Face's `BertTokenizer` (tokenizers'
/// `BertNormalizer` + `BertPreTokenizer` + `WordPiece` + the BERT template).
///
/// WordPiece splits each word greedily, longest match first: from the word's start, the
/// longest prefix in the vocabulary is the first piece, then the longest match of the rest
/// written with the continuation prefix (`##`), and so on. A word longer than
/// ``maximumCharactersPerWord`` scalars, or one for which some position has no match,
/// becomes a single unknown token (`[UNK]`).
///
/// ```swift
/// let tokenizer = try WordPieceTokenizer(modelFolder: "all-MiniLM-L6-v2")
/// let batch = try tokenizer.encodeBatch(["Hello, world!", "Hi!"], maximumLength: 128)
/// // batch.inputIDs: [101, 7592, 1010, 2088, 999, 102, 101, 7632, 999, 102, 0, 0]
/// ```
public struct WordPieceTokenizer: Sendable {
    /// The token table.
    public let vocabulary: WordPieceVocabulary
    /// The text normalisation applied before splitting into words.
    public let normalizer: BERTNormalizer
    /// The prefix of a piece that continues a word (`##`).
    public let continuationPrefix: String
    /// Longer words (in Unicode scalars) become `[UNK]` whole (100 in BERT).
    public let maximumCharactersPerWord: Int
    /// The id of the unknown token.
    public let unknownTokenID: Int
    /// The id of `[CLS]`, put before every sequence.
    public let classificationTokenID: Int
    /// The id of `[SEP]`, put after every sequence.
    public let separatorTokenID: Int
    /// The id used to pad rows of a batch to one length (`[PAD]`).
    public let paddingTokenID: Int

    private let continuationPrefixScalars: [Unicode.Scalar]

    /// A tokenizer from its parts; `source` names the file in errors. The special tokens are
    /// looked up in `vocabulary` unless their ids are given.
    public init(
        vocabulary: WordPieceVocabulary, normalizer: BERTNormalizer = BERTNormalizer(),
        continuationPrefix: String = "##", maximumCharactersPerWord: Int = 100,
        unknownToken: String = "[UNK]", classificationToken: String = "[CLS]",
        separatorToken: String = "[SEP]", paddingToken: String = "[PAD]", source: String = "<vocabulary>"
    ) throws(TokenizerError) {
        func id(_ token: String) throws(TokenizerError) -> Int {
            guard let id = vocabulary.id(of: token) else { throw .missingSpecialToken(path: source, token: token) }
            return id
        }
        self.vocabulary = vocabulary
        self.normalizer = normalizer
        self.continuationPrefix = continuationPrefix
        self.continuationPrefixScalars = Array(continuationPrefix.unicodeScalars)
        self.maximumCharactersPerWord = maximumCharactersPerWord
        self.unknownTokenID = try id(unknownToken)
        self.classificationTokenID = try id(classificationToken)
        self.separatorTokenID = try id(separatorToken)
        self.paddingTokenID = try id(paddingToken)
    }

    /// A tokenizer from a BERT `vocab.txt`, with `normalizer`'s settings (uncased BERT's by
    /// default: lowercase and strip accents).
    public init(vocabularyFile path: String, normalizer: BERTNormalizer = BERTNormalizer()) throws(TokenizerError) {
        try self.init(vocabulary: WordPieceVocabulary(vocabularyFile: path), normalizer: normalizer, source: path)
    }

    /// The WordPiece pieces of `text` without `[CLS]`/`[SEP]`, as ids.
    public func pieceIDs(_ text: String) -> [Int] {
        var ids: [Int] = []
        for word in BERTPreTokenizer.words(normalizer.normalize(text)) { appendPieces(of: word, to: &ids) }
        return ids
    }

    /// `[CLS]`, the pieces of `text`, `[SEP]`; the pieces cut so that the whole holds at most
    /// `maximumLength` ids when it is given (Hugging Face's `truncation=True, max_length=`).
    public func encode(_ text: String, maximumLength: Int? = nil) throws(TokenizerError) -> EncodedText {
        if let maximumLength, maximumLength < 2 { throw .maximumLengthTooSmall(maximumLength) }
        let pieces = pieceIDs(text)
        let kept = maximumLength.map { min(pieces.count, $0 - 2) } ?? pieces.count
        let ids = [classificationTokenID] + pieces[..<kept] + [separatorTokenID]
        return EncodedText(ids: ids, untruncatedLength: pieces.count + 2)
    }

    /// Every text encoded as by ``encode(_:maximumLength:)``, padded on the right with
    /// ``paddingTokenID`` to the longest row, with an attention mask (1 = token, 0 = padding).
    public func encodeBatch(_ texts: [String], maximumLength: Int? = nil) throws(TokenizerError) -> TokenizedBatch {
        var rows: [[Int]] = []
        rows.reserveCapacity(texts.count)
        for text in texts { rows.append(try encode(text, maximumLength: maximumLength).ids) }
        return TokenizedBatch(rows: rows, paddingTokenID: paddingTokenID)
    }

    /// The tokens of `ids` (for display and tests); ids outside the vocabulary are skipped.
    public func tokens(_ ids: [Int]) -> [String] {
        ids.compactMap { vocabulary.token(for: $0) }
    }

    /// Greedy longest-match-first WordPiece of one word.
    private func appendPieces(of word: [Unicode.Scalar], to ids: inout [Int]) {
        guard word.count <= maximumCharactersPerWord else { ids.append(unknownTokenID); return }
        let firstPiece = ids.count
        var start = 0
        var candidate: [Unicode.Scalar] = []
        candidate.reserveCapacity(continuationPrefixScalars.count + word.count)
        while start < word.count {
            var end = word.count
            var match: Int?
            while start < end {
                candidate.removeAll(keepingCapacity: true)
                if start > 0 { candidate.append(contentsOf: continuationPrefixScalars) }
                candidate.append(contentsOf: word[start..<end])
                if let id = vocabulary.id(of: candidate) { match = id; break }
                end -= 1
            }
            guard let match else {
                ids.removeSubrange(firstPiece...)
                ids.append(unknownTokenID)
                return
            }
            ids.append(match)
            start = end
        }
    }
}

/// One text's ids: `[CLS]`, its pieces, `[SEP]`.
public struct EncodedText: Sendable, Equatable {
    /// The ids, truncated when a maximum length was given.
    public let ids: [Int]
    /// The length before truncation (pieces + 2).
    public let untruncatedLength: Int
    /// Whether pieces were cut to fit the maximum length.
    public var isTruncated: Bool { untruncatedLength > ids.count }
}
