import Foundation

/// BERT's text normalisation (Hugging Face tokenizers' `BertNormalizer`), over Unicode
/// scalars, in this order:
///
/// 1. clean: drop U+0000, U+FFFD and every scalar of category C* (control, format,
///    unassigned, private use, surrogate) except `\t \n \r`; every White_Space scalar
///    becomes a space;
/// 2. spaces around CJK ideographs (U+4E00–9FFF, 3400–4DBF, 20000–2A6DF, 2A700–2B73F,
///    2B740–2B81F, 2B820–2CEAF, F900–FAFF, 2F800–2FA1F; not kana or hangul);
/// 3. strip accents: canonical decomposition (NFD), then drop category Mn;
/// 4. lowercase, scalar by scalar (full case mapping, no context).
public struct BERTNormalizer: Sendable, Equatable {
    /// Step 1.
    public var cleansText: Bool
    /// Step 2.
    public var separatesChineseCharacters: Bool
    /// Step 3.
    public var stripsAccents: Bool
    /// Step 4.
    public var lowercases: Bool

    /// `stripsAccents` nil follows `lowercases`, as in Hugging Face (`strip_accents: null`).
    public init(cleansText: Bool = true, separatesChineseCharacters: Bool = true, stripsAccents: Bool? = nil, lowercases: Bool = true) {
        self.cleansText = cleansText
        self.separatesChineseCharacters = separatesChineseCharacters
        self.stripsAccents = stripsAccents ?? lowercases
        self.lowercases = lowercases
    }

    /// The normalised text as Unicode scalars.
    public func normalize(_ text: String) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if cleansText {
                if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
                if Self.isWhitespace(scalar) { scalars.append(" "); continue }
            }
            if separatesChineseCharacters && Self.isChineseCharacter(scalar) {
                scalars.append(" ")
                scalars.append(scalar)
                scalars.append(" ")
            } else {
                scalars.append(scalar)
            }
        }
        if stripsAccents {
            var text = String.UnicodeScalarView()
            text.append(contentsOf: scalars)
            let decomposed = String(text).decomposedStringWithCanonicalMapping
            scalars = decomposed.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark }
        }
        if lowercases {
            var lowered: [Unicode.Scalar] = []
            lowered.reserveCapacity(scalars.count)
            for scalar in scalars {
                if scalar.isASCII {
                    lowered.append(scalar.value >= 65 && scalar.value <= 90 ? Unicode.Scalar(scalar.value + 32)! : scalar)
                } else {
                    lowered.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                }
            }
            scalars = lowered
        }
        return scalars
    }

    /// Category C* except the three whitespace controls.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\t", "\n", "\r": return false
        default:
            switch scalar.properties.generalCategory {
            case .control, .format, .unassigned, .privateUse, .surrogate: return true
            default: return false
            }
        }
    }

    /// The White_Space property (with `\t \n \r`).
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.isWhitespace
    }

    /// The CJK Unified Ideographs blocks and their extensions and compatibility blocks.
    static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
