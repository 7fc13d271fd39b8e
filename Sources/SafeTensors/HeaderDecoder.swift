/// The validated layout of a safetensors file: what ``HeaderDecoder`` returns.
struct SafeTensorsLayout: Sendable {
    /// N, the header's length in bytes (padding included).
    let headerLength: Int
    /// Absolute offset of the data section: 8 + N.
    let dataSectionOffset: Int
    /// Size of the data section: file size - 8 - N.
    let dataSize: Int
    /// All tensors, sorted by name (UTF-8 byte order).
    let tensors: [SafeTensorInfo]
    /// `__metadata__`, empty when absent.
    let metadata: [String: String]
}

/// Parses and strictly validates the header of a whole safetensors file held in memory.
///
/// The checks, in order (the first failure wins):
/// 1. the file holds at least the 8-byte length prefix;
/// 2. the declared header length N is at most 100 MB (`100_000_000`, as in
///    huggingface/safetensors) and fits in the file;
/// 3. the header is valid UTF-8 and one JSON object (leading whitespace and trailing
///    space padding allowed), with no duplicate keys at any level that is read (top-level
///    keys are checked before any entry);
/// 4. `__metadata__`, if present, is an object of strings;
/// 5. every other entry, in file order, is an object with a known `dtype` string, a `shape`
///    array of non-negative integers and `data_offsets` `[begin, end]` of non-negative
///    integers with begin <= end <= data size and end - begin == product(shape) x dtype size
///    (all arithmetic overflow-checked). Unknown extra fields are ignored, as the reference
///    implementation does;
/// 6. taken in order of their offsets (the header's key order does not matter), the tensors
///    tile the data section exactly: the first begins at 0, each begins where the previous
///    one ends, and the last ends at the end of the file. Zero-sized tensors are allowed.
enum HeaderDecoder {
    /// Largest accepted header, as in the reference implementation.
    static let maximumHeaderLength = 100_000_000

    static func decode(_ file: UnsafeRawBufferPointer, path: String) throws(SafeTensorsError) -> SafeTensorsLayout {
        let fileSize = file.count
        guard fileSize >= 8 else {
            throw .fileTooSmall(path: path, size: fileSize)
        }
        let declared = UInt64(littleEndian: file.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        guard declared <= UInt64(maximumHeaderLength) else {
            throw .headerTooLarge(path: path, declaredLength: declared, limit: maximumHeaderLength)
        }
        // declared <= 100_000_000, so the conversion and the additions below cannot overflow.
        let headerLength = Int(declared)
        guard headerLength <= fileSize - 8 else {
            throw .headerLengthExceedsFile(path: path, declaredLength: declared, fileSize: fileSize)
        }
        let dataSectionOffset = 8 + headerLength
        let dataSize = fileSize - dataSectionOffset
        let headerBytes = [UInt8](UnsafeRawBufferPointer(rebasing: file[8..<dataSectionOffset]))

        if let offset = firstInvalidUTF8Offset(in: headerBytes) {
            throw .headerNotUTF8(path: path, byteOffset: offset)
        }
        do {
            try JSONParser.validate(headerBytes)
        } catch {
            throw .headerNotJSON(path: path, byteOffset: error.offset, reason: error.message)
        }
        var reader = HeaderReader(bytes: headerBytes, path: path)
        guard reader.kind() == .object else {
            throw .headerNotObject(path: path, found: try reader.summary())
        }

        // First pass over the top-level keys only: duplicates are reported before anything else.
        let start = reader.mark
        var seen = Set<String>()
        try reader.members { reader, key throws(SafeTensorsError) in
            guard seen.insert(key).inserted else {
                throw .duplicateKey(path: path, key: key, parent: nil)
            }
            try reader.skip()
        }
        reader.rewind(to: start)

        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        entries.reserveCapacity(seen.count)
        try reader.members { reader, key throws(SafeTensorsError) in
            if key == "__metadata__" {
                metadata = try decodeMetadata(&reader, path: path)
            } else {
                entries.append(try decodeEntry(&reader, name: key, dataSize: dataSize, path: path))
            }
        }
        try reader.expectEnd()
        try checkCoverage(entries, dataSize: dataSize, path: path)

        let tensors = entries
            .map { entry in
                // begin <= end <= dataSize <= Int.max was checked, so these conversions are exact.
                let begin = Int(truncatingIfNeeded: entry.begin)
                let end = Int(truncatingIfNeeded: entry.end)
                return SafeTensorInfo(
                    name: entry.name,
                    dtype: entry.dtype,
                    shape: entry.shape,
                    elementCount: entry.elementCount,
                    dataOffsets: begin..<end,
                    fileByteRange: (dataSectionOffset + begin)..<(dataSectionOffset + end))
            }
            .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        return SafeTensorsLayout(
            headerLength: headerLength,
            dataSectionOffset: dataSectionOffset,
            dataSize: dataSize,
            tensors: tensors,
            metadata: metadata)
    }

    /// One tensor entry that passed the per-entry checks.
    private struct Entry {
        let name: String
        let dtype: SafeTensorsDType
        let shape: [Int]
        let elementCount: Int
        let begin: UInt64
        let end: UInt64
    }

    /// Reads `__metadata__`: an object of strings. Duplicate keys are reported before
    /// wrongly typed values. Swift `String` equality is Unicode canonical equivalence, so
    /// keys differing only in normalization count as duplicates (they could not be told
    /// apart through this API).
    private static func decodeMetadata(_ reader: inout HeaderReader, path: String) throws(SafeTensorsError) -> [String: String] {
        guard reader.kind() == .object else {
            throw .invalidMetadata(path: path, key: nil, found: try reader.summary())
        }
        var metadata: [String: String] = [:]
        var firstFailure: SafeTensorsError?
        try reader.members { reader, key throws(SafeTensorsError) in
            var text = ""
            if reader.kind() == .string, case .string(let value) = try reader.value() {
                text = value
            } else {
                let found = try reader.summary()
                firstFailure = firstFailure ?? .invalidMetadata(path: path, key: key, found: found)
            }
            guard metadata.updateValue(text, forKey: key) == nil else {
                throw .duplicateKey(path: path, key: key, parent: "__metadata__")
            }
        }
        if let firstFailure {
            throw firstFailure
        }
        return metadata
    }

    /// Reads one tensor entry. Duplicate fields are reported first, then problems with
    /// `dtype`, `shape` and `data_offsets` in that order, then size and offset checks.
    private static func decodeEntry(_ reader: inout HeaderReader, name: String, dataSize: Int, path: String) throws(SafeTensorsError) -> Entry {
        guard reader.kind() == .object else {
            throw .entryNotObject(path: path, tensor: name, found: try reader.summary())
        }
        var dtypeResult: Result<SafeTensorsDType, SafeTensorsError>?
        var shapeResult: Result<[Int], SafeTensorsError>?
        var offsetsResult: Result<(begin: UInt64, end: UInt64), SafeTensorsError>?
        var seen = Set<String>()
        try reader.members { reader, key throws(SafeTensorsError) in
            guard seen.insert(key).inserted else {
                throw .duplicateKey(path: path, key: key, parent: name)
            }
            switch key {
            case "dtype": dtypeResult = try readDType(&reader, tensor: name, path: path)
            case "shape": shapeResult = try readShape(&reader, tensor: name, path: path)
            case "data_offsets": offsetsResult = try readOffsets(&reader, tensor: name, path: path)
            default: try reader.skip()  // unknown fields are ignored, as in the reference
            }
        }
        guard let dtypeResult else {
            throw .missingField(path: path, tensor: name, field: "dtype")
        }
        let dtype = try dtypeResult.get()
        guard let shapeResult else {
            throw .missingField(path: path, tensor: name, field: "shape")
        }
        let shape = try shapeResult.get()
        guard let offsetsResult else {
            throw .missingField(path: path, tensor: name, field: "data_offsets")
        }
        let (begin, end) = try offsetsResult.get()

        // Size arithmetic, overflow-checked.
        var elementCount = 1
        for dimension in shape {
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw .elementCountOverflow(path: path, tensor: name, shape: shape)
            }
            elementCount = product
        }
        let (bitCount, bitOverflow) = elementCount.multipliedReportingOverflow(by: dtype.bitWidth)
        guard !bitOverflow else {
            throw .elementCountOverflow(path: path, tensor: name, shape: shape)
        }
        guard bitCount % 8 == 0 else {
            throw .packedSizeNotWholeBytes(path: path, tensor: name, dtype: dtype, elementCount: elementCount)
        }
        let expectedBytes = bitCount / 8

        // Offsets.
        guard begin <= end else {
            throw .offsetsReversed(path: path, tensor: name, begin: begin, end: end)
        }
        guard end <= UInt64(dataSize) else {
            throw .offsetsOutOfRange(path: path, tensor: name, end: end, dataSize: dataSize)
        }
        guard end - begin == UInt64(expectedBytes) else {
            throw .byteLengthMismatch(path: path, tensor: name, dtype: dtype, shape: shape, expectedBytes: expectedBytes, actualBytes: end - begin)
        }
        return Entry(name: name, dtype: dtype, shape: shape, elementCount: elementCount, begin: begin, end: end)
    }

    /// `dtype`: a string naming a ``SafeTensorsDType``.
    private static func readDType(_ reader: inout HeaderReader, tensor: String, path: String) throws(SafeTensorsError) -> Result<SafeTensorsDType, SafeTensorsError> {
        guard reader.kind() == .string, case .string(let dtypeName) = try reader.value() else {
            return .failure(.invalidFieldType(path: path, tensor: tensor, field: "dtype", expected: "a string such as \"F32\"", found: try reader.summary()))
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            return .failure(.unknownDType(path: path, tensor: tensor, dtype: dtypeName))
        }
        return .success(dtype)
    }

    /// `shape`: an array of non-negative integers that fit in `Int`, read element by element.
    private static func readShape(_ reader: inout HeaderReader, tensor: String, path: String) throws(SafeTensorsError) -> Result<[Int], SafeTensorsError> {
        guard reader.kind() == .array else {
            return .failure(.invalidFieldType(path: path, tensor: tensor, field: "shape", expected: "an array of non-negative integers", found: try reader.summary()))
        }
        var shape: [Int] = []
        var failure: SafeTensorsError?
        try reader.elements { reader, index throws(SafeTensorsError) in
            guard failure == nil else {
                try reader.skip()
                return
            }
            if reader.kind() == .number {
                let element = try reader.value()
                if let dimension = element.nonNegativeInteger.flatMap({ Int(exactly: $0) }) {
                    shape.append(dimension)
                } else {
                    let text = element.scalarText ?? element.summary
                    failure = .invalidShapeDimension(path: path, tensor: tensor, index: index, value: text)
                }
            } else {
                failure = .invalidShapeDimension(path: path, tensor: tensor, index: index, value: try reader.summary())
            }
        }
        if let failure {
            return .failure(failure)
        }
        return .success(shape)
    }

    /// `data_offsets`: exactly two non-negative integers that fit in `UInt64`.
    private static func readOffsets(_ reader: inout HeaderReader, tensor: String, path: String) throws(SafeTensorsError) -> Result<(begin: UInt64, end: UInt64), SafeTensorsError> {
        let start = reader.mark
        var offsets: [UInt64] = []
        var valid = reader.kind() == .array
        if valid {
            try reader.elements { reader, index throws(SafeTensorsError) in
                guard valid, index < 2, reader.kind() == .number else {
                    valid = false
                    try reader.skip()
                    return
                }
                if let offset = try reader.value().nonNegativeInteger {
                    offsets.append(offset)
                } else {
                    valid = false
                }
            }
        }
        guard valid, offsets.count == 2 else {
            reader.rewind(to: start)
            let found = try reader.summary()
            return .failure(.invalidFieldType(path: path, tensor: tensor, field: "data_offsets", expected: "an array of two non-negative integers [begin, end]", found: found))
        }
        return .success((offsets[0], offsets[1]))
    }

    /// Checks that the tensors, in offset order, tile the data section without gaps,
    /// overlaps or trailing bytes (the reference implementation's rule).
    private static func checkCoverage(_ entries: [Entry], dataSize: Int, path: String) throws(SafeTensorsError) {
        let ordered = entries.sorted { lhs, rhs in
            if lhs.begin != rhs.begin { return lhs.begin < rhs.begin }
            if lhs.end != rhs.end { return lhs.end < rhs.end }
            return lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8)
        }
        var cursor: UInt64 = 0
        var previousName: String?
        for entry in ordered {
            if entry.begin < cursor {
                throw .overlappingTensors(path: path, tensor: entry.name, begin: entry.begin, previousTensor: previousName ?? "", previousEnd: cursor)
            }
            if entry.begin > cursor {
                throw .gapBeforeTensor(path: path, tensor: entry.name, begin: entry.begin, expectedBegin: cursor)
            }
            cursor = entry.end
            previousName = entry.name
        }
        guard cursor == UInt64(dataSize) else {
            throw .trailingBytes(path: path, coveredBytes: cursor, dataSize: dataSize)
        }
    }
}
