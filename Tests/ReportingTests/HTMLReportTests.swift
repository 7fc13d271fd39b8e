import Foundation
import Reporting
import Testing

@Suite("HTML reports")
struct HTMLReportTests {
    static let sample = HTMLReport(title: "MNIST: full fine-tuning, LoRA and DoRA", epochs: SampleRuns.epochs(),
                                   summary: SampleRuns.summary)

    @Test("the page has one SVG chart for the loss and one for the accuracy")
    func oneSVGPerChart() {
        let html = Self.sample.html()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(occurrences(of: "<svg", in: html) == 2)
        #expect(svgElements(in: html).count == 2)
    }

    @Test("the loss chart has a line per method; the accuracy chart a test and a training line per method")
    func linePerMethod() throws {
        let charts = svgElements(in: Self.sample.html())
        try #require(charts.count == 2)
        #expect(occurrences(of: "class=\"series\"", in: charts[0]) == 3)
        #expect(occurrences(of: "class=\"series\"", in: charts[1]) == 6)
        #expect(occurrences(of: "stroke-dasharray", in: charts[1]) >= 3, "training lines are dashed")
        // Each method keeps its colour in both charts.
        for color in ["#0072B2", "#D55E00", "#009E73"] {
            #expect(charts[0].contains("stroke=\"\(color)\""))
            #expect(charts[1].contains("stroke=\"\(color)\""))
        }
    }

    @Test("the legends name every method")
    func legendNamesMethods() throws {
        let charts = svgElements(in: Self.sample.html())
        try #require(charts.count == 2)
        for method in SampleRuns.methods {
            #expect(charts[0].contains(">\(method)</text>"))
            #expect(charts[1].contains(">\(method) (test)</text>"))
            #expect(charts[1].contains(">\(method) (training)</text>"))
        }
        #expect(occurrences(of: "class=\"legend-label\"", in: charts[0]) == 3)
        #expect(occurrences(of: "class=\"legend-label\"", in: charts[1]) == 6)
    }

    @Test("axes have titles and nice tick labels")
    func axesAndTicks() throws {
        let charts = svgElements(in: Self.sample.html())
        try #require(charts.count == 2)
        #expect(charts[0].contains(">Epoch</text>"))
        #expect(charts[0].contains(">Mean training loss</text>"))
        #expect(charts[1].contains(">Accuracy (%)</text>"))
        for epoch in 1...10 { #expect(charts[0].contains(">\(epoch)</text>")) }
        #expect(charts[0].contains(">0.10</text>"))
        #expect(!charts[1].contains(">100.5"), "accuracy ticks stay within 0-100 %")
    }

    @Test("the summary table shows the parameters, accuracy and time of each method")
    func summaryTable() {
        let html = Self.sample.html()
        #expect(html.contains("<h2>Summary</h2>"))
        #expect(html.contains(">109,386<"))
        #expect(html.contains(">12,810<"))
        #expect(html.contains(">97.12%<"))
        #expect(html.contains(">112.3 s<"))
        #expect(!HTMLReport(epochs: SampleRuns.epochs()).html().contains("<h2>Summary</h2>"))
    }

    @Test("the page loads nothing from elsewhere")
    func selfContained() {
        let html = Self.sample.html()
        #expect(!html.contains("<script"))
        #expect(!html.contains("<link"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("@import"))
        #expect(!html.contains("url("))
        #expect(html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").range(of: "http") == nil)
    }

    @Test("method names and titles are escaped")
    func escaping() throws {
        let method = "<script>alert(\"x\")</script> & 'lora'"
        let epochs = (1...3).map { EpochRecord(method: method, epoch: $0, meanLoss: 1 / Double($0), testAccuracy: 0.9, seconds: Double($0)) }
        let report = HTMLReport(title: "A <b>bold</b> & risky title", epochs: epochs,
                                summary: [.init(method: method, trainableParameters: 10, testAccuracy: 0.9, seconds: 3)])
        let html = report.html()
        #expect(!html.contains("<script"))
        #expect(!html.contains("<b>"))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;lora&#39;"))
        #expect(html.contains("<title>A &lt;b&gt;bold&lt;/b&gt; &amp; risky title</title>"))
        for svg in svgElements(in: html) { #expect(xmlParseError(svg) == nil) }
    }

    @Test("each SVG chart is well-formed XML", arguments: [
        "sample", "one epoch", "many epochs", "non-finite values", "constant values", "no data", "odd names", "diverging loss",
    ])
    func wellFormedSVG(case name: String) throws {
        let html = Self.report(named: name).html()
        let charts = svgElements(in: html)
        #expect(charts.count == 2)
        for svg in charts {
            #expect(xmlParseError(svg) == nil, "\(name): \(svg.prefix(300))")
            #expect(!svg.contains("nan") && !svg.contains("NaN") && !svg.contains("inf"), "no non-finite coordinates")
        }
    }

    /// Reports for the awkward cases a chart must survive.
    static func report(named name: String) -> HTMLReport {
        switch name {
        case "one epoch":
            return HTMLReport(epochs: SampleRuns.epochs(count: 1))
        case "many epochs":
            return HTMLReport(epochs: SampleRuns.epochs(count: 500))
        case "non-finite values":
            var epochs = SampleRuns.epochs()
            epochs[2].meanLoss = .nan
            epochs[3].meanLoss = .infinity
            epochs[5].testAccuracy = -.infinity
            epochs[12].trainingAccuracy = .nan
            return HTMLReport(epochs: epochs)
        case "constant values":
            return HTMLReport(epochs: (1...4).map {
                EpochRecord(method: "lora", epoch: $0, meanLoss: 0.5, trainingAccuracy: 1, testAccuracy: 1, seconds: 1)
            })
        case "diverging loss":
            return HTMLReport(epochs: (1...6).map {
                EpochRecord(method: "lora", epoch: $0, meanLoss: pow(10, Double($0 * 8)), trainingAccuracy: 0.1, seconds: 1)
            })
        case "no data":
            return HTMLReport(epochs: [])
        case "odd names":
            return HTMLReport(title: "\u{1}bell\u{7} & <x>", epochs: (1...2).map {
                EpochRecord(method: "a]]>b\u{FFFF}\u{0}\"c'", epoch: $0, meanLoss: 1, seconds: 1)
            })
        default:
            return sample
        }
    }

    @Test("a single epoch is drawn as a marker on a one-tick epoch axis")
    func singleEpoch() throws {
        let charts = svgElements(in: Self.report(named: "one epoch").html())
        try #require(charts.count == 2)
        #expect(occurrences(of: "class=\"series\"", in: charts[0]) == 3)
        #expect(occurrences(of: "<circle", in: charts[0]) >= 1)
        #expect(charts[0].contains(">1</text>"))
        #expect(!charts[0].contains(">0</text>") && !charts[0].contains(">2</text>"))
    }

    @Test("many epochs get a readable number of ticks and no markers")
    func manyEpochs() throws {
        let charts = svgElements(in: Self.report(named: "many epochs").html())
        try #require(charts.count == 2)
        let xLabels = charts[0].components(separatedBy: "text-anchor=\"middle\">").count - 1
        #expect(xLabels <= 14)
        #expect(!charts[0].contains("class=\"markers\"><circle") || occurrences(of: "<circle", in: charts[0]) < 10)
    }

    @Test("non-finite values are skipped, breaking the line")
    func nonFiniteValuesBreakTheLine() throws {
        let charts = svgElements(in: Self.report(named: "non-finite values").html())
        try #require(charts.count == 2)
        let basePath = try #require(charts[0].components(separatedBy: "class=\"series\" d=\"").dropFirst().first)
        let d = String(basePath.prefix { $0 != "\"" })
        #expect(occurrences(of: "M", in: d) == 2, "the line restarts after epochs 3 and 4: \(d)")
        #expect(occurrences(of: "L", in: d) == 6)
    }

    @Test("equal minimum and maximum still give distinct ticks")
    func constantValues() throws {
        let charts = svgElements(in: Self.report(named: "constant values").html())
        try #require(charts.count == 2)
        let labels = charts[0].components(separatedBy: "text-anchor=\"end\">").dropFirst().map { String($0.prefix { $0 != "<" }) }
        #expect(labels.count >= 2)
        #expect(Set(labels).count == labels.count)
        #expect(labels.contains("0.50"))
    }

    @Test("a report without data says so instead of drawing lines")
    func noData() {
        let html = Self.report(named: "no data").html()
        #expect(occurrences(of: "No finite values to plot", in: html) == 2)
        #expect(!html.contains("class=\"series\""))
    }

    @Test("the page is written atomically to <directory>/index.html, creating the directory")
    func writesAtomically() throws {
        let directory = try TemporaryDirectory()
        let reportDirectory = directory.file("runs/today")
        let path = try Self.sample.write(toDirectory: reportDirectory)
        #expect(path == reportDirectory + "/index.html")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == Self.sample.html())

        let replacement = HTMLReport(title: "Second run", epochs: SampleRuns.epochs(count: 2))
        try replacement.write(toDirectory: reportDirectory + "/")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == replacement.html())
        #expect(try FileManager.default.contentsOfDirectory(atPath: reportDirectory) == ["index.html"], "no temporary file is left")
    }

    @Test("a file in place of the directory is an error naming the path")
    func directoryIsAFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("report")
        #expect(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
        #expect {
            try Self.sample.write(toDirectory: path)
        } throws: { error in
            guard case .cannotCreateDirectory(let reportedPath, _) = error as? ReportingError else { return false }
            return reportedPath == path && String(describing: error).contains(path)
        }
        #expect {
            try Self.sample.write(toDirectory: path + "/below")
        } throws: { error in
            guard case .cannotCreateDirectory(let reportedPath, _) = error as? ReportingError else { return false }
            return reportedPath == path + "/below"
        }
    }
}
