/// Builds a safetensors header the way huggingface/safetensors (serde_json) does: compact
/// JSON, `__metadata__` first, then the tensors in data order, each as
/// `{"dtype":..,"shape":[..],"data_offsets":[begin,end]}`, padded with spaces to a multiple
/// of 8 bytes so the data section starts 8-byte aligned.
enum HeaderEncoding {

    /// One tensor's header entry.
    struct Entry {
        let name: String
        let dtype: SafeTensorsDType
        let shape: [Int]
        let begin: Int
        let end: Int
    }

    /// The padded header bytes (N of them; the caller writes N as the 8-byte prefix).
    /// Metadata keys are sorted (UTF-8 byte order) so the output is deterministic.
    static func encode(entries: [Entry], metadata: [String: String]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        var needsComma = false
        if !metadata.isEmpty {
            appendString("__metadata__", to: &out)
            out.append(contentsOf: Array(":{".utf8))
            let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (index, key) in keys.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                appendString(metadata[key] ?? "", to: &out)
            }
            out.append(UInt8(ascii: "}"))
            needsComma = true
        }
        for entry in entries {
            if needsComma { out.append(UInt8(ascii: ",")) }
            needsComma = true
            appendString(entry.name, to: &out)
            out.append(contentsOf: Array(":{\"dtype\":".utf8))
            appendString(entry.dtype.rawValue, to: &out)
            out.append(contentsOf: Array(",\"shape\":[".utf8))
            out.append(contentsOf: Array(entry.shape.map(String.init).joined(separator: ",").utf8))
            out.append(contentsOf: Array("],\"data_offsets\":[\(entry.begin),\(entry.end)]}".utf8))
        }
        out.append(UInt8(ascii: "}"))
        let padding = (8 - out.count % 8) % 8
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        return out
    }

    /// Appends `text` as a JSON string literal with serde_json's escaping: `"` and `\`,
    /// `\b \f \n \r \t`, other control characters as `\u00xx`; everything else (including
    /// non-ASCII UTF-8 and `/`) verbatim.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Fast path: most names and values need no escaping at all.
        let needsEscaping = text.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        } ?? true
        guard needsEscaping else {
            out.append(contentsOf: text.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        let hexDigits = Array("0123456789abcdef".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
