import Testing
@testable import Datasets

@Suite("Shipped MNIST sample")
struct MNISTSampleTests {
    let sample: MNISTFormatDataset

    init() throws {
        sample = try sharedSample.get()
    }

    @Test func shapes() {
        #expect(sample.train.count == 4000)
        #expect(sample.test.count == 1000)
        for split in [sample.train, sample.test] {
            #expect(split.rows == 28)
            #expect(split.columns == 28)
            #expect(split.pixelsPerImage == 784)
            #expect(split.classes == 10)
            #expect(split.pixels.count == split.count * 784)
            #expect(split.labels.count == split.count)
        }
    }

    @Test func trainHas400OfEachClass() {
        #expect(sample.train.classCounts() == Array(repeating: 400, count: 10))
    }

    @Test func testHas100OfEachClass() {
        #expect(sample.test.classCounts() == Array(repeating: 100, count: 10))
    }

    @Test func labelsAreDigits() {
        #expect(sample.train.labels.allSatisfy { $0 < 10 })
        #expect(sample.test.labels.allSatisfy { $0 < 10 })
    }

    /// Reference values computed independently with Python's gzip module and numpy.
    @Test func contentsMatchReference() {
        #expect(Array(sample.train.labels.prefix(10)) == [0, 5, 9, 6, 2, 3, 8, 5, 4, 1])
        #expect(Array(sample.test.labels.prefix(10)) == [5, 7, 3, 0, 6, 3, 0, 2, 3, 5])
        #expect(sample.train.label(at: 1) == 5)
        let first = sample.train.image(at: 0)
        #expect(first.reduce(0) { $0 + Int($1) } == 22256)
        #expect(first.filter { $0 > 0 }.count == 133)
        #expect(Array(first.dropFirst(14 * 28).prefix(28)) ==
            [0, 0, 0, 0, 0, 0, 29, 226, 255, 255, 170, 0, 0, 0, 0, 0, 0, 0, 0, 0, 57, 255, 170, 0, 0, 0, 0, 0])
        #expect(sample.train.pixels.reduce(0) { $0 + Int($1) } == 104_646_036)
        #expect(sample.test.pixels.reduce(0) { $0 + Int($1) } == 26_621_066)
        #expect(sample.train.pixels.max() == 255)
    }

    @Test func sampleDirectoryShipsAttribution() throws {
        let directory = try #require(MNISTFormatDataset.mnistSampleDirectory)
        #expect(DataFile.exists(atPath: directory + "/README.md"))
        #expect(DataFile.exists(atPath: directory + "/SHA256SUMS"))
    }
}
