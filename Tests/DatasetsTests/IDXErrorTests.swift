import TestSupport
import Foundation
import Testing
@testable import Datasets

/// One test per kind of bad input, each asserting the exact error. Files are built in a
/// temporary directory and read through the public file loaders.
@Suite("Bad IDX input gives the exact typed error")
struct IDXErrorTests {
    @Test func fileNotFound() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/nope-idx3-ubyte"
            #expect(throws: IDXError.fileNotFound(path: path)) { try IDX.readImages(atPath: path) }
        }
    }

    @Test func directoryIsUnreadable() throws {
        try withTemporaryDirectory { dir in
            #expect(throws: IDXError.unreadable(path: dir, reason: "it is a directory")) { try IDX.readLabels(atPath: dir) }
        }
    }

    @Test(arguments: [MNISTFormatDataset.trainImagesFileName, MNISTFormatDataset.trainLabelsFileName,
                      MNISTFormatDataset.testImagesFileName, MNISTFormatDataset.testLabelsFileName])
    func missingDatasetFile(missing: String) throws {
        let files = try sampleFilesDecompressed()
        try withTemporaryDirectory { dir in
            for (name, bytes) in files where name != missing { try writeFile(bytes, named: name, in: dir) }
            #expect(throws: IDXError.missingDatasetFile(directory: dir, fileName: missing)) {
                try MNISTFormatDataset(directory: dir)
            }
        }
    }

    @Test func emptyFile() throws {
        try withTemporaryDirectory { dir in
            let path = try writeFile([], named: "empty", in: dir)
            #expect(throws: IDXError.emptyFile(path: path)) { try IDX.readImages(atPath: path) }
        }
    }

    @Test func emptyAfterDecompression() throws {
        try withTemporaryDirectory { dir in
            let path = try writeFile(try Gzip.compress([]), named: "empty.gz", in: dir)
            #expect(throws: IDXError.emptyFile(path: path)) { try IDX.readLabels(atPath: path) }
        }
    }

    @Test func gzipTruncated() throws {
        let gz = try Gzip.compress(imagesFile(count: 4, rows: 3, columns: 3))
        try withTemporaryDirectory { dir in
            let path = try writeFile(Array(gz.dropLast(5)), named: "cut.gz", in: dir)
            #expect(throws: IDXError.gzipCorrupt(path: path, .truncated)) { try IDX.readImages(atPath: path) }
        }
    }

    @Test func gzipCorruptData() throws {
        var gz = try Gzip.compress(imagesFile(count: 4, rows: 3, columns: 3))
        gz[gz.count - 6] ^= 0x55  // inside the CRC-32 trailer
        try withTemporaryDirectory { dir in
            let path = try writeFile(gz, named: "bad.gz", in: dir)
            #expect(throws: IDXError.gzipCorrupt(path: path, .invalidData("incorrect data check"))) {
                try IDX.readImages(atPath: path)
            }
        }
    }

    @Test func gzipMagicThenGarbage() throws {
        try withTemporaryDirectory { dir in
            let path = try writeFile([0x1f, 0x8b, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99],
                                     named: "garbage.gz", in: dir)
            #expect(throws: IDXError.gzipCorrupt(path: path, .invalidData("unknown compression method"))) {
                try IDX.readImages(atPath: path)
            }
        }
    }

    @Test func gzipTrailingGarbage() throws {
        let gz = try Gzip.compress(labelsFile([1, 2, 3]))
        try withTemporaryDirectory { dir in
            let path = try writeFile(gz + [0x55], named: "trailing.gz", in: dir)
            #expect(throws: IDXError.gzipCorrupt(path: path, .trailingGarbage(offset: gz.count))) {
                try IDX.readLabels(atPath: path)
            }
        }
    }

    @Test(arguments: [1, 3, 4, 9, 15])
    func truncatedImagesHeader(length: Int) throws {
        let bytes = Array(imagesFile(count: 2, rows: 2, columns: 2).prefix(length))
        try withTemporaryDirectory { dir in
            let path = try writeFile(bytes, named: "short", in: dir)
            #expect(throws: IDXError.truncatedHeader(path: path, expectedBytes: 16, actualBytes: length)) {
                try IDX.readImages(atPath: path)
            }
        }
    }

    @Test func truncatedLabelsHeader() throws {
        try withTemporaryDirectory { dir in
            let path = try writeFile([0, 0, 8, 1, 0, 0, 0], named: "short", in: dir)
            #expect(throws: IDXError.truncatedHeader(path: path, expectedBytes: 8, actualBytes: 7)) {
                try IDX.readLabels(atPath: path)
            }
        }
    }

    @Test func wrongMagic() throws {
        try withTemporaryDirectory { dir in
            let path = try writeFile(Array("PK\u{3}\u{4} not an IDX file".utf8), named: "zip", in: dir)
            #expect(throws: IDXError.wrongMagic(path: path, expected: 0x0000_0803, actual: 0x504B_0304)) {
                try IDX.readImages(atPath: path)
            }
            #expect(throws: IDXError.wrongMagic(path: path, expected: 0x0000_0801, actual: 0x504B_0304)) {
                try IDX.readLabels(atPath: path)
            }
        }
    }

    @Test(arguments: [UInt8(0x00), 0x09, 0x0B, 0x0C, 0x0D, 0x0E, 0xFF])
    func unsupportedElementType(code: UInt8) throws {
        var bytes = imagesFile(count: 2, rows: 2, columns: 2)
        bytes[2] = code
        try withTemporaryDirectory { dir in
            let path = try writeFile(bytes, named: "typed", in: dir)
            #expect(throws: IDXError.unsupportedElementType(path: path, typeCode: code)) {
                try IDX.readImages(atPath: path)
            }
        }
    }

    @Test func labelsFileReadAsImagesIsWrongRank() throws {
        try withTemporaryDirectory { dir in
            let path = try writeFile(labelsFile([1, 2, 3]), named: "labels", in: dir)
            #expect(throws: IDXError.wrongRank(path: path, expected: 3, actual: 1)) { try IDX.readImages(atPath: path) }
        }
    }

    @Test func imagesFileReadAsLabelsIsWrongRank() throws {
        try withTemporaryDirectory { dir in
            let path = try writeFile(imagesFile(count: 2, rows: 2, columns: 2), named: "images", in: dir)
            #expect(throws: IDXError.wrongRank(path: path, expected: 1, actual: 3)) { try IDX.readLabels(atPath: path) }
        }
    }

    @Test func sizeOverflow() throws {
        let bytes: [UInt8] = [0, 0, 8, 3] + be32(.max) + be32(.max) + be32(.max) + [1, 2, 3]
        try withTemporaryDirectory { dir in
            let path = try writeFile(bytes, named: "huge", in: dir)
            let d = Int(UInt32.max)
            #expect(throws: IDXError.sizeOverflow(path: path, dimensions: [d, d, d])) { try IDX.readImages(atPath: path) }
        }
    }

    /// No data, but an image size that cannot be indexed.
    @Test func zeroCountWithOverflowingImageSize() throws {
        let bytes: [UInt8] = [0, 0, 8, 3] + be32(0) + be32(.max) + be32(.max)
        try withTemporaryDirectory { dir in
            let path = try writeFile(bytes, named: "empty-but-huge", in: dir)
            let d = Int(UInt32.max)
            #expect(throws: IDXError.sizeOverflow(path: path, dimensions: [0, d, d])) { try IDX.readImages(atPath: path) }
        }
    }

    /// Zero-sized dimensions are valid: a set of 3 images of 0 x 5 pixels.
    @Test func zeroSizedImagesAreValid() throws {
        let set = try LabeledImages(imagesFileBytes: [0, 0, 8, 3] + be32(3) + be32(0) + be32(5),
                                    labelsFileBytes: labelsFile([1, 2, 3]))
        #expect(set.count == 3)
        #expect(set.pixelsPerImage == 0)
        #expect(set.image(at: 2).isEmpty)
    }

    /// A header claiming far more data than present is reported without allocating for it.
    @Test func hugeClaimIsTruncatedBody() throws {
        let bytes: [UInt8] = [0, 0, 8, 3] + be32(.max) + be32(1 << 20) + be32(28) + [1, 2, 3]
        try withTemporaryDirectory { dir in
            let path = try writeFile(bytes, named: "huge", in: dir)
            #expect(throws: IDXError.truncatedBody(path: path, expectedBytes: 16 + Int(UInt32.max) * (1 << 20) * 28, actualBytes: 19)) {
                try IDX.readImages(atPath: path)
            }
        }
    }

    @Test func truncatedBody() throws {
        let bytes = imagesFile(count: 3, rows: 2, columns: 2)  // 16 + 12 bytes
        try withTemporaryDirectory { dir in
            let path = try writeFile(Array(bytes.dropLast()), named: "cut", in: dir)
            #expect(throws: IDXError.truncatedBody(path: path, expectedBytes: 28, actualBytes: 27)) {
                try IDX.readImages(atPath: path)
            }
        }
    }

    @Test func truncatedLabelsBody() throws {
        try withTemporaryDirectory { dir in
            let path = try writeFile([0, 0, 8, 1] + be32(5) + [1, 2], named: "cut", in: dir)
            #expect(throws: IDXError.truncatedBody(path: path, expectedBytes: 13, actualBytes: 10)) {
                try IDX.readLabels(atPath: path)
            }
        }
    }

    @Test func trailingBytes() throws {
        let bytes = imagesFile(count: 3, rows: 2, columns: 2)
        try withTemporaryDirectory { dir in
            let path = try writeFile(bytes + [0, 0], named: "long", in: dir)
            #expect(throws: IDXError.trailingBytes(path: path, expectedBytes: 28, actualBytes: 30)) {
                try IDX.readImages(atPath: path)
            }
        }
    }

    @Test func countMismatch() throws {
        try withTemporaryDirectory { dir in
            let images = try writeFile(imagesFile(count: 3, rows: 2, columns: 2), named: "images", in: dir)
            let labels = try writeFile(labelsFile([1, 2]), named: "labels", in: dir)
            #expect(throws: IDXError.countMismatch(imagesPath: images, imageCount: 3, labelsPath: labels, labelCount: 2)) {
                try LabeledImages(imagesPath: images, labelsPath: labels)
            }
        }
    }

    @Test(arguments: [(classes: 10, labels: [UInt8]([1, 10, 3, 200]), index: 1, label: 10),
                      (classes: 3, labels: [0, 1, 2, 3], index: 3, label: 3),
                      (classes: 1, labels: [0, 0, 255, 0], index: 2, label: 255)])
    func labelOutOfRange(classes: Int, labels: [UInt8], index: Int, label: Int) throws {
        try withTemporaryDirectory { dir in
            let images = try writeFile(imagesFile(count: 4, rows: 2, columns: 2), named: "images", in: dir)
            let labelsPath = try writeFile(labelsFile(labels), named: "labels", in: dir)
            #expect(throws: IDXError.labelOutOfRange(path: labelsPath, index: index, label: label, classes: classes)) {
                try LabeledImages(imagesPath: images, labelsPath: labelsPath, classes: classes)
            }
        }
    }

    @Test func labelOutOfRangeInMemory() {
        #expect(throws: IDXError.labelOutOfRange(path: "<memory>", index: 0, label: 10, classes: 10)) {
            try LabeledImages(pixels: [1, 2], labels: [10, 0], rows: 1, columns: 1)
        }
    }

    @Test func corruptSampleDirectoryNamesTheFile() throws {
        let files = try sampleFilesDecompressed()
        try withTemporaryDirectory { dir in
            for (name, bytes) in files { try writeFile(bytes, named: name, in: dir) }
            let broken = try writeFile(Array((files[MNISTFormatDataset.testLabelsFileName] ?? []).dropLast(10)),
                                       named: MNISTFormatDataset.testLabelsFileName, in: dir)
            #expect(throws: IDXError.truncatedBody(path: broken, expectedBytes: 1008, actualBytes: 998)) {
                try MNISTFormatDataset(directory: dir)
            }
        }
    }

    /// Every prefix of a valid file, raw or gzip, gives the expected error and never traps.
    @Test func everyPrefixFails() throws {
        let raw = imagesFile(count: 2, rows: 3, columns: 3)  // 16 + 18 bytes
        for length in 0..<raw.count {
            let expected: IDXError = length == 0 ? .emptyFile(path: "p")
                : length < 16 ? .truncatedHeader(path: "p", expectedBytes: 16, actualBytes: length)
                : .truncatedBody(path: "p", expectedBytes: 34, actualBytes: length)
            #expect(throws: expected) { try IDX.parseImages(DataFile.decode(Array(raw[..<length]), source: "p"), source: "p") }
        }
        let gz = try Gzip.compress(raw)
        for length in 2..<gz.count {
            #expect(throws: IDXError.gzipCorrupt(path: "p", .truncated)) {
                try IDX.parseImages(DataFile.decode(Array(gz[..<length]), source: "p"), source: "p")
            }
        }
    }

    /// Random mutations of valid files never trap (typed throws guarantee only IDXError escapes).
    @Test func mutationsNeverTrap() throws {
        let images = imagesFile(count: 3, rows: 4, columns: 4)
        let labels = labelsFile([0, 5, 9])
        let gzImages = try Gzip.compress(images)
        var rng = SplitMix64(seed: 7)
        var failures = 0
        for round in 0..<3000 {
            var a = round % 2 == 0 ? images : gzImages
            var b = labels
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                if Bool.random(using: &rng) {
                    a[Int.random(in: 0..<a.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                } else {
                    b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            if Int.random(in: 0..<4, using: &rng) == 0 { a = Array(a.prefix(Int.random(in: 0...a.count, using: &rng))) }
            do {
                _ = try LabeledImages(imagesFileBytes: a, labelsFileBytes: b, classes: 10, maxDecompressedBytes: 1 << 16)
            } catch {
                failures += 1
            }
        }
        #expect(failures > 0)
    }

    @Test func descriptionsAreSentencesWithHints() {
        let errors: [IDXError] = [
            .fileNotFound(path: "p"), .missingDatasetFile(directory: "d", fileName: "f"),
            .unreadable(path: "p", reason: "r"), .emptyFile(path: "p"), .gzipCorrupt(path: "p", .truncated),
            .truncatedHeader(path: "p", expectedBytes: 16, actualBytes: 3),
            .wrongMagic(path: "p", expected: 0x803, actual: 0x504B_0304),
            .unsupportedElementType(path: "p", typeCode: 0x0D), .wrongRank(path: "p", expected: 3, actual: 1),
            .sizeOverflow(path: "p", dimensions: [1, 2, 3]),
            .truncatedBody(path: "p", expectedBytes: 10, actualBytes: 5),
            .trailingBytes(path: "p", expectedBytes: 10, actualBytes: 15),
            .countMismatch(imagesPath: "i", imageCount: 3, labelsPath: "l", labelCount: 2),
            .labelOutOfRange(path: "p", index: 1, label: 10, classes: 10),
        ]
        for error in errors {
            #expect(error.description.contains("Hint: "), "\(error)")
            #expect(error.description.hasSuffix("."), "\(error)")
            #expect(error.description.first?.isUppercase == true, "\(error)")
        }
        #expect(IDXError.wrongMagic(path: "p", expected: 0x803, actual: 0x504B_0304).description.contains("0x504b0304"))
        #expect(IDXError.wrongMagic(path: "p", expected: 0x803, actual: 0).description.contains("0x00000803"))
        #expect(IDXError.truncatedBody(path: "p", expectedBytes: 10, actualBytes: 5).description.contains("5 bytes are missing"))
        #expect(IDXError.wrongRank(path: "p", expected: 3, actual: 1).description.contains("swapped"))
    }
}
