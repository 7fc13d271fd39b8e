/// Builds SVG (XML) markup, escaping every attribute value and text node it is given.
struct SVGText {
    private(set) var text = ""

    /// Appends a start tag `<name a="v" …>`.
    mutating func open(_ name: String, _ attributes: [(String, String)] = []) {
        text += "<" + name + SVGText.attributeText(attributes) + ">"
    }

    /// Appends an end tag `</name>` and a line break.
    mutating func close(_ name: String) {
        text += "</" + name + ">\n"
    }

    /// Appends an empty element `<name a="v" …/>`.
    mutating func element(_ name: String, _ attributes: [(String, String)] = []) {
        text += "<" + name + SVGText.attributeText(attributes) + "/>\n"
    }

    /// Appends `<name a="v" …>text</name>`.
    mutating func element(_ name: String, _ attributes: [(String, String)] = [], text content: String) {
        text += "<" + name + SVGText.attributeText(attributes) + ">" + MarkupEscaping.escape(content) + "</" + name + ">\n"
    }

    private static func attributeText(_ attributes: [(String, String)]) -> String {
        var result = ""
        for (name, value) in attributes {
            result += " " + name + "=\"" + MarkupEscaping.escape(value) + "\""
        }
        return result
    }
}
