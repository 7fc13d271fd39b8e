/// Everything that can go wrong reading an IDX data set, with the context needed to fix it.
///
/// `path` is the file the problem was found in: a file-system path when reading from disk, or
/// the `source` name given to the in-memory parsers. Sizes are in bytes of the *decompressed*
/// IDX data. `description` is a full sentence followed by a hint.
public enum IDXError: Error, CustomStringConvertible, Equatable, Sendable {
    /// No file (or a directory) exists at `path`.
    case fileNotFound(path: String)
    /// An MNIST-format directory lacks one of its four files, under either its raw name or
    /// its name with `.gz`.
    case missingDatasetFile(directory: String, fileName: String)
    /// The file exists but could not be read (permissions, I/O error, it is a directory).
    case unreadable(path: String, reason: String)
    /// The file (after decompression, if it was gzip) holds zero bytes.
    case emptyFile(path: String)
    /// The file starts with the gzip magic `1f 8b` but does not decompress.
    case gzipCorrupt(path: String, GzipError)
    /// The file is shorter than its header: 4 magic bytes plus 4 bytes per dimension.
    case truncatedHeader(path: String, expectedBytes: Int, actualBytes: Int)
    /// The first two bytes of the magic number are not zero, so this is not an IDX file.
    /// `expected` is the magic of the kind of file that was wanted (0x00000803 for images,
    /// 0x00000801 for labels); `actual` is the first four bytes read big-endian.
    case wrongMagic(path: String, expected: UInt32, actual: UInt32)
    /// The third magic byte names an element type other than unsigned byte (0x08):
    /// 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.
    case unsupportedElementType(path: String, typeCode: UInt8)
    /// The fourth magic byte (the number of dimensions) is not what the file kind requires:
    /// 3 for images (count, rows, columns), 1 for labels (count).
    case wrongRank(path: String, expected: Int, actual: Int)
    /// The product of the dimensions (or of the non-zero ones) does not fit in `Int`.
    case sizeOverflow(path: String, dimensions: [Int])
    /// The file is shorter than its header says: `expectedBytes` = header + product of the
    /// dimensions, `actualBytes` = the file's (decompressed) size.
    case truncatedBody(path: String, expectedBytes: Int, actualBytes: Int)
    /// The file is longer than its header says.
    case trailingBytes(path: String, expectedBytes: Int, actualBytes: Int)
    /// The images file and the labels file describe different numbers of samples.
    case countMismatch(imagesPath: String, imageCount: Int, labelsPath: String, labelCount: Int)
    /// A label is not below the number of classes. `index` is the first offending sample.
    case labelOutOfRange(path: String, index: Int, label: Int, classes: Int)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "No file exists at '\(path)'. Hint: check the path and the working directory."
        case .missingDatasetFile(let directory, let fileName):
            return "The directory '\(directory)' has no file named '\(fileName)' or '\(fileName).gz'. "
                + "Hint: an MNIST-format directory needs train-images-idx3-ubyte, train-labels-idx1-ubyte, "
                + "t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each raw or gzip-compressed with '.gz'."
        case .unreadable(let path, let reason):
            return "The file '\(path)' exists but could not be read: \(reason). Hint: check its permissions and that it is a regular file."
        case .emptyFile(let path):
            return "The file '\(path)' is empty. Hint: the download or copy probably failed; fetch the file again."
        case .gzipCorrupt(let path, let error):
            return "The file '\(path)' starts like a gzip file but does not decompress: \(error) "
                + "Hint: the file is probably damaged or only partly downloaded; fetch it again."
        case .truncatedHeader(let path, let expected, let actual):
            return "The file '\(path)' is \(actual) bytes long, shorter than its \(expected)-byte IDX header. "
                + "Hint: the file is truncated; fetch it again."
        case .wrongMagic(let path, let expected, let actual):
            return "The file '\(path)' starts with \(hex(actual)) instead of the IDX magic number \(hex(expected)), so it is not an IDX file. "
                + "Hint: check that this is the right file and that it is raw IDX or gzip-compressed IDX."
        case .unsupportedElementType(let path, let code):
            return "The file '\(path)' holds IDX elements of type \(hex(code)) (\(elementTypeName(code))), but only unsigned bytes (0x08) are supported. "
                + "Hint: MNIST-format images and labels are always unsigned bytes; this is a different kind of IDX file."
        case .wrongRank(let path, let expected, let actual):
            let hint = (expected == 3 && actual == 1) || (expected == 1 && actual == 3)
                ? "the images and labels files look swapped."
                : "images files have 3 dimensions (count, rows, columns) and labels files have 1 (count)."
            return "The file '\(path)' has \(actual) dimension\(actual == 1 ? "" : "s") where \(expected) \(expected == 1 ? "is" : "are") expected. Hint: \(hint)"
        case .sizeOverflow(let path, let dimensions):
            return "The file '\(path)' declares dimensions \(dimensions.map(String.init).joined(separator: " x ")), whose total size does not fit in a 64-bit integer. "
                + "Hint: the header is corrupt."
        case .truncatedBody(let path, let expected, let actual):
            return "The file '\(path)' is \(actual) bytes long but its header declares \(expected) bytes (header plus data), so \(expected &- actual) bytes are missing. "
                + "Hint: the file is truncated; fetch it again."
        case .trailingBytes(let path, let expected, let actual):
            return "The file '\(path)' is \(actual) bytes long but its header declares only \(expected) bytes (header plus data), leaving \(actual &- expected) unexpected trailing bytes. "
                + "Hint: the header's dimensions or the file are corrupt."
        case .countMismatch(let imagesPath, let imageCount, let labelsPath, let labelCount):
            return "The images file '\(imagesPath)' holds \(imageCount) images but the labels file '\(labelsPath)' holds \(labelCount) labels. "
                + "Hint: the two files must come from the same split (train with train, t10k with t10k)."
        case .labelOutOfRange(let path, let index, let label, let classes):
            return "The file '\(path)' has label \(label) at sample \(index), but labels must be below the number of classes, \(classes). "
                + "Hint: pass the right number of classes (for example 47 for EMNIST Balanced, 62 for EMNIST ByClass)."
        }
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}

private func hex(_ value: UInt8) -> String {
    let digits = String(value, radix: 16)
    return "0x" + (digits.count < 2 ? "0" : "") + digits
}

private func elementTypeName(_ code: UInt8) -> String {
    switch code {
    case 0x08: return "unsigned byte"
    case 0x09: return "signed byte"
    case 0x0B: return "16-bit integer"
    case 0x0C: return "32-bit integer"
    case 0x0D: return "32-bit float"
    case 0x0E: return "64-bit float"
    default: return "not a valid IDX type"
    }
}
