/// Encodes step and epoch records as compact, single-line JSON objects, appended to a byte
/// buffer without going through `JSONEncoder`, so that a record costs a few hundred
/// nanoseconds.
///
/// Every object starts with `"kind"` (`"step"` or `"epoch"`), followed by the record's
/// fields in declaration order under their property names. Non-finite numbers and `nil`
/// accuracies are written as `null`. Each line ends with `\n`.
enum JSONLineEncoding {
    /// Appends `record` as one JSON line:
    /// `{"kind":"step","method":…,"step":…,"epoch":…,"batch":…,"loss":…,"accuracy":…,"seconds":…}`.
    static func append(_ record: StepRecord, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: #"{"kind":"step","method":"#.utf8)
        appendString(record.method, to: &buffer)
        appendKey("step", to: &buffer)
        appendInteger(record.step, to: &buffer)
        appendKey("epoch", to: &buffer)
        appendInteger(record.epoch, to: &buffer)
        appendKey("batch", to: &buffer)
        appendInteger(record.batch, to: &buffer)
        appendKey("loss", to: &buffer)
        appendNumber(record.loss, to: &buffer)
        appendKey("accuracy", to: &buffer)
        appendNumber(record.accuracy, to: &buffer)
        appendKey("seconds", to: &buffer)
        appendNumber(record.seconds, to: &buffer)
        buffer.append(contentsOf: "}\n".utf8)
    }

    /// Appends `record` as one JSON line:
    /// `{"kind":"epoch","method":…,"epoch":…,"mean_loss":…,"training_accuracy":…,"test_accuracy":…,"seconds":…}`.
    static func append(_ record: EpochRecord, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: #"{"kind":"epoch","method":"#.utf8)
        appendString(record.method, to: &buffer)
        appendKey("epoch", to: &buffer)
        appendInteger(record.epoch, to: &buffer)
        appendKey("mean_loss", to: &buffer)
        appendNumber(record.meanLoss, to: &buffer)
        appendKey("training_accuracy", to: &buffer)
        appendNumber(record.trainingAccuracy, to: &buffer)
        appendKey("test_accuracy", to: &buffer)
        appendNumber(record.testAccuracy, to: &buffer)
        appendKey("seconds", to: &buffer)
        appendNumber(record.seconds, to: &buffer)
        buffer.append(contentsOf: "}\n".utf8)
    }

    /// Appends `,"key":` (keys here are plain ASCII and need no escaping).
    private static func appendKey(_ key: StaticString, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: ","))
        buffer.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { buffer.append(contentsOf: $0) }
        buffer.append(UInt8(ascii: "\""))
        buffer.append(UInt8(ascii: ":"))
    }

    private static func appendInteger(_ value: Int, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: String(value).utf8)
    }

    /// Appends the shortest decimal form that reads back as the same `Double`, or `null`.
    private static func appendNumber(_ value: Double?, to buffer: inout [UInt8]) {
        guard let value, value.isFinite else {
            buffer.append(contentsOf: "null".utf8)
            return
        }
        // Swift's description is the shortest round-trip form ("0.25", "1e-05", "1e+100"),
        // all of which are valid JSON numbers.
        buffer.append(contentsOf: value.description.utf8)
    }

    /// Appends `text` as a JSON string literal: quotes, backslashes and control characters
    /// are escaped; everything else is copied as UTF-8.
    static func appendString(_ text: String, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): buffer.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): buffer.append(contentsOf: #"\\"#.utf8)
            case 0x0A: buffer.append(contentsOf: #"\n"#.utf8)
            case 0x0D: buffer.append(contentsOf: #"\r"#.utf8)
            case 0x09: buffer.append(contentsOf: #"\t"#.utf8)
            case 0x00..<0x20, 0x7F:
                buffer.append(contentsOf: #"\u00"#.utf8)
                buffer.append(hexDigit(byte >> 4))
                buffer.append(hexDigit(byte & 0x0F))
            default: buffer.append(byte)
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
