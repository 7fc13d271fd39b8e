import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The `<svg>…</svg>` elements of a page, in order.
func svgElements(in html: String) -> [String] {
    var elements: [String] = []
    var rest = html[...]
    while let start = rest.range(of: "<svg"), let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) {
        elements.append(String(rest[start.lowerBound..<end.upperBound]))
        rest = rest[end.upperBound...]
    }
    return elements
}

/// Whether `markup` is a well-formed XML document, and the parser's error if not.
func xmlParseError(_ markup: String) -> String? {
    let parser = XMLParser(data: Data(markup.utf8))
    return parser.parse() ? nil : String(describing: parser.parserError)
}

/// How many times `needle` occurs in `text`, without overlaps.
func occurrences(of needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}
