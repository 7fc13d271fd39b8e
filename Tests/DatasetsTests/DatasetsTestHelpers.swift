import Foundation
import Testing
@testable import Datasets

/// A fresh directory under the system temporary directory, removed after `body` returns.
@discardableResult
func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("DatasetsTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url.path)
}

/// Writes `bytes` to `directory/name` and returns the path.
@discardableResult
func writeFile(_ bytes: [UInt8], named name: String, in directory: String) throws -> String {
    let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// A deterministic small image set: `count` images of `rows` x `columns`, pixel values
/// covering 0...255, labels cycling through `classes`.
func syntheticSet(count: Int, rows: Int, columns: Int, classes: Int = 10) -> (pixels: [UInt8], labels: [UInt8]) {
    let pixels = (0..<count * rows * columns).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ $0 / 7) }
    let labels = (0..<count).map { UInt8($0 % classes) }
    return (pixels, labels)
}

/// IDX images file bytes for `syntheticSet`.
func imagesFile(count: Int, rows: Int, columns: Int) -> [UInt8] {
    IDX.encode(dimensions: [count, rows, columns], data: syntheticSet(count: count, rows: rows, columns: columns).pixels)
}

/// IDX labels file bytes.
func labelsFile(_ labels: [UInt8]) -> [UInt8] {
    IDX.encode(dimensions: [labels.count], data: labels)
}

/// Big-endian bytes of a UInt32.
func be32(_ v: UInt32) -> [UInt8] {
    [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
}

/// The shipped sample, loaded once for all tests.
let sharedSample: Result<MNISTFormatDataset, IDXError> = Result { () throws(IDXError) in try MNISTFormatDataset.mnistSample() }

/// The four shipped sample files, decompressed: file name (without .gz) -> IDX bytes.
func sampleFilesDecompressed() throws -> [String: [UInt8]] {
    let directory = try #require(MNISTFormatDataset.mnistSampleDirectory)
    var result: [String: [UInt8]] = [:]
    for name in [MNISTFormatDataset.trainImagesFileName, MNISTFormatDataset.trainLabelsFileName,
                 MNISTFormatDataset.testImagesFileName, MNISTFormatDataset.testLabelsFileName] {
        let gz = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name + ".gz")))
        result[name] = try Gzip.decompress(gz)
    }
    return result
}

