import Foundation
import Testing
import TestSupport
import Tokenizers

/// A small vocabulary written by the test; each step of the pipeline checked on its own,
/// then as a whole (without the real model).
struct WordPieceTokenizerTests {
    static let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "aff", "able", "a", "##b",
                         "hello", ",", "world", "!", "cafe", "我", "zero", "##width", "x", "##x", "ᄋ", "##ᅡ", "##ᆫ", "안"]

    static func vocabularyFile(_ lines: [String], lineEnding: String = "\n") throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vocab-\(UUID().uuidString).txt").path
        try (lines.joined(separator: lineEnding) + lineEnding).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func tokenizer() throws -> WordPieceTokenizer {
        try WordPieceTokenizer(vocabularyFile: try vocabularyFile(tokens))
    }

    @Test func normalizerCleansSeparatesCJKStripsAccentsAndLowercases() {
        let normalizer = BERTNormalizer()
        let text = "A\u{0}b\tC\u{200B}d\u{FFFD}É我X\u{AD}"
        #expect(String(String.UnicodeScalarView(normalizer.normalize(text))) == "ab cde 我 x")
        let cased = BERTNormalizer(lowercases: false)
        #expect(cased.stripsAccents == false)
        #expect(String(String.UnicodeScalarView(cased.normalize("Éa"))) == "Éa")
        // Accents go before lowercasing: İ decomposes to I + U+0307, the mark is dropped, I
        // lowercases to i. Lowercasing alone keeps the dot (full case mapping: i + U+0307).
        #expect(normalizer.normalize("İ").map(\.value) == [0x69])
        #expect(BERTNormalizer(stripsAccents: false).normalize("İ").map(\.value) == [0x69, 0x307])
    }

    @Test func preTokenizerSplitsOnWhitespaceAndIsolatesPunctuation() {
        let words = BERTPreTokenizer.words(Array("hello, world!! «x» a$b 😀👍".unicodeScalars)).map { String(String.UnicodeScalarView($0)) }
        #expect(words == ["hello", ",", "world", "!", "!", "«", "x", "»", "a", "$", "b", "😀👍"])
    }

    @Test func wordPieceTakesTheLongestMatchFirst() throws {
        let tokenizer = try Self.tokenizer()
        #expect(tokenizer.pieceIDs("unaffable") == [4, 5, 6])
        #expect(tokenizer.tokens(tokenizer.pieceIDs("Hello, WORLD! ab")) == ["hello", ",", "world", "!", "a", "##b"])
        #expect(tokenizer.tokens(tokenizer.pieceIDs("Café zero\u{200B}width")) == ["cafe", "zero", "##width"])
    }

    @Test func unsegmentableWordsBecomeOneUnknownToken() throws {
        let tokenizer = try Self.tokenizer()
        // "unaffq": "un", "##aff" match, then nothing for "q": the whole word is [UNK].
        #expect(tokenizer.pieceIDs("unaffq hello") == [1, 11])
    }

    @Test func wordsOverOneHundredScalarsBecomeUnknown() throws {
        let tokenizer = try Self.tokenizer()
        #expect(tokenizer.pieceIDs(String(repeating: "x", count: 100)).count == 100)
        #expect(tokenizer.pieceIDs(String(repeating: "x", count: 101)) == [1])
    }

    @Test func hangulIsMatchedAsDecomposedJamoNotAsTheSyllable() throws {
        let tokenizer = try Self.tokenizer()
        #expect(tokenizer.pieceIDs("안") == [21, 22, 23])
        #expect(tokenizer.vocabulary.id(of: "안") == 24)
    }

    @Test func encodeAddsSpecialTokensAndTruncatesThePieces() throws {
        let tokenizer = try Self.tokenizer()
        let full = try tokenizer.encode("hello world !")
        #expect(full.ids == [2, 11, 13, 14, 3] && !full.isTruncated)
        let cut = try tokenizer.encode("hello world !", maximumLength: 4)
        #expect(cut.ids == [2, 11, 13, 3] && cut.untruncatedLength == 5 && cut.isTruncated)
        #expect(try tokenizer.encode("", maximumLength: 2).ids == [2, 3])
        #expect(throws: TokenizerError.maximumLengthTooSmall(1)) { try tokenizer.encode("a", maximumLength: 1) }
    }

    @Test func batchesArePaddedToTheLongestRowWithAMask() throws {
        let tokenizer = try Self.tokenizer()
        let batch = try tokenizer.encodeBatch(["hello world", "a", "unaffable !"])
        #expect(batch.rowCount == 3 && batch.sequenceLength == 6)
        #expect(batch.inputIDs == [2, 11, 13, 3, 0, 0, 2, 9, 3, 0, 0, 0, 2, 4, 5, 6, 14, 3])
        #expect(batch.attentionMask == [1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1])
        #expect(batch.lengths == [4, 3, 6])
        #expect(try tokenizer.encodeBatch([]).inputIDs.isEmpty)
    }

    /// Random text from ASCII, Latin-1, combining marks, controls, format characters, CJK,
    /// Hangul, kana and emoji: always `[CLS] … [SEP]` within the maximum length, ids from the
    /// vocabulary, and the same ids when the text's words are re-joined by single spaces.
    @Test func randomTextAlwaysGivesAWellFormedSequence() throws {
        let tokenizer = try Self.tokenizer()
        let ranges: [ClosedRange<UInt32>] = [0x00...0x7F, 0xA0...0xFF, 0x300...0x36F, 0x200B...0x200F, 0x4E00...0x4E10,
                                             0xAC00...0xAC10, 0x3040...0x3060, 0x1F600...0x1F610, 0x61...0x7A, 0x61...0x7A]
        var generator = SplitMix64(seed: 7)
        for _ in 0..<300 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0..<40, using: &generator) {
                let range = ranges.randomElement(using: &generator)!
                if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &generator)) { text.append(scalar) }
            }
            let string = String(text)
            let encoded = try tokenizer.encode(string, maximumLength: 16)
            #expect(encoded.ids.first == 2 && encoded.ids.last == 3 && encoded.ids.count <= 16)
            #expect(encoded.ids.allSatisfy { tokenizer.vocabulary.token(for: $0) != nil })
            let words = BERTPreTokenizer.words(tokenizer.normalizer.normalize(string)).map { String(String.UnicodeScalarView($0)) }
            #expect(tokenizer.pieceIDs(words.joined(separator: " ")) == tokenizer.pieceIDs(string), "\(string.debugDescription)")
        }
    }

    @Test func vocabularyFilesWithCRLFLineEndsLoad() throws {
        let tokenizer = try WordPieceTokenizer(vocabularyFile: try Self.vocabularyFile(Self.tokens, lineEnding: "\r\n"))
        #expect(tokenizer.pieceIDs("unaffable") == [4, 5, 6])
    }

    @Test func aMissingSpecialTokenNamesTheFile() throws {
        let path = try Self.vocabularyFile(["[PAD]", "[UNK]", "[CLS]", "hello"])
        #expect(throws: TokenizerError.missingSpecialToken(path: path, token: "[SEP]")) { try WordPieceTokenizer(vocabularyFile: path) }
    }

    @Test func unreadableEmptyAndNonUTF8VocabulariesAreTypedErrors() throws {
        #expect(throws: TokenizerError.unreadableFile(path: "/nonexistent/vocab.txt", reason: "no such file")) {
            try WordPieceTokenizer(vocabularyFile: "/nonexistent/vocab.txt")
        }
        let empty = try Self.vocabularyFile([]).replacingOccurrences(of: ".txt", with: "-empty.txt")
        try Data().write(to: URL(fileURLWithPath: empty))
        #expect(throws: TokenizerError.emptyVocabulary(path: empty)) { try WordPieceTokenizer(vocabularyFile: empty) }
        let invalid = empty.replacingOccurrences(of: "-empty", with: "-invalid")
        try Data([0x61, 0x0A, 0xFF, 0xFE, 0x0A]).write(to: URL(fileURLWithPath: invalid))
        #expect(throws: TokenizerError.invalidUTF8(path: invalid)) { try WordPieceTokenizer(vocabularyFile: invalid) }
        let error = TokenizerError.missingSpecialToken(path: "/m/vocab.txt", token: "[SEP]")
        #expect(error.description == "The vocabulary in '/m/vocab.txt' has no '[SEP]' token, which BERT's input format needs.")
    }
}
