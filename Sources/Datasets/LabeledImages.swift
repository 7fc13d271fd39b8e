/// A set of equally sized greyscale images with one class label each, kept compact.
///
/// Pixels stay as the file's unsigned bytes (`count * rows * columns` of them, row-major,
/// image after image): the 60,000 MNIST training images take 47 MB this way instead of
/// 188 MB as Float32. Convert per batch with `writeBatch` (see `Batching.swift`).
/// Every label is below `classes`; this is checked when the set is built.
public struct LabeledImages: Sendable, Equatable {
    /// Number of samples.
    public let count: Int
    /// Image height in pixels.
    public let rows: Int
    /// Image width in pixels.
    public let columns: Int
    /// Number of classes; every label is in `0..<classes`.
    public let classes: Int
    /// `count * rows * columns` pixels, 0...255, row-major, image after image.
    public let pixels: [UInt8]
    /// `count` labels, each below `classes`.
    public let labels: [UInt8]

    /// Pixels per image, `rows * columns`.
    public var pixelsPerImage: Int { rows * columns }

    /// Builds a set from in-memory arrays.
    ///
    /// - Precondition: `rows`, `columns` >= 0, `classes` >= 1, and
    ///   `pixels.count == labels.count * rows * columns`.
    /// - Throws: `IDXError.labelOutOfRange` (with path `source`) if a label is >= `classes`.
    public init(
        pixels: [UInt8], labels: [UInt8], rows: Int, columns: Int, classes: Int = 10,
        source: String = "<memory>"
    ) throws(IDXError) {
        precondition(rows >= 0 && columns >= 0, "rows and columns must not be negative")
        precondition(classes >= 1, "classes must be at least 1")
        let (perImage, o1) = rows.multipliedReportingOverflow(by: columns)
        let (total, o2) = perImage.multipliedReportingOverflow(by: labels.count)
        precondition(!o1 && !o2 && total == pixels.count, "pixels.count must be labels.count * rows * columns")
        try Self.checkLabels(labels, classes: classes, source: source)
        self.init(unchecked: pixels, labels: labels, rows: rows, columns: columns, classes: classes)
    }

    /// Reads an images file and a labels file (each raw IDX or gzip-compressed IDX).
    ///
    /// - Throws: `IDXError` for a missing, unreadable or malformed file, a count mismatch
    ///   between the two, or a label >= `classes`.
    public init(imagesPath: String, labelsPath: String, classes: Int = 10) throws(IDXError) {
        try self.init(
            imagesFileBytes: DataFile.readRaw(atPath: imagesPath),
            labelsFileBytes: DataFile.readRaw(atPath: labelsPath),
            classes: classes, imagesSource: imagesPath, labelsSource: labelsPath)
    }

    /// Builds a set from the contents of an images file and a labels file, each raw IDX or
    /// gzip-compressed IDX. `imagesSource` and `labelsSource` name them in errors. This is the
    /// whole validation path of the file loaders, with no file system involved (fuzz it here).
    ///
    /// - Precondition: `classes` >= 1.
    public init(
        imagesFileBytes: [UInt8], labelsFileBytes: [UInt8], classes: Int = 10,
        imagesSource: String = "images", labelsSource: String = "labels",
        maxDecompressedBytes: Int = Gzip.defaultMaxOutputBytes
    ) throws(IDXError) {
        precondition(classes >= 1, "classes must be at least 1")
        let images = try IDX.parseImages(
            DataFile.decode(imagesFileBytes, source: imagesSource, maxDecompressedBytes: maxDecompressedBytes),
            source: imagesSource)
        let labels = try IDX.parseLabels(
            DataFile.decode(labelsFileBytes, source: labelsSource, maxDecompressedBytes: maxDecompressedBytes),
            source: labelsSource)
        guard images.count == labels.count else {
            throw .countMismatch(
                imagesPath: imagesSource, imageCount: images.count, labelsPath: labelsSource, labelCount: labels.count)
        }
        try Self.checkLabels(labels, classes: classes, source: labelsSource)
        self.init(unchecked: images.pixels, labels: labels, rows: images.rows, columns: images.columns, classes: classes)
    }

    init(unchecked pixels: [UInt8], labels: [UInt8], rows: Int, columns: Int, classes: Int) {
        self.count = labels.count
        self.rows = rows
        self.columns = columns
        self.classes = classes
        self.pixels = pixels
        self.labels = labels
    }

    /// The pixels of sample `index` (`rows * columns` bytes). Precondition: `0 <= index < count`.
    public func image(at index: Int) -> ArraySlice<UInt8> {
        precondition(index >= 0 && index < count, "image index \(index) out of range 0..<\(count)")
        let start = index * pixelsPerImage
        return pixels[start..<start + pixelsPerImage]
    }

    /// The label of sample `index`. Precondition: `0 <= index < count`.
    public func label(at index: Int) -> Int {
        Int(labels[index])
    }

    /// How many samples each class has: element `c` counts the labels equal to `c`.
    public func classCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: classes)
        for label in labels { counts[Int(label)] += 1 }
        return counts
    }

    private static func checkLabels(_ labels: [UInt8], classes: Int, source: String) throws(IDXError) {
        guard classes <= 256 else { return }  // every UInt8 is a valid label
        let limit = UInt8(classes - 1)
        if let index = labels.firstIndex(where: { $0 > limit }) {
            throw .labelOutOfRange(path: source, index: index, label: Int(labels[index]), classes: classes)
        }
    }
}
