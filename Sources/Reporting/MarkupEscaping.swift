/// Makes arbitrary text safe to place in HTML and SVG (XML) text or in a quoted attribute.
enum MarkupEscaping {
    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by character references, and every
    /// character that XML 1.0 does not allow (control characters other than tab, line feed
    /// and carriage return; U+FFFE and U+FFFF) replaced by U+FFFD.
    static func escape(_ text: String) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                if value < 0x20 || value == 0x7F || value == 0xFFFE || value == 0xFFFF {
                    result.unicodeScalars.append("\u{FFFD}")
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }
}
