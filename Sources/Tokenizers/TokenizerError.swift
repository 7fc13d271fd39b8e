/// A tokenizer file could not be used, or a tokenizer was asked for something it cannot do.
/// Every case names the file or the value involved and what was expected.
public enum TokenizerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file does not exist or cannot be read.
    case unreadableFile(path: String, reason: String)
    /// The file's bytes are not valid UTF-8.
    case invalidUTF8(path: String)
    /// A `vocab.txt` with no tokens.
    case emptyVocabulary(path: String)
    /// `tokenizer.json` is not JSON, or a field has the wrong type or is missing.
    case invalidTokenizerJSON(path: String, field: String, expected: String)
    /// `tokenizer.json` describes a tokenizer this library does not implement.
    case unsupportedTokenizer(path: String, field: String, found: String)
    /// Two tokens of a vocabulary share an id, or an id is negative.
    case invalidTokenID(path: String, token: String, id: Int)
    /// A token the BERT format needs (`[CLS]`, `[SEP]`, `[UNK]`, `[PAD]`) is not in the vocabulary.
    case missingSpecialToken(path: String, token: String)
    /// A maximum length below 2 leaves no room for `[CLS]` and `[SEP]`.
    case maximumLengthTooSmall(Int)
    /// A model folder holds neither `tokenizer.json` nor `vocab.txt`.
    case noTokenizerFile(folder: String)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason):
            return "Cannot read the tokenizer file '\(path)': \(reason)."
        case let .invalidUTF8(path):
            return "The tokenizer file '\(path)' is not valid UTF-8 text."
        case let .emptyVocabulary(path):
            return "The vocabulary file '\(path)' holds no tokens; expected one token per line (a BERT vocab.txt)."
        case let .invalidTokenizerJSON(path, field, expected):
            return "The tokenizer file '\(path)': '\(field)' should be \(expected)."
        case let .unsupportedTokenizer(path, field, found):
            return "The tokenizer file '\(path)' has '\(field)' = \(found); only BERT's WordPiece tokenizer (BertNormalizer, BertPreTokenizer, WordPiece model) is supported."
        case let .invalidTokenID(path, token, id):
            return "The vocabulary in '\(path)' gives token '\(token)' the id \(id), which is negative or already taken by another token."
        case let .missingSpecialToken(path, token):
            return "The vocabulary in '\(path)' has no '\(token)' token, which BERT's input format needs."
        case let .maximumLengthTooSmall(length):
            return "A maximum length of \(length) tokens leaves no room for [CLS] and [SEP]; use 2 or more."
        case let .noTokenizerFile(folder):
            return "The model folder '\(folder)' holds neither tokenizer.json nor vocab.txt."
        }
    }
}
