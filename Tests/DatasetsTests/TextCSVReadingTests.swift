import Testing
import Datasets

/// Reads `csv` (UTF-8 bytes of the string unless `bytes` are given) as `test.csv`.
func readRows(_ csv: String, bytes: [UInt8]? = nil, format: TextFileFormat = .csv, textColumn: String = "text",
              labelColumn: String? = "label", encoding: TextEncoding = .utf8, maxSamples: Int? = nil) throws(TextDataError) -> TextRows {
    let options = TextReadingOptions(textColumn: textColumn, labelColumn: labelColumn, encoding: encoding, maxSamples: maxSamples)
    return try TextRows(bytes: bytes ?? Array(csv.utf8), source: format == .csv ? "test.csv" : "test.jsonl", format: format, options: options)
}

/// RFC 4180 CSV: every quoting rule, line ends, the byte order mark, encodings; the
/// expected values are written out by hand from the RFC's rules (and agree with Python's
/// `csv` module, which reads these inputs the same way).
@Suite("CSV text files")
struct TextCSVReadingTests {
    @Test func plainFieldsByColumnName() throws {
        let rows = try readRows("id,label,text\n1,pos,good film\n2,neg,bad film\n")
        #expect(rows.texts == ["good film", "bad film"])
        #expect(rows.labels == ["pos", "neg"])
        #expect(rows.textPositions == [TextPosition(line: 2, column: 7), TextPosition(line: 3, column: 7)])
        #expect(rows.labelPositions == [TextPosition(line: 2, column: 3), TextPosition(line: 3, column: 3)])
    }

    @Test func quotedFieldsHoldCommasDoubledQuotesAndLineBreaks() throws {
        let csv = "label,text\n\"a\",\"one, two\"\n\"b\",\"say \"\"hi\"\"\"\n\"c\",\"first line\nsecond line\"\nd,\"\"\"quoted\"\"\"\n"
        let rows = try readRows(csv)
        #expect(rows.texts == ["one, two", "say \"hi\"", "first line\nsecond line", "\"quoted\""])
        #expect(rows.labels == ["a", "b", "c", "d"])
        // The record after a two-line field starts on line 6.
        #expect(rows.textPositions.map(\.line) == [2, 3, 4, 6])
    }

    @Test func crlfLineEndsAndCarriageReturnsInsideText() throws {
        let rows = try readRows("label,text\r\nx,\"a\r\nb\"\r\ny,lone\rcarriage\r\nz,last")
        #expect(rows.texts == ["a\r\nb", "lone\rcarriage", "last"])
        #expect(rows.labels == ["x", "y", "z"])
        #expect(rows.textPositions.map(\.line) == [2, 4, 5])
    }

    @Test func byteOrderMarkIsSkippedAndNotCounted() throws {
        let rows = try readRows("", bytes: [0xEF, 0xBB, 0xBF] + Array("label,text\nx,héllo\n".utf8))
        #expect(rows.texts == ["héllo"])
        #expect(rows.labels == ["x"])
        #expect(rows.textPositions == [TextPosition(line: 2, column: 3)])
    }

    @Test func blankLinesAreSkippedAndTheLastLineBreakIsOptional() throws {
        let rows = try readRows("label,text\n\nx,a\n\r\n\ny,b")
        #expect(rows.texts == ["a", "b"])
        #expect(rows.textPositions.map(\.line) == [3, 6])
    }

    @Test func quoteInsideAnUnquotedFieldIsText() throws {
        let rows = try readRows("label,text\nx,5\" screen\n")
        #expect(rows.texts == ["5\" screen"])
    }

    @Test func emptyTrailingFieldCounts() throws {
        let rows = try readRows("text,label,extra\nhello,x,\n")
        #expect(rows.texts == ["hello"])
        #expect(rows.labels == ["x"])
    }

    /// Found by the `text-data` fuzz target (Fuzz/README.md): a comma as the file's last
    /// byte read one byte past the end.
    @Test func commaAtTheEndOfTheFileEndsAnEmptyField() throws {
        let rows = try readRows("text,label,extra\nhello,x,")
        #expect(rows.texts == ["hello"])
        #expect(throws: TextDataError.emptyText(path: "test.csv", position: TextPosition(line: 2, column: 3), column: "text")) {
            try readRows("label,text\nx,")
        }
        #expect(throws: TextDataError.noRows(path: "test.csv")) { try readRows("label,text,") }
    }

    @Test func latin1BytesDecodeToTheirCodePoints() throws {
        // "café" and "naïve" in ISO-8859-1: é = 0xE9, ï = 0xEF; 0xA3 is the pound sign.
        let bytes: [UInt8] = Array("label,text\nx,caf".utf8) + [0xE9] + Array("\ny,na".utf8) + [0xEF] + Array("ve \u{0}".utf8).dropLast() + [0xA3, 0x0A]
        let rows = try readRows("", bytes: bytes, encoding: .latin1)
        #expect(rows.texts == ["café", "naïve £"])
        #expect(rows.texts[0].unicodeScalars.last == Unicode.Scalar(0xE9))
    }

    @Test func latin1BytesAreInvalidUTF8WithTheirPosition() throws {
        let bytes: [UInt8] = Array("label,text\nx,caf".utf8) + [0xE9] + Array("\n".utf8)
        #expect(throws: TextDataError.invalidEncoding(path: "test.csv", position: TextPosition(line: 2, column: 6), byte: 0xE9, encoding: .utf8)) {
            try readRows("", bytes: bytes)
        }
    }

    @Test func invalidUTF8InsideAMultiLineQuotedFieldNamesItsOwnLine() throws {
        let bytes: [UInt8] = Array("label,text\nx,\"ab\"\"\nñ".utf8) + [0xC3, 0x28] + Array("\"\n".utf8)
        // Line 3 is `ñ` then the bad pair: column 2.
        #expect(throws: TextDataError.invalidEncoding(path: "test.csv", position: TextPosition(line: 3, column: 2), byte: 0xC3, encoding: .utf8)) {
            try readRows("", bytes: bytes)
        }
    }

    @Test func invalidBytesInAColumnThatIsNotReadAreIgnored() throws {
        let bytes: [UInt8] = Array("label,note,text\nx,".utf8) + [0xFF] + Array(",fine\n".utf8)
        #expect(try readRows("", bytes: bytes).texts == ["fine"])
    }

    @Test func unterminatedQuoteNamesWhereItOpened() {
        #expect(throws: TextDataError.unterminatedQuote(path: "test.csv", position: TextPosition(line: 3, column: 3))) {
            try readRows("label,text\nx,ok\ny,\"never closed\nstill going\n")
        }
    }

    @Test func characterAfterClosingQuote() {
        #expect(throws: TextDataError.characterAfterClosingQuote(path: "test.csv", position: TextPosition(line: 2, column: 8), character: "b")) {
            try readRows("label,text\nx,\"abc\"b\n")
        }
    }

    @Test func fieldCountMismatch() {
        #expect(throws: TextDataError.fieldCountMismatch(path: "test.csv", line: 3, expected: 2, actual: 3)) {
            try readRows("label,text\nx,a\ny,b,c\n")
        }
        #expect(throws: TextDataError.fieldCountMismatch(path: "test.csv", line: 2, expected: 2, actual: 1)) {
            try readRows("label,text\nonly\n")
        }
    }

    @Test func missingColumnListsTheColumns() {
        #expect(throws: TextDataError.missingColumn(path: "test.csv", column: "sentiment", available: ["label", "text"])) {
            try readRows("label,text\nx,a\n", labelColumn: "sentiment")
        }
        #expect(throws: TextDataError.missingColumn(path: "test.csv", column: "review", available: ["label", "text"])) {
            try readRows("label,text\nx,a\n", textColumn: "review")
        }
    }

    @Test func duplicateColumn() {
        #expect(throws: TextDataError.duplicateColumn(path: "test.csv", column: "text")) {
            try readRows("text,label,text\na,x,b\n")
        }
    }

    @Test func emptyTextAndWhiteSpaceOnlyText() {
        #expect(throws: TextDataError.emptyText(path: "test.csv", position: TextPosition(line: 3, column: 3), column: "text")) {
            try readRows("label,text\nx,a\ny,\n")
        }
        #expect(throws: TextDataError.emptyText(path: "test.csv", position: TextPosition(line: 2, column: 3), column: "text")) {
            try readRows("label,text\nx,\" \t\"\n")
        }
    }

    @Test func emptyLabel() {
        #expect(throws: TextDataError.emptyLabel(path: "test.csv", position: TextPosition(line: 2, column: 1), column: "label")) {
            try readRows("label,text\n,a\n")
        }
    }

    @Test func headerOnlyAndEmptyFiles() {
        #expect(throws: TextDataError.noRows(path: "test.csv")) { try readRows("label,text\n") }
        #expect(throws: TextDataError.missingHeader(path: "test.csv")) { try readRows("") }
        #expect(throws: TextDataError.missingHeader(path: "test.csv")) { try readRows("\n\r\n") }
    }

    @Test func textsOnlyWithoutALabelColumn() throws {
        let rows = try readRows("text\nfirst\nsecond\n", labelColumn: nil)
        #expect(rows.texts == ["first", "second"])
        #expect(rows.labels == nil)
        #expect(rows.labelPositions.isEmpty)
    }

    @Test func firstNRowsInFileOrderAndErrorsAfterThemUnread() throws {
        let csv = "label,text\nx,one\ny,two\nz,three\nw,\"broken\n"
        let rows = try readRows(csv, maxSamples: 2)
        #expect(rows.texts == ["one", "two"])
        #expect(try readRows(csv, maxSamples: 3).texts == ["one", "two", "three"])
        #expect(throws: TextDataError.unterminatedQuote(path: "test.csv", position: TextPosition(line: 5, column: 3))) {
            try readRows(csv, maxSamples: 4)
        }
        #expect(throws: TextDataError.invalidMaxSamples(0)) { try readRows(csv, maxSamples: 0) }
    }

    @Test func columnsCountCharactersNotBytes() {
        // "é" is two UTF-8 bytes and "日" and "本" three each: the closing quote's follower
        // is byte 11 of the line but character 7.
        #expect(throws: TextDataError.characterAfterClosingQuote(path: "test.csv", position: TextPosition(line: 2, column: 7), character: "x")) {
            try readRows("label,text\né,\"日本\"x\n")
        }
    }

    @Test func missingFileAndDirectory() {
        let options = TextReadingOptions()
        #expect(throws: TextDataError.fileNotFound(path: "/nonexistent/train.csv")) {
            try TextRows(contentsOfFile: "/nonexistent/train.csv", options: options)
        }
        #expect(throws: TextDataError.self) { try TextRows(contentsOfFile: "/", options: options) }
    }

    @Test func formatIsInferredFromThePath() {
        #expect(TextFileFormat.inferred(fromPath: "a/train.jsonl") == .jsonLines)
        #expect(TextFileFormat.inferred(fromPath: "train.NDJSON") == .jsonLines)
        #expect(TextFileFormat.inferred(fromPath: "train.jsonl.gz") == .jsonLines)
        #expect(TextFileFormat.inferred(fromPath: "train.csv") == .csv)
        #expect(TextFileFormat.inferred(fromPath: "train.txt") == .csv)
    }

    @Test func errorDescriptionsNameFileLineAndColumn() {
        let error = TextDataError.unknownLabel(path: "test.csv", position: TextPosition(line: 7, column: 1), label: "mixed",
                                               known: ["negative", "neutral", "positive"])
        #expect(error.description == "The label 'mixed' at line 7, column 1 of 'test.csv' is not one of the model's labels "
            + "'negative', 'neutral', 'positive'. Hint: evaluate on data with the labels the model was trained on.")
        let encoding = TextDataError.invalidEncoding(path: "a.csv", position: TextPosition(line: 2, column: 6), byte: 0xE9, encoding: .utf8)
        #expect(encoding.description.hasPrefix("The file 'a.csv' is not valid UTF-8 at line 2, column 6 (byte 0xE9)."))
        #expect(encoding.description.contains("latin1"))
    }
}
