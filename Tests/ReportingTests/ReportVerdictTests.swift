import Foundation
import Reporting
import Testing

@Suite("Reports say who won, by how much, and keep pretraining apart")
struct ReportVerdictTests {
    @Test func verdictNamesTheWinnerAndTheMargin() {
        let rows = SampleRuns.summary
        #expect(HTMLReport.verdict(rows, excluding: ["base"])
                == "dora is ahead: 97.45% test accuracy against lora's 97.12% (+0.33 points), with 13,226 against 12,810 trainable parameters.")
        #expect(HTMLReport.verdict(Array(rows.prefix(2)), excluding: ["base"]) == nil, "one method is no comparison")
        let tie = [HTMLReport.SummaryRow(method: "lora", trainableParameters: 10, testAccuracy: 0.5, seconds: 1),
                   HTMLReport.SummaryRow(method: "dora", trainableParameters: 12, testAccuracy: 0.5, seconds: 1)]
        #expect(HTMLReport.verdict(tie) == "lora and dora tie at 50.00% test accuracy, with 10 against 12 trainable parameters.")
    }

    @Test func pretrainingGetsChartsOfItsOwn() throws {
        var report = HTMLReport(title: "t", epochs: SampleRuns.epochs(), summary: SampleRuns.summary,
                                settings: [("rank, alpha", "4, 8")], separatesPretraining: true)
        let html = report.html()
        let charts = svgElements(in: html)
        try #require(charts.count == 4)
        // Loss: base alone, then lora and dora with their own range; then the accuracies the same way.
        #expect(occurrences(of: "class=\"series\"", in: charts[0]) == 1)
        #expect(occurrences(of: "class=\"series\"", in: charts[1]) == 2)
        #expect(occurrences(of: "class=\"series\"", in: charts[2]) == 2)
        #expect(occurrences(of: "class=\"series\"", in: charts[3]) == 4)
        #expect(!charts[1].contains(">base</text>"))
        #expect(html.contains("<h2>Loss of fine-tuning (lora, dora)</h2>"))
        #expect(html.contains("<p class=\"verdict\">dora is ahead: 97.45% test accuracy against lora&#39;s 97.12% (+0.33 points)"))
        #expect(html.contains("<tr><th scope=\"row\">rank, alpha</th><td>4, 8</td></tr>"))

        report.separatesPretraining = false
        #expect(svgElements(in: report.html()).count == 2)
    }
}
