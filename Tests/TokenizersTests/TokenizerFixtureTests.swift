import Foundation
import Testing
import TestSupport
import Tokenizers

/// One case of the fixtures' `tokenization.json`: Hugging Face's ids for a text.
struct TokenizationCase: Sendable, CustomTestStringConvertible {
    let index: Int
    let text: String
    let inputIDs: [Int]
    let tokens: [String]
    let untruncatedLength: Int
    let isTruncated: Bool
    var testDescription: String { "case \(index): \(text.prefix(40).debugDescription)" }

    /// The cases of `folder`'s `tokenization.json`, its maximum length and special token ids.
    static func load(from folder: URL = MiniLMFixtures.directory) throws
        -> (cases: [TokenizationCase], maximumLength: Int, specialIDs: [String: Int]) {
        let data = try Data(contentsOf: folder.appendingPathComponent("tokenization.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let settings = try #require(root["settings"] as? [String: Any])
        let maximumLength = try #require(settings["max_length"] as? Int)
        let specialIDs = try #require(settings["special_ids"] as? [String: Int])
        let cases = try #require(root["cases"] as? [[String: Any]])
        return (try cases.enumerated().map { index, entry in
            TokenizationCase(index: index, text: try #require(entry["text"] as? String),
                             inputIDs: try #require(entry["input_ids"] as? [Int]), tokens: try #require(entry["tokens"] as? [String]),
                             untruncatedLength: try #require(entry["untruncated_length"] as? Int),
                             isTruncated: try #require(entry["truncated"] as? Bool))
        }, maximumLength, specialIDs)
    }
}

/// Every fixture case with a vocabulary made of the fixtures' own `(token, id)` pairs, so that
/// it runs without the model. Exact, not an approximation: that vocabulary is a subset of the
/// real one holding every piece of the expected output, so a greedy longest match over it
/// picks the same pieces, and a word with no segmentation in the real vocabulary has none in
/// the subset either. Truncated cases are left to the tests with the real vocabulary: the
/// pieces cut off are not in the fixture, so the subset may not segment the last words.
struct TokenizerFixtureSubsetTests {
    @Test(arguments: MiniLMFixtures.directories)
    func everyCaseHasHuggingFacesIDsWithTheFixturesOwnTokens(folder: URL) throws {
        let (cases, maximumLength, specialIDs) = try TokenizationCase.load(from: folder)
        var entries: [String: Int] = specialIDs
        for testCase in cases {
            for (token, id) in zip(testCase.tokens, testCase.inputIDs) { entries[token] = id }
        }
        let vocabulary = try WordPieceVocabulary(entries: entries.map { (token: $0.key, id: $0.value) })
        let tokenizer = try WordPieceTokenizer(vocabulary: vocabulary)
        let complete = cases.filter { !$0.isTruncated }
        #expect(!complete.isEmpty)
        for testCase in complete {
            let encoded = try tokenizer.encode(testCase.text, maximumLength: maximumLength)
            #expect(encoded.ids == testCase.inputIDs, "\(testCase.testDescription)")
            #expect(tokenizer.tokens(encoded.ids) == testCase.tokens, "\(testCase.testDescription)")
            #expect(!encoded.isTruncated)
        }
    }
}

/// The fixtures' 31 tokenization cases, with the real vocabulary loaded both from
/// `vocab.txt` and from `tokenizer.json`: every id, token and untruncated length.
@Suite(.enabled(if: MiniLMFixtures.modelFolder != nil, Comment(rawValue: MiniLMFixtures.skipReason)))
struct TokenizerFixtureTests {
    enum Source: String, CaseIterable, Sendable { case vocabularyText = "vocab.txt", tokenizerJSON = "tokenizer.json" }

    static func tokenizer(_ source: Source) throws -> WordPieceTokenizer {
        let folder = try #require(MiniLMFixtures.modelFolder)
        switch source {
        case .vocabularyText: return try WordPieceTokenizer(vocabularyFile: folder + "/vocab.txt")
        case .tokenizerJSON: return try WordPieceTokenizer(tokenizerJSONFile: folder + "/tokenizer.json")
        }
    }

    /// Every fixture folder's own cases (``MiniLMFixtures/directories``), at its own maximum length.
    @Test(arguments: Source.allCases, MiniLMFixtures.directories)
    func everyCaseHasHuggingFacesIDs(source: Source, folder: URL) throws {
        let tokenizer = try Self.tokenizer(source)
        let (cases, maximumLength, _) = try TokenizationCase.load(from: folder)
        if folder == MiniLMFixtures.directory { #expect(cases.count == 31) }
        #expect(!cases.isEmpty)
        for testCase in cases {
            let encoded = try tokenizer.encode(testCase.text, maximumLength: maximumLength)
            #expect(encoded.ids == testCase.inputIDs, "\(testCase.testDescription) from \(source.rawValue)")
            #expect(tokenizer.tokens(encoded.ids) == testCase.tokens, "\(testCase.testDescription) from \(source.rawValue)")
            #expect(encoded.untruncatedLength == testCase.untruncatedLength, "\(testCase.testDescription)")
            #expect(encoded.isTruncated == testCase.isTruncated, "\(testCase.testDescription)")
        }
    }

    @Test func bothFilesGiveTheSameTokenizer() throws {
        let fromText = try Self.tokenizer(.vocabularyText), fromJSON = try Self.tokenizer(.tokenizerJSON)
        #expect(fromText.vocabulary.count == 30522 && fromJSON.vocabulary.count == 30522)
        #expect(fromText.normalizer == fromJSON.normalizer)
        #expect([fromJSON.unknownTokenID, fromJSON.classificationTokenID, fromJSON.separatorTokenID, fromJSON.paddingTokenID] as [Int] == [100, 101, 102, 0])
        #expect(try WordPieceTokenizer(modelFolder: try #require(MiniLMFixtures.modelFolder)).vocabulary.count == 30522)
    }

    /// The fixture batch of `encoder.safetensors`: padded to 21 with id 0.
    @Test func theEncoderFixtureBatchPadsToTheLongestRow() throws {
        let tokenizer = try Self.tokenizer(.tokenizerJSON)
        let batch = try tokenizer.encodeBatch([
            "A man is playing a guitar on stage.",
            "The café on 5th Avenue opened at 7:30am, and it's already crowded!",
            "Low-rank adapters fine-tune transformers cheaply.",
            "Hi!",
        ], maximumLength: 128)
        #expect(batch.rowCount == 4 && batch.sequenceLength == 21)
        #expect(batch.lengths == [11, 21, 14, 4])
        #expect(Array(batch.ids(ofRow: 3)) == [101, 7632, 999, 102] + Array(repeating: 0, count: 17))
        #expect(batch.attentionMask.reduce(0, +) == 50)
    }
}
