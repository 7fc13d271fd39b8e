// libFuzzer target: the labelled text reader (`TextRows(bytes:source:format:options:)`:
// RFC 4180 CSV and JSON Lines, UTF-8 and Latin-1, byte order marks, the first-N rule) and
// `LabeledTexts(rows:)` with its sorted label mapping.
//
// Input layout (the seeds in Fuzz/Corpus/text-data follow it):
//
//   byte 0        bit 0: JSON Lines (else CSV); bit 1: Latin-1 (else UTF-8);
//                 bit 2: no label column; bits 3-7: maximum samples (0 = all)
//   the rest      the file; its columns are `label` and `text`
//
// A successful read is checked against the reader's documented invariants, then written
// back out in both formats (CSV with every field quoted, JSON Lines with escapes) and read
// again: the same texts and labels must come back.
import Datasets

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTextData(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size >= 1 else { return 0 }
    let flags = data[0]
    let file = [UInt8](UnsafeBufferPointer(start: data + 1, count: size - 1))
    let format: TextFileFormat = flags & 1 != 0 ? .jsonLines : .csv
    let encoding: TextEncoding = flags & 2 != 0 ? .latin1 : .utf8
    let labelColumn: String? = flags & 4 != 0 ? nil : "label"
    let maxSamples = Int(flags >> 3) == 0 ? nil : Int(flags >> 3)
    let options = TextReadingOptions(textColumn: "text", labelColumn: labelColumn, encoding: encoding, maxSamples: maxSamples)

    let rows: TextRows
    do {
        rows = try TextRows(bytes: file, source: "fuzz", format: format, options: options)
    } catch {
        // Every error names the source; positions are 1-based.
        check(error.description.contains("'fuzz'"), "error without the source: \(error)")
        if let position = position(of: error) { check(position.line >= 1 && position.column >= 1, "bad position \(position)") }
        return 0
    }
    check(rows.count >= 1, "no rows returned without an error")
    if let maxSamples { check(rows.count <= maxSamples, "\(rows.count) rows above the maximum \(maxSamples)") }
    check(rows.textPositions.count == rows.count, "one text position per row")
    check(rows.texts.allSatisfy { $0.unicodeScalars.contains { !$0.properties.isWhitespace } }, "an empty text was accepted")
    check(zip(rows.textPositions, rows.textPositions.dropFirst()).allSatisfy { $0.line <= $1.line }, "rows out of line order")
    // (JSON's `\uXXXX` escapes may name any character, whatever the file's encoding.)
    if encoding == .latin1 && format == .csv {
        check(rows.texts.allSatisfy { $0.unicodeScalars.allSatisfy { $0.value <= 0xFF } }, "Latin-1 text beyond U+00FF")
    }
    if let labels = rows.labels {
        check(labels.count == rows.count && rows.labelPositions.count == rows.count, "one label per row")
        check(labels.allSatisfy { !$0.isEmpty }, "an empty label was accepted")
        do {
            let labeled = try LabeledTexts(rows: rows)
            let names = labeled.labelMapping.names
            check(zip(names, names.dropFirst()).allSatisfy { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) },
                  "label names not sorted and distinct: \(names)")
            check(zip(labeled.labels, labels).allSatisfy { names[$0] == $1 }, "a label id does not name its label")
        } catch {
            check(false, "labelled rows failed to map: \(error)")
        }
    } else {
        check(rows.labelPositions.isEmpty, "label positions without labels")
    }

    // Round trip through both formats, written as UTF-8.
    let reread = TextReadingOptions(textColumn: "text", labelColumn: labelColumn, encoding: .utf8)
    for writtenFormat in [TextFileFormat.csv, .jsonLines] {
        let bytes = write(rows, as: writtenFormat)
        do {
            let again = try TextRows(bytes: bytes, source: "written", format: writtenFormat, options: reread)
            check(again.texts == rows.texts && again.labels == rows.labels, "the \(writtenFormat) round trip changed the rows")
        } catch {
            check(false, "the \(writtenFormat) written from the rows does not read back: \(error)")
        }
    }
    return 0
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

private func position(of error: TextDataError) -> TextPosition? {
    switch error {
    case let .invalidEncoding(_, position, _, _), let .unterminatedQuote(_, position), let .characterAfterClosingQuote(_, position, _),
         let .missingKey(_, position, _), let .invalidJSON(_, position, _), let .wrongJSONType(_, position, _, _, _),
         let .emptyText(_, position, _), let .emptyLabel(_, position, _), let .unknownLabel(_, position, _, _):
        return position
    default:
        return nil
    }
}

private func write(_ rows: TextRows, as format: TextFileFormat) -> [UInt8] {
    var out = ""
    func csvField(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    func jsonString(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                escaped += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }
    switch format {
    case .csv:
        out = rows.labels == nil ? "text\n" : "label,text\n"
        for row in 0..<rows.count {
            if let labels = rows.labels { out += csvField(labels[row]) + "," }
            out += csvField(rows.texts[row]) + "\r\n"
        }
    case .jsonLines:
        for row in 0..<rows.count {
            out += "{\"text\":" + jsonString(rows.texts[row])
            if let labels = rows.labels { out += ",\"label\":" + jsonString(labels[row]) }
            out += "}\n"
        }
    }
    return Array(out.utf8)
}
