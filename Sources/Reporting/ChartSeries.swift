/// One line of a ``LineChart``: its legend label, style and data points.
struct ChartSeries {
    /// The method or quantity the line shows (plain text; escaped when drawn).
    var name: String
    /// What distinguishes lines of the same name, for example "test"; shown in parentheses
    /// after the name and kept whole when a long name is shortened in the legend.
    var detail: String? = nil
    var style: ChartStyle
    /// Whether the line is dashed (and its markers hollow) rather than solid.
    var isDashed: Bool
    /// The data points, in any order; a point with a non-finite coordinate is skipped, and
    /// the line breaks where a non-finite y value was.
    var points: [(x: Double, y: Double)]

    /// The name and detail as the legend and tooltips show them: "lora (test)".
    var label: String {
        detail.map { name + " (" + $0 + ")" } ?? name
    }

    /// ``label``, with the name shortened (ending in "…") so that it has at most
    /// `maximumCharacters` characters where possible.
    func label(maximumCharacters: Int) -> String {
        let suffix = detail.map { " (" + $0 + ")" } ?? ""
        let room = maximumCharacters - suffix.count
        guard name.count + suffix.count > maximumCharacters, room > 1 else { return label }
        return String(name.prefix(room - 1)) + "…" + suffix
    }
}
