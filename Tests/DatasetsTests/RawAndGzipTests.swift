import Foundation
import Testing
@testable import Datasets

@Suite("Raw and gzip files give identical results")
struct RawAndGzipTests {
    /// The shipped .gz sample, decompressed into raw files, loads to the same data set.
    @Test func sampleRawEqualsGzip() throws {
        let fromGzip = try sharedSample.get()
        let files = try sampleFilesDecompressed()
        try withTemporaryDirectory { dir in
            for (name, bytes) in files { try writeFile(bytes, named: name, in: dir) }
            let fromRaw = try MNISTFormatDataset(directory: dir)
            #expect(fromRaw == fromGzip)
        }
    }

    /// Any mix of raw and .gz names in one directory works.
    @Test(arguments: [0b0000, 0b0101, 0b1010, 0b1111])
    func mixedDirectory(gzipMask: Int) throws {
        let files = try sampleFilesDecompressed()
        let names = [MNISTFormatDataset.trainImagesFileName, MNISTFormatDataset.trainLabelsFileName,
                     MNISTFormatDataset.testImagesFileName, MNISTFormatDataset.testLabelsFileName]
        let reference = try sharedSample.get()
        try withTemporaryDirectory { dir in
            for (i, name) in names.enumerated() {
                let bytes = try #require(files[name])
                if gzipMask & (1 << i) != 0 {
                    try writeFile(try Gzip.compress(bytes, level: 1), named: name + ".gz", in: dir)
                } else {
                    try writeFile(bytes, named: name, in: dir)
                }
            }
            #expect(try MNISTFormatDataset(directory: dir) == reference)
        }
    }

    /// Synthetic files: raw, gzip at several levels, and gzip split into concatenated members.
    @Test(arguments: ["raw", "gzip-0", "gzip-9", "gzip-members"])
    func syntheticEncodings(encoding: String) throws {
        let (pixels, labels) = syntheticSet(count: 7, rows: 5, columns: 3)
        let expected = try LabeledImages(pixels: pixels, labels: labels, rows: 5, columns: 3)
        func encode(_ bytes: [UInt8]) throws -> [UInt8] {
            switch encoding {
            case "gzip-0": return try Gzip.compress(bytes, level: 0)
            case "gzip-9": return try Gzip.compress(bytes, level: 9)
            case "gzip-members":
                let mid = bytes.count / 2
                return try Gzip.compress(Array(bytes[..<mid])) + Gzip.compress(Array(bytes[mid...]))
            default: return bytes
            }
        }
        try withTemporaryDirectory { dir in
            let images = try writeFile(encode(imagesFile(count: 7, rows: 5, columns: 3)), named: "i", in: dir)
            let labelsPath = try writeFile(encode(labelsFile(labels)), named: "l", in: dir)
            #expect(try LabeledImages(imagesPath: images, labelsPath: labelsPath) == expected)
        }
    }

    /// The raw name wins when both the raw and the .gz file are present.
    @Test func rawNameIsPreferred() throws {
        try withTemporaryDirectory { dir in
            try writeFile([], named: "train-images-idx3-ubyte.gz", in: dir)
            try writeFile([0], named: "train-images-idx3-ubyte", in: dir)
            #expect(try MNISTFormatDataset.locate("train-images-idx3-ubyte", in: dir) == dir + "/train-images-idx3-ubyte")
        }
    }
}
