/// The IDX file format (Yann LeCun's MNIST distribution format) for unsigned-byte arrays.
///
/// Layout, all integers big-endian:
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 2 | zero |
/// | 2 | 1 | element type: 0x08 unsigned byte (the only one supported here); 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64 |
/// | 3 | 1 | rank: number of dimensions |
/// | 4 | 4 x rank | each dimension as UInt32, outermost first |
/// | 4 + 4 x rank | product of dimensions | the elements, row-major (last index fastest) |
///
/// So an images file has magic `0x00000803` followed by count, rows, columns and then
/// count x rows x columns pixels (0 = background, 255 = full ink in MNIST); a labels file has
/// magic `0x00000801` followed by count and then count labels. The file size must be exactly
/// the header plus the data: shorter is `truncatedBody`, longer is `trailingBytes`.
///
/// The parsers never trap: every size read from a file is range- and overflow-checked, and
/// nothing is allocated from a header's claims before the data has been seen to be there.
public enum IDX {
    /// The IDX element-type code for unsigned bytes.
    public static let unsignedByteType: UInt8 = 0x08
    /// The magic number of a rank-3 unsigned-byte file (images: count, rows, columns).
    public static let imagesMagic: UInt32 = 0x0000_0803
    /// The magic number of a rank-1 unsigned-byte file (labels: count).
    public static let labelsMagic: UInt32 = 0x0000_0801

    /// Parses decompressed IDX images bytes (magic 0x00000803). `source` names them in errors.
    public static func parseImages(_ bytes: [UInt8], source: String) throws(IDXError) -> IDXImages {
        let (dimensions, headerSize) = try parseHeader(bytes, rank: 3, source: source)
        return IDXImages(
            count: dimensions[0], rows: dimensions[1], columns: dimensions[2],
            pixels: Array(bytes[headerSize...]))
    }

    /// Parses decompressed IDX labels bytes (magic 0x00000801). `source` names them in errors.
    public static func parseLabels(_ bytes: [UInt8], source: String) throws(IDXError) -> [UInt8] {
        let (_, headerSize) = try parseHeader(bytes, rank: 1, source: source)
        return Array(bytes[headerSize...])
    }

    /// Reads an images file, raw or gzip-compressed.
    public static func readImages(atPath path: String) throws(IDXError) -> IDXImages {
        try parseImages(DataFile.read(atPath: path), source: path)
    }

    /// Reads a labels file, raw or gzip-compressed.
    public static func readLabels(atPath path: String) throws(IDXError) -> [UInt8] {
        try parseLabels(DataFile.read(atPath: path), source: path)
    }

    /// Encodes an unsigned-byte array as IDX (the inverse of the parsers; handy for tests and
    /// for writing derived data sets). Precondition: `data.count` is the product of
    /// `dimensions`, each of which fits in UInt32.
    public static func encode(dimensions: [Int], data: [UInt8]) -> [UInt8] {
        precondition(dimensions.count <= 255, "IDX supports at most 255 dimensions")
        precondition(dimensions.allSatisfy { UInt32(exactly: $0) != nil }, "IDX dimensions must fit in UInt32")
        precondition(dimensions.reduce(1, *) == data.count, "data.count must equal the product of the dimensions")
        var out: [UInt8] = [0, 0, unsignedByteType, UInt8(dimensions.count)]
        out.reserveCapacity(4 + 4 * dimensions.count + data.count)
        for d in dimensions { out.append(contentsOf: bigEndianBytes(UInt32(d))) }
        out.append(contentsOf: data)
        return out
    }

    /// Validates the header and the total size. Returns the dimensions and the header size.
    static func parseHeader(
        _ bytes: [UInt8], rank: Int, source: String
    ) throws(IDXError) -> (dimensions: [Int], headerSize: Int) {
        let headerSize = 4 + 4 * rank
        guard !bytes.isEmpty else { throw .emptyFile(path: source) }
        guard bytes.count >= 4 else {
            throw .truncatedHeader(path: source, expectedBytes: headerSize, actualBytes: bytes.count)
        }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw .wrongMagic(
                path: source, expected: UInt32(unsignedByteType) << 8 | UInt32(rank), actual: readUInt32(bytes, at: 0))
        }
        guard bytes[2] == unsignedByteType else {
            throw .unsupportedElementType(path: source, typeCode: bytes[2])
        }
        guard Int(bytes[3]) == rank else {
            throw .wrongRank(path: source, expected: rank, actual: Int(bytes[3]))
        }
        guard bytes.count >= headerSize else {
            throw .truncatedHeader(path: source, expectedBytes: headerSize, actualBytes: bytes.count)
        }
        var dimensions: [Int] = []
        dimensions.reserveCapacity(rank)
        var total = headerSize
        // The product must fit in Int, and so must the product of the non-zero dimensions:
        // [0, 2^32-1, 2^32-1] holds no data, but its images could not be indexed.
        var overflow = false
        var elements = 1
        var nonZeroElements = 1
        for i in 0..<rank {
            let d = Int(truncatingIfNeeded: readUInt32(bytes, at: 4 + 4 * i))
            dimensions.append(d)
            if d < 0 { overflow = true }  // only on 32-bit platforms
            let (product, o1) = elements.multipliedReportingOverflow(by: d)
            let (nonZeroProduct, o2) = nonZeroElements.multipliedReportingOverflow(by: d == 0 ? 1 : d)
            elements = product
            nonZeroElements = nonZeroProduct
            overflow = overflow || o1 || o2
        }
        let (sum, o) = total.addingReportingOverflow(elements)
        total = sum
        guard !overflow && !o else { throw .sizeOverflow(path: source, dimensions: dimensions) }
        guard bytes.count >= total else {
            throw .truncatedBody(path: source, expectedBytes: total, actualBytes: bytes.count)
        }
        guard bytes.count == total else {
            throw .trailingBytes(path: source, expectedBytes: total, actualBytes: bytes.count)
        }
        return (dimensions, headerSize)
    }

    /// Precondition: `offset + 4 <= bytes.count`.
    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    private static func bigEndianBytes(_ value: UInt32) -> [UInt8] {
        [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
         UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }
}

/// The contents of an IDX images file: `count` images of `rows` x `columns` unsigned-byte
/// pixels, row-major, image after image.
public struct IDXImages: Sendable, Equatable {
    public let count: Int
    public let rows: Int
    public let columns: Int
    /// `count * rows * columns` bytes.
    public let pixels: [UInt8]
}
