extension HTMLReport {
    /// A method's confusion matrix on the test set: `counts[t][p]` samples of class `t`
    /// predicted as `p` (rows: true labels, columns: predictions).
    public struct ConfusionMatrixTable: Sendable, Equatable {
        public var method: String
        public var counts: [[Int]]

        public init(method: String, counts: [[Int]]) {
            self.method = method
            self.counts = counts
        }

        /// Per true class, the share of its samples predicted correctly; `nil` for a class
        /// without samples.
        public var perClassAccuracy: [Double?] {
            counts.enumerated().map { label, row in
                let samples = row.reduce(0, +)
                return samples == 0 || label >= row.count ? nil : Double(row[label]) / Double(samples)
            }
        }
    }

    /// The section with one table per matrix: a row per true class with its counts per
    /// predicted class (the diagonal in bold) and its accuracy.
    func confusionSection(_ tables: [ConfusionMatrixTable]) -> String {
        guard !tables.isEmpty else { return "" }
        let e = MarkupEscaping.escape
        var html = "<section>\n<h2>Per-class test accuracy</h2>\n"
        for table in tables {
            let classes = table.counts.count
            html += "<h3>" + e(table.method) + "</h3>\n<table class=\"confusion\">\n<thead><tr><th scope=\"col\">true \\ predicted</th>"
            for column in 0..<classes { html += "<th scope=\"col\" class=\"number\">\(column)</th>" }
            html += "<th scope=\"col\" class=\"number\">Accuracy</th></tr></thead>\n<tbody>\n"
            for (label, row) in table.counts.enumerated() {
                html += "<tr><th scope=\"row\">\(label)</th>"
                for (column, count) in row.enumerated() {
                    let text = NumberText.grouped(count)
                    html += "<td class=\"number\">" + (column == label ? "<strong>\(text)</strong>" : text) + "</td>"
                }
                html += "<td class=\"number\">" + (table.perClassAccuracy[label].map { e(NumberText.percent($0)) } ?? "&#8212;") + "</td></tr>\n"
            }
            html += "</tbody>\n</table>\n"
        }
        html += "<p class=\"note\">Rows: true class; columns: predicted class; accuracy: the share of a class's test samples predicted as that class.</p>\n"
        return html + "</section>\n"
    }
}
