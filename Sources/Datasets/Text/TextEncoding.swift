/// How the bytes of a text data file map to characters.
///
/// - ``utf8``: UTF-8 (RFC 3629); a UTF-8 byte order mark (`EF BB BF`) at the start of the
///   file is skipped; any invalid sequence in a field that is read is an error naming its
///   line and column.
/// - ``latin1``: ISO-8859-1, every byte is the character U+0000…U+00FF of the same number,
///   so every file decodes (no byte order mark is skipped).
public enum TextEncoding: String, Sendable, CaseIterable, CustomStringConvertible {
    case utf8
    case latin1

    public var description: String {
        switch self {
        case .utf8: return "UTF-8"
        case .latin1: return "Latin-1 (ISO-8859-1)"
        }
    }

    /// `bytes` as a string: UTF-8 validated, or Latin-1 transcoded. For UTF-8, returns the
    /// offset (within `bytes`) of the first byte of the first invalid sequence instead.
    func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<String, InvalidByteOffset> {
        switch self {
        case .utf8:
            if let string = String(validating: bytes, as: UTF8.self) { return .success(string) }
            return .failure(InvalidByteOffset(offset: UTF8Validation.firstInvalidOffset(in: bytes) ?? 0))
        case .latin1:
            return .success(Self.latin1String(bytes))
        }
    }

    /// Latin-1 bytes as a string: bytes below 0x80 copied, the others written as the two
    /// UTF-8 bytes of U+0080…U+00FF.
    static func latin1String(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var extra = 0
        for byte in bytes where byte >= 0x80 { extra += 1 }
        if extra == 0 { return String(decoding: bytes, as: UTF8.self) }
        return String(unsafeUninitializedCapacity: bytes.count + extra) { output in
            var written = 0
            for byte in bytes {
                if byte < 0x80 {
                    output[written] = byte
                    written += 1
                } else {
                    output[written] = 0xC0 | (byte >> 6)
                    output[written + 1] = 0x80 | (byte & 0x3F)
                    written += 2
                }
            }
            return written
        }
    }
}

/// Where, in a buffer that was being decoded, the first invalid byte is.
struct InvalidByteOffset: Error {
    let offset: Int
}

/// Finding the first byte that breaks UTF-8 (RFC 3629: no overlong forms, no surrogates,
/// nothing above U+10FFFF).
enum UTF8Validation {
    /// The offset of the first byte of the first invalid or truncated sequence, or nil when
    /// `bytes` is valid UTF-8.
    static func firstInvalidOffset(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 { index += 1; continue }
            let length: Int
            var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return index
            }
            guard index + length <= count else { return index }
            let second = bytes[index + 1]
            guard second >= lower && second <= upper else { return index }
            for next in (index + 2)..<(index + length) where bytes[next] & 0xC0 != 0x80 { return index }
            index += length
        }
        return nil
    }
}
