import Foundation

/// A training report as one self-contained HTML page: a title, an optional summary table
/// with the run's settings and a sentence saying which method won and by how much
/// (``verdict(_:excluding:)``), inline SVG charts of the mean loss and of the training and
/// test accuracy per epoch (one line per method, with a legend), and a collapsible table of
/// every epoch's values. With ``separatesPretraining`` the pretrained base model and the
/// fine-tuning methods get charts of their own, each with its own epoch axis and value
/// range, so that the base model's early losses do not flatten the fine-tuning curves.
///
/// The page loads nothing (no scripts, fonts, style sheets or images), so it can be
/// viewed offline or attached to a message. Every method name and title is escaped.
/// Non-finite values are left out of the charts, leaving a gap in their line.
public struct HTMLReport: Sendable {
    /// The page's title and main heading.
    public var title: String
    /// The epochs of every method, in any order.
    public var epochs: [EpochRecord]
    /// The rows of the summary table, in display order; no table when `nil` or empty.
    public var summary: [SummaryRow]?
    /// Name and value pairs describing the run (rank, alpha, data set …), shown under the
    /// summary table.
    public var settings: [(name: String, value: String)]
    /// Draw the method named ``pretrainingMethod`` in charts of its own.
    public var separatesPretraining: Bool
    /// Confusion matrices on the test set, shown with each class's accuracy.
    public var confusionMatrices: [ConfusionMatrixTable]

    /// The name of the file ``write(toDirectory:)`` writes.
    public static let fileName = "index.html"
    /// The method that pretrains the base model.
    public static let pretrainingMethod = "base"

    public init(title: String = "Training report", epochs: [EpochRecord], summary: [SummaryRow]? = nil,
                settings: [(name: String, value: String)] = [], separatesPretraining: Bool = false,
                confusionMatrices: [ConfusionMatrixTable] = []) {
        self.confusionMatrices = confusionMatrices
        self.title = title
        self.epochs = epochs
        self.summary = summary
        self.settings = settings
        self.separatesPretraining = separatesPretraining
    }

    /// Writes the page to `<directory>/index.html`, creating the directory (and its
    /// parents) when needed, and replacing any existing page atomically.
    ///
    /// - Returns: The path of the written file.
    /// - Throws: ``ReportingError/cannotCreateDirectory(path:reason:)`` or
    ///   ``ReportingError/reportWriteFailed(path:operation:reason:)``, naming the path.
    @discardableResult
    public func write(toDirectory directory: String) throws(ReportingError) -> String {
        guard !directory.isEmpty else {
            throw .cannotCreateDirectory(path: directory, reason: "the path is empty")
        }
        try HTMLReport.createDirectory(directory)
        try AtomicFile.write(Array(html().utf8), toFile: HTMLReport.fileName, in: directory)
        return (directory.hasSuffix("/") ? directory : directory + "/") + HTMLReport.fileName
    }

    /// The methods in the order they are first named by ``epochs``, then by ``summary``.
    public var methods: [String] {
        var seen = Set<String>()
        var ordered: [String] = []
        for method in epochs.map(\.method) + (summary ?? []).map(\.method) where seen.insert(method).inserted {
            ordered.append(method)
        }
        return ordered
    }

    /// The complete page.
    public func html() -> String {
        let methods = self.methods
        let styles = Dictionary(uniqueKeysWithValues: methods.enumerated().map { ($1, ChartStyle.forMethod(at: $0)) })
        let byMethod = Dictionary(grouping: epochs, by: \.method)
        let e = MarkupEscaping.escape

        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(e(title))</title>
            <style>
            \(HTMLReport.styleSheet)
            </style>
            </head>
            <body>
            <main>
            <h1>\(e(title))</h1>

            """
        page += "<p class=\"subtitle\">" + e(subtitle(methods: methods, byMethod: byMethod)) + "</p>\n"

        if let summary, !summary.isEmpty {
            page += summaryTable(summary, styles: styles)
        }

        let pretraining = methods.filter { $0 == HTMLReport.pretrainingMethod }
        let fineTuning = methods.filter { $0 != HTMLReport.pretrainingMethod }
        let groups: [(methods: [String], heading: String)] = separatesPretraining && !pretraining.isEmpty && !fineTuning.isEmpty
            ? [(pretraining, " of pretraining (\(pretraining.joined(separator: ", ")))"),
               (fineTuning, " of fine-tuning (\(fineTuning.joined(separator: ", ")))")]
            : [(methods, "")]
        for group in groups {
            page += lossSection(methods: group.methods, heading: group.heading, byMethod: byMethod, styles: styles)
        }
        for group in groups {
            page += accuracySection(methods: group.methods, heading: group.heading, byMethod: byMethod, styles: styles)
        }

        page += confusionSection(confusionMatrices)
        page += epochTable(methods: methods, byMethod: byMethod, styles: styles)
        page += "</main>\n</body>\n</html>\n"
        return page
    }

    private func lossSection(methods: [String], heading: String, byMethod: [String: [EpochRecord]],
                             styles: [String: ChartStyle]) -> String {
        let lossChart = LineChart(
            title: "Mean training loss per epoch" + heading, xAxisTitle: "Epoch", yAxisTitle: "Mean training loss",
            series: methods.compactMap { method in
                guard let records = byMethod[method], let style = styles[method] else { return nil }
                return ChartSeries(name: method, style: style, isDashed: false,
                                   points: records.map { (Double($0.epoch), $0.meanLoss) })
            })
        return """
            <section>
            <h2>Loss\(MarkupEscaping.escape(heading))</h2>
            <figure>
            \(lossChart.svg())<figcaption>Mean training loss of each epoch, one line per method.</figcaption>
            </figure>
            </section>

            """
    }

    private func accuracySection(methods: [String], heading: String, byMethod: [String: [EpochRecord]],
                                 styles: [String: ChartStyle]) -> String {
        var accuracySeries: [ChartSeries] = []
        for method in methods {
            guard let records = byMethod[method], let style = styles[method] else { continue }
            if records.contains(where: { $0.testAccuracy != nil }) {
                accuracySeries.append(ChartSeries(
                    name: method, detail: "test", style: style, isDashed: false,
                    points: records.compactMap { record in record.testAccuracy.map { (Double(record.epoch), $0 * 100) } }))
            }
            if records.contains(where: { $0.trainingAccuracy != nil }) {
                accuracySeries.append(ChartSeries(
                    name: method, detail: "training", style: style, isDashed: true,
                    points: records.compactMap { record in record.trainingAccuracy.map { (Double(record.epoch), $0 * 100) } }))
            }
        }
        let accuracyChart = LineChart(
            title: "Training and test accuracy per epoch" + heading, xAxisTitle: "Epoch", yAxisTitle: "Accuracy (%)",
            series: accuracySeries, yBounds: 0...100, yUnit: "%")
        return """
            <section>
            <h2>Accuracy\(MarkupEscaping.escape(heading))</h2>
            <figure>
            \(accuracyChart.svg())<figcaption>Solid lines: test accuracy after each epoch. Dashed lines with hollow markers: training accuracy after each epoch.</figcaption>
            </figure>
            </section>

            """
    }

    /// "3 methods (base, lora, dora), 10 epochs each" or similar.
    private func subtitle(methods: [String], byMethod: [String: [EpochRecord]]) -> String {
        guard !methods.isEmpty else { return "No training data." }
        let counts = Set(methods.map { byMethod[$0]?.count ?? 0 })
        let epochText: String
        if counts.count == 1, let count = counts.first {
            epochText = count == 1 ? "1 epoch each" : "\(count) epochs each"
        } else {
            epochText = "\(counts.min() ?? 0) to \(counts.max() ?? 0) epochs"
        }
        let methodText = methods.count == 1 ? "1 method" : "\(methods.count) methods"
        return "\(methodText) (\(methods.joined(separator: ", "))), \(epochText)."
    }

    private func summaryTable(_ rows: [SummaryRow], styles: [String: ChartStyle]) -> String {
        let e = MarkupEscaping.escape
        var html = """
            <section>
            <h2>Summary</h2>
            <table class="summary">
            <thead><tr><th scope="col">Method</th><th scope="col" class="number">Trainable parameters</th><th scope="col" class="number">Test accuracy</th><th scope="col" class="number">Time</th></tr></thead>
            <tbody>

            """
        for row in rows {
            html += "<tr><th scope=\"row\">" + HTMLReport.swatch(styles[row.method]) + e(row.method) + "</th>"
            html += "<td class=\"number\">" + NumberText.grouped(row.trainableParameters) + "</td>"
            html += "<td class=\"number\">" + (row.testAccuracy.map { e(NumberText.percent($0)) } ?? "&#8212;") + "</td>"
            html += "<td class=\"number\">" + e(NumberText.duration(row.seconds)) + "</td></tr>\n"
        }
        html += "</tbody>\n</table>\n"
        if let verdict = HTMLReport.verdict(rows, excluding: [HTMLReport.pretrainingMethod]) {
            html += "<p class=\"verdict\">" + e(verdict) + "</p>\n"
        }
        if !settings.isEmpty {
            html += "<table class=\"settings\">\n<tbody>\n"
            for (name, value) in settings {
                html += "<tr><th scope=\"row\">" + e(name) + "</th><td>" + e(value) + "</td></tr>\n"
            }
            html += "</tbody>\n</table>\n"
        }
        html += "</section>\n"
        return html
    }

    private func epochTable(methods: [String], byMethod: [String: [EpochRecord]], styles: [String: ChartStyle]) -> String {
        guard !epochs.isEmpty else { return "" }
        let e = MarkupEscaping.escape
        let optionalPercent = { (value: Double?) -> String in value.map { e(NumberText.percent($0)) } ?? "&#8212;" }
        var html = """
            <section>
            <details>
            <summary>Values of every epoch</summary>
            <table class="epochs">
            <thead><tr><th scope="col">Method</th><th scope="col" class="number">Epoch</th><th scope="col" class="number">Mean loss</th><th scope="col" class="number">Training accuracy</th><th scope="col" class="number">Test accuracy</th><th scope="col" class="number">Elapsed</th></tr></thead>
            <tbody>

            """
        for method in methods {
            for record in (byMethod[method] ?? []).sorted(by: { $0.epoch < $1.epoch }) {
                html += "<tr><th scope=\"row\">" + HTMLReport.swatch(styles[method]) + e(method) + "</th>"
                html += "<td class=\"number\">\(record.epoch)</td>"
                html += "<td class=\"number\">" + e(NumberText.fixed(record.meanLoss, digits: 4)) + "</td>"
                html += "<td class=\"number\">" + optionalPercent(record.trainingAccuracy) + "</td>"
                html += "<td class=\"number\">" + optionalPercent(record.testAccuracy) + "</td>"
                html += "<td class=\"number\">" + e(NumberText.duration(record.seconds)) + "</td></tr>\n"
            }
        }
        html += "</tbody>\n</table>\n</details>\n</section>\n"
        return html
    }

    /// A small square in the method's chart colour, or nothing for a method without one.
    private static func swatch(_ style: ChartStyle?) -> String {
        guard let style else { return "" }
        return "<span class=\"swatch\" style=\"background:\(MarkupEscaping.escape(style.color))\"></span>"
    }

    private static func createDirectory(_ directory: String) throws(ReportingError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw .cannotCreateDirectory(path: directory, reason: "a file that is not a directory has that name")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            let nsError = error as NSError
            var reason = nsError.localizedDescription
            if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
                reason = SystemCalls.errorText(Int32(underlying.code))
            }
            throw .cannotCreateDirectory(path: directory, reason: reason)
        }
    }

    private static let styleSheet = """
        :root { color-scheme: light; }
        body { margin: 0; background: #f6f7f9; color: #1d1f23;
               font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "DejaVu Sans", Arial, sans-serif; }
        main { max-width: 980px; margin: 0 auto; padding: 24px 20px 48px; }
        h1 { font-size: 26px; margin: 8px 0 2px; }
        h2 { font-size: 18px; margin: 0 0 10px; }
        .subtitle { color: #555; margin: 0 0 20px; }
        section { background: #fff; border: 1px solid #dde1e6; border-radius: 8px; padding: 16px 18px; margin: 0 0 18px; }
        figure { margin: 0; }
        figure svg { display: block; width: 100%; height: auto; }
        figcaption { color: #555; font-size: 13px; margin-top: 6px; }
        table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
        table.summary { width: auto; min-width: 70%; }
        table.settings { width: auto; margin-top: 12px; font-size: 14px; }
        .verdict { font-weight: 600; margin: 12px 0 0; }
        h3 { font-size: 15px; margin: 12px 0 6px; }
        table.confusion { width: auto; font-size: 13px; }
        table.confusion th, table.confusion td { padding: 3px 8px; }
        .note { color: #555; font-size: 13px; }
        th, td { padding: 6px 14px; border-bottom: 1px solid #e6e8eb; text-align: left; }
        thead th { font-weight: 600; color: #444; border-bottom: 2px solid #cfd4da; }
        tbody th { font-weight: 600; overflow-wrap: anywhere; }
        .number { text-align: right; white-space: nowrap; }
        .swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 8px; vertical-align: -1px; }
        details summary { cursor: pointer; font-weight: 600; }
        details table { margin-top: 10px; font-size: 14px; }
        """
}
