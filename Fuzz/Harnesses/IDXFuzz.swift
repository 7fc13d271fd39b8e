// libFuzzer target: the IDX data set reader, the whole in-memory validation path of the
// file loaders (`LabeledImages(imagesFileBytes:labelsFileBytes:...)`: gzip detection and
// decompression, IDX header and size checks, count agreement, label range).
//
// Input layout (the seeds in Fuzz/Corpus/idx follow it):
//
//   byte 0        classes - 1 (so 1...256 classes)
//   bytes 1..<5   L, the images file's length, UInt32 little-endian (clamped to what is left)
//   next L bytes  the images file (raw IDX or gzip)
//   the rest      the labels file (raw IDX or gzip)
//
// Inputs shorter than 5 bytes are one images file with an empty labels file.
// Decompression is capped at 8 MiB (`maxDecompressedBytes`) so that gzip bombs hit the
// library's own limit rather than the fuzzer's memory limit. A successful parse is checked
// against the documented invariants of `LabeledImages`.
import Datasets

private let decompressionLimit = 8 << 20

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = [UInt8](UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    var classes = 10
    var images = input[...]
    var labels: ArraySlice<UInt8> = []
    if input.count >= 5 {
        classes = Int(input[0]) + 1
        let declared = Int(input[1]) | Int(input[2]) << 8 | Int(input[3]) << 16 | Int(input[4]) << 24
        let imagesEnd = 5 + min(declared, input.count - 5)
        images = input[5..<imagesEnd]
        labels = input[imagesEnd...]
    }

    let set: LabeledImages
    do {
        set = try LabeledImages(
            imagesFileBytes: Array(images), labelsFileBytes: Array(labels), classes: classes,
            imagesSource: "images", labelsSource: "labels", maxDecompressedBytes: decompressionLimit)
    } catch {
        _ = error.description
        return 0
    }

    check(set.classes == classes, "classes")
    check(set.count == set.labels.count, "count \(set.count) != labels.count \(set.labels.count)")
    check(set.rows >= 0 && set.columns >= 0, "negative size \(set.rows) x \(set.columns)")
    let (perImage, o1) = set.rows.multipliedReportingOverflow(by: set.columns)
    let (total, o2) = perImage.multipliedReportingOverflow(by: set.count)
    check(!o1 && !o2 && total == set.pixels.count, "pixels.count \(set.pixels.count) != \(set.count) x \(set.rows) x \(set.columns)")
    check(set.labels.allSatisfy { Int($0) < classes }, "a label is not below \(classes)")
    check(set.classCounts().reduce(0, +) == set.count, "classCounts")
    for index in 0..<set.count {
        check(set.image(at: index).count == perImage, "image \(index) size")
        check(set.label(at: index) < classes, "label \(index)")
    }
    // The same set built from the parsed arrays must be equal.
    let rebuilt = try? LabeledImages(pixels: set.pixels, labels: set.labels, rows: set.rows, columns: set.columns, classes: classes)
    check(rebuilt == set, "rebuilding from the parsed arrays gives a different set")
    return 0
}

private func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("idx fuzz: \(message())") }
}
