import Foundation
import Testing
import Datasets

/// Label ids in sorted order, reuse of a saved mapping, unknown labels, the first-N rule
/// and the held-out split.
@Suite("Labelled texts and label mappings")
struct LabeledTextsTests {
    @Test func labelsAreSortedByCodePointWhateverTheRowOrder() throws {
        let rows = try readRows("label,text\npositive,a\nnegative,b\nneutral,c\nnegative,d\nZebra,e\nÉcole,f\n")
        let texts = try LabeledTexts(rows: rows)
        // Code point order: 'Z' (0x5A) < 'n' (0x6E) < 'p' < 'É' (0xC9), as Python's sorted().
        #expect(texts.labelMapping.names == ["Zebra", "negative", "neutral", "positive", "École"])
        #expect(texts.labels == [3, 1, 2, 1, 0, 4])
        #expect(texts.classCounts() == [1, 2, 1, 1, 1])
        let shuffled = try LabeledTexts(rows: readRows("label,text\nneutral,c\nÉcole,f\nZebra,e\npositive,a\nnegative,b\n"))
        #expect(shuffled.labelMapping == texts.labelMapping)
    }

    @Test func savedMappingIsReusedAndUnknownLabelsAreErrors() throws {
        let mapping = try LabelMapping(names: ["negative", "neutral", "positive"])
        let test = try LabeledTexts(rows: readRows("label,text\npositive,a\nnegative,b\n"), labelMapping: mapping)
        #expect(test.labels == [2, 0])
        #expect(test.labelMapping == mapping)
        // A mapping in another order than sorted is kept as given (it is the model's).
        let custom = try LabelMapping(names: ["positive", "negative"])
        #expect(try LabeledTexts(rows: readRows("label,text\npositive,a\nnegative,b\n"), labelMapping: custom).labels == [0, 1])
        #expect(throws: TextDataError.unknownLabel(path: "test.csv", position: TextPosition(line: 3, column: 1), label: "mixed",
                                                   known: ["negative", "neutral", "positive"])) {
            try LabeledTexts(rows: readRows("label,text\npositive,a\nmixed,b\n"), labelMapping: mapping)
        }
    }

    @Test func labelsNeeded() {
        #expect(throws: TextDataError.labelsNotRead(path: "test.csv")) {
            try LabeledTexts(rows: readRows("text\na\n", labelColumn: nil))
        }
    }

    @Test func invalidMappings() {
        #expect(throws: TextDataError.invalidLabelMapping(names: [], reason: "it holds no names")) { try LabelMapping(names: []) }
        #expect(throws: TextDataError.invalidLabelMapping(names: ["a", "b", "a"], reason: "'a' appears more than once")) {
            try LabelMapping(names: ["a", "b", "a"])
        }
        #expect(throws: TextDataError.invalidLabelMapping(names: ["a", ""], reason: "name 1 is empty")) { try LabelMapping(names: ["a", ""]) }
    }

    @Test func mappingEncodesAsTheListOfNames() throws {
        let mapping = try LabelMapping(names: ["negative", "neutral", "positive"])
        let json = try JSONEncoder().encode(mapping)
        #expect(String(decoding: json, as: UTF8.self) == "[\"negative\",\"neutral\",\"positive\"]")
        #expect(try JSONDecoder().decode(LabelMapping.self, from: json) == mapping)
        #expect(mapping.id(of: "neutral") == 1)
        #expect(mapping.id(of: "other") == nil)
        #expect(mapping.name(of: 2) == "positive")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(LabelMapping.self, from: Data("[\"a\",\"a\"]".utf8)) }
    }

    @Test func firstNRowsDecideTheMapping() throws {
        let csv = "label,text\nb,one\na,two\nc,three\n"
        let firstTwo = try LabeledTexts(rows: readRows(csv, maxSamples: 2))
        #expect(firstTwo.texts == ["one", "two"])
        #expect(firstTwo.labelMapping.names == ["a", "b"])
    }

    @Test func heldOutSplitTakesEveryPeriodthRow() throws {
        let texts = (0..<23).map { "text \($0)" }
        let data = LabeledTexts(texts: texts, labels: (0..<23).map { $0 % 3 }, labelMapping: try LabelMapping(names: ["a", "b", "c"]))
        let (training, heldOut) = data.heldOutSplit(period: 10)
        #expect(heldOut.texts == ["text 9", "text 19"])
        #expect(training.count == 21)
        #expect(training.texts.first == "text 0")
        #expect(heldOut.labels == [0, 1])
        #expect(Set(training.texts).union(heldOut.texts) == Set(texts))
        #expect(training.labelMapping == data.labelMapping)
    }
}
