import Testing
import Datasets

/// JSON Lines (one RFC 8259 object per line): keys chosen by name, escapes, numbers as
/// labels, and every error with its line and column.
@Suite("JSON Lines text files")
struct TextJSONLinesReadingTests {
    func read(_ text: String, bytes: [UInt8]? = nil, labelColumn: String? = "label", encoding: TextEncoding = .utf8,
              maxSamples: Int? = nil) throws(TextDataError) -> TextRows {
        try readRows(text, bytes: bytes, format: .jsonLines, labelColumn: labelColumn, encoding: encoding, maxSamples: maxSamples)
    }

    @Test func objectsByKeyWithEscapes() throws {
        let jsonl = """
        {"text": "caf\\u00e9 \\"quoted\\"\\n\\ttab", "label": "pos", "extra": [1, {"a": null}, true]}
        {"label":"neg","text":"emoji \\ud83d\\ude00 and \\/ slash"}

        {"text": "raw ü", "label": 3, "text": "last one wins"}
        """
        let rows = try read(jsonl)
        #expect(rows.texts == ["café \"quoted\"\n\ttab", "emoji 😀 and / slash", "last one wins"])
        #expect(rows.labels == ["pos", "neg", "3"])
        #expect(rows.textPositions.map(\.line) == [1, 2, 4])
        #expect(rows.labelPositions[1] == TextPosition(line: 2, column: 10))
    }

    @Test func crlfAndByteOrderMark() throws {
        let rows = try read("", bytes: [0xEF, 0xBB, 0xBF] + Array("{\"text\":\"a\",\"label\":\"x\"}\r\n{\"text\":\"b\",\"label\":\"y\"}\r\n".utf8))
        #expect(rows.texts == ["a", "b"])
        #expect(rows.textPositions[0] == TextPosition(line: 1, column: 9))
    }

    @Test func latin1Bytes() throws {
        let rows = try read("", bytes: Array("{\"text\":\"caf".utf8) + [0xE9] + Array("\",\"label\":\"x\"}\n".utf8), encoding: .latin1)
        #expect(rows.texts == ["café"])
    }

    @Test func invalidUTF8() {
        let bytes = Array("{\"text\":\"ok\",\"label\":\"x\"}\n{\"text\":\"caf".utf8) + [0xE9] + Array("\",\"label\":\"x\"}\n".utf8)
        #expect(throws: TextDataError.invalidEncoding(path: "test.jsonl", position: TextPosition(line: 2, column: 13), byte: 0xE9, encoding: .utf8)) {
            try read("", bytes: bytes)
        }
    }

    @Test func badJSONNamesLineAndColumn() {
        #expect(throws: TextDataError.invalidJSON(path: "test.jsonl", position: TextPosition(line: 2, column: 13),
                                                  reason: "expected ',' or '}' in the object, found '\"'")) {
            try read("{\"text\":\"a\",\"label\":\"x\"}\n{\"text\":\"b\" \"label\":\"y\"}\n")
        }
        #expect(throws: TextDataError.invalidJSON(path: "test.jsonl", position: TextPosition(line: 1, column: 1),
                                                  reason: "expected '{' to start an object, found '['")) {
            try read("[\"text\"]\n")
        }
        #expect(throws: TextDataError.invalidJSON(path: "test.jsonl", position: TextPosition(line: 1, column: 25),
                                                  reason: "expected the line to end after the object, found '{'")) {
            try read("{\"text\":\"a\",\"label\":\"x\"}{}\n")
        }
        #expect(throws: TextDataError.invalidJSON(path: "test.jsonl", position: TextPosition(line: 1, column: 9),
                                                  reason: "the string is not closed before the end of the line")) {
            try read("{\"text\":\"a\n\",\"label\":\"x\"}\n")
        }
        #expect(throws: TextDataError.invalidJSON(path: "test.jsonl", position: TextPosition(line: 1, column: 23),
                                                  reason: "expected a digit after the decimal point, found ','")) {
            try read("{\"text\":\"a\",\"label\":1.,\"x\":0}\n")
        }
        #expect(throws: TextDataError.invalidJSON(path: "test.jsonl", position: TextPosition(line: 1, column: 10),
                                                  reason: "a high surrogate \\u escape without its low surrogate")) {
            try read("{\"text\":\"\\ud83d\",\"label\":\"x\"}\n")
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = "{\"text\":\"a\",\"label\":\"x\",\"n\":" + String(repeating: "[", count: 10_000) + "}\n"
        #expect(throws: TextDataError.self) { try read(deep) }
    }

    @Test func missingKeyAndWrongTypes() {
        #expect(throws: TextDataError.missingKey(path: "test.jsonl", position: TextPosition(line: 1, column: 3), key: "label")) {
            try read("  {\"text\":\"a\"}\n")
        }
        #expect(throws: TextDataError.wrongJSONType(path: "test.jsonl", position: TextPosition(line: 1, column: 9), key: "text",
                                                    expected: "a string", actual: "a number")) {
            try read("{\"text\":12,\"label\":\"x\"}\n")
        }
        #expect(throws: TextDataError.wrongJSONType(path: "test.jsonl", position: TextPosition(line: 1, column: 21), key: "label",
                                                    expected: "a string or a number", actual: "null")) {
            try read("{\"text\":\"a\",\"label\":null}\n")
        }
    }

    @Test func emptyTextAndFirstN() throws {
        #expect(throws: TextDataError.emptyText(path: "test.jsonl", position: TextPosition(line: 2, column: 9), column: "text")) {
            try read("{\"text\":\"a\",\"label\":\"x\"}\n{\"text\":\"\",\"label\":\"x\"}\n")
        }
        let rows = try read("{\"text\":\"a\",\"label\":\"x\"}\n{\"text\":\"b\",\"label\":\"y\"}\nnot json\n", maxSamples: 2)
        #expect(rows.texts == ["a", "b"])
        #expect(throws: TextDataError.noRows(path: "test.jsonl")) { try read("\n  \n") }
    }

    @Test func textsOnly() throws {
        let rows = try read("{\"text\":\"a\"}\n{\"text\":\"b\",\"label\":null}\n", labelColumn: nil)
        #expect(rows.texts == ["a", "b"])
        #expect(rows.labels == nil)
    }
}
