/// Everything that can go wrong while opening, reading or writing a safetensors file.
///
/// Each case carries enough context to act on (file path, tensor name, expected versus
/// actual values) and its ``description`` is a full sentence followed by a hint. Numbers
/// that come straight from the file are kept as `UInt64` so that even absurd values are
/// reported faithfully.
///
/// In-memory buffers opened with ``SafeTensorsFile/init(data:label:)`` use their label
/// (default `"<memory>"`) as `path`.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable, Sendable {

    // MARK: Opening the file

    /// The file could not be opened, inspected or memory-mapped.
    case cannotOpen(path: String, reason: String)
    /// The file is shorter than the 8-byte header-length prefix.
    case fileTooSmall(path: String, size: Int)
    /// The declared header length exceeds the 100 MB limit of the reference implementation.
    /// When writing, `declaredLength` is the size the header would have (at least).
    case headerTooLarge(path: String, declaredLength: UInt64, limit: Int)
    /// The declared header length runs past the end of the file.
    case headerLengthExceedsFile(path: String, declaredLength: UInt64, fileSize: Int)

    // MARK: Header syntax

    /// The header bytes are not valid UTF-8; `byteOffset` counts from the start of the header.
    case headerNotUTF8(path: String, byteOffset: Int)
    /// The header is not valid JSON; `byteOffset` counts from the start of the header.
    case headerNotJSON(path: String, byteOffset: Int, reason: String)
    /// The header is valid JSON but not a JSON object.
    case headerNotObject(path: String, found: String)
    /// A JSON object in the header has the same key twice. `parent` is `nil` for the
    /// top-level object, `"__metadata__"` for the metadata, or the tensor's name.
    case duplicateKey(path: String, key: String, parent: String?)

    // MARK: Header structure

    /// `__metadata__` is not an object of string values. `key` is the offending entry, or
    /// `nil` when `__metadata__` itself has the wrong type.
    case invalidMetadata(path: String, key: String?, found: String)
    /// A tensor's entry is not a JSON object.
    case entryNotObject(path: String, tensor: String, found: String)
    /// A tensor's entry lacks `dtype`, `shape` or `data_offsets`.
    case missingField(path: String, tensor: String, field: String)
    /// A tensor's field has the wrong JSON type or form.
    case invalidFieldType(path: String, tensor: String, field: String, expected: String, found: String)
    /// A tensor's `dtype` is not one of ``SafeTensorsDType``.
    case unknownDType(path: String, tensor: String, dtype: String)
    /// A shape entry is negative, fractional, not a number, or larger than `Int.max`.
    case invalidShapeDimension(path: String, tensor: String, index: Int, value: String)
    /// The product of the shape (or its size in bits) overflows a 64-bit integer.
    case elementCountOverflow(path: String, tensor: String, shape: [Int])
    /// A bit-packed tensor (`F4`, `F6_*`) does not fill a whole number of bytes.
    case packedSizeNotWholeBytes(path: String, tensor: String, dtype: SafeTensorsDType, elementCount: Int)

    // MARK: Data layout

    /// `data_offsets` has begin > end.
    case offsetsReversed(path: String, tensor: String, begin: UInt64, end: UInt64)
    /// `data_offsets` ends past the end of the data section.
    case offsetsOutOfRange(path: String, tensor: String, end: UInt64, dataSize: Int)
    /// The byte length `end - begin` differs from element count x element size.
    case byteLengthMismatch(path: String, tensor: String, dtype: SafeTensorsDType, shape: [Int], expectedBytes: Int, actualBytes: UInt64)
    /// Taken in offset order, a tensor starts before the previous one ends.
    case overlappingTensors(path: String, tensor: String, begin: UInt64, previousTensor: String, previousEnd: UInt64)
    /// Taken in offset order, a tensor does not start where the previous one ends (or the
    /// first one does not start at 0): the data section has a hole.
    case gapBeforeTensor(path: String, tensor: String, begin: UInt64, expectedBegin: UInt64)
    /// The tensors end before the data section does: the file has bytes no tensor claims.
    case trailingBytes(path: String, coveredBytes: UInt64, dataSize: Int)

    // MARK: Accessing tensors

    /// No tensor of that name exists in the file.
    case tensorNotFound(path: String, name: String)
    /// The tensor's dtype cannot be converted to the requested element type.
    case unsupportedConversion(path: String, tensor: String, dtype: SafeTensorsDType, target: String)
    /// A `U64` value does not fit in `Int64`.
    case integerOutOfRange(path: String, tensor: String, index: Int, value: UInt64)
    /// The caller's destination buffer does not have exactly one slot per element.
    case destinationSizeMismatch(path: String, tensor: String, expected: Int, actual: Int)

    // MARK: Writing

    /// The tensor name cannot be used (`__metadata__` is reserved).
    case invalidTensorName(name: String, reason: String)
    /// A tensor of that name was already added to the writer.
    case duplicateTensorName(name: String)
    /// A shape given to the writer has a negative dimension or its product overflows.
    case invalidShape(tensor: String, shape: [Int])
    /// The number of values (or bytes) given to the writer does not match the shape.
    case valueCountMismatch(tensor: String, shape: [Int], expected: Int, actual: Int)
    /// The writer cannot encode that source type as the requested dtype.
    case unsupportedWriteType(tensor: String, dtype: SafeTensorsDType, source: String)
    /// A system call failed while writing `path`; `operation` names the step.
    case writeFailed(path: String, operation: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "Cannot open the safetensors file at '\(path)': \(reason). Hint: check that the path exists, is a regular file and is readable."
        case let .fileTooSmall(path, size):
            return "The file at '\(path)' is \(size) byte\(size == 1 ? "" : "s") long, but a safetensors file starts with an 8-byte header length. Hint: the file is empty or truncated; export it again."
        case let .headerTooLarge(path, declared, limit):
            return "The header of '\(path)' declares a length of \(declared) bytes, above the limit of \(limit) bytes. Hint: this is not a safetensors file, or its first 8 bytes are corrupted."
        case let .headerLengthExceedsFile(path, declared, fileSize):
            return "The header of '\(path)' declares a length of \(declared) bytes, but the file holds only \(fileSize) bytes including the 8-byte prefix. Hint: the file is truncated or is not a safetensors file."
        case let .headerNotUTF8(path, offset):
            return "The header of '\(path)' is not valid UTF-8 (first bad byte at header offset \(offset)). Hint: the header is corrupted; export the file again."
        case let .headerNotJSON(path, offset, reason):
            return "The header of '\(path)' is not valid JSON at header offset \(offset): \(reason). Hint: the header is corrupted or was written by a non-conforming tool."
        case let .headerNotObject(path, found):
            return "The header of '\(path)' is \(found), but it must be a JSON object mapping tensor names to their descriptions. Hint: the file was not written by a safetensors writer."
        case let .duplicateKey(path, key, parent):
            let place = parent.map { $0 == "__metadata__" ? "in '__metadata__'" : "in the entry of tensor '\($0)'" } ?? "at the top level"
            return "The header of '\(path)' has the key '\(key)' more than once \(place). Hint: each key must be unique (keys that differ only in Unicode normalization count as the same); the writer that produced this file is faulty."
        case let .invalidMetadata(path, key, found):
            if let key {
                return "The '__metadata__' entry '\(key)' in '\(path)' is \(found), but metadata values must be strings. Hint: store numbers and structures as strings (for example JSON text)."
            }
            return "The '__metadata__' of '\(path)' is \(found), but it must be an object of string values. Hint: remove it or store it as {\"key\": \"value\"}."
        case let .entryNotObject(path, tensor, found):
            return "The header entry for tensor '\(tensor)' in '\(path)' is \(found), but it must be an object with \"dtype\", \"shape\" and \"data_offsets\". Hint: the header is corrupted or not a safetensors header."
        case let .missingField(path, tensor, field):
            return "The header entry for tensor '\(tensor)' in '\(path)' has no \"\(field)\" field. Hint: every tensor needs \"dtype\", \"shape\" and \"data_offsets\"; the writer that produced this file is faulty."
        case let .invalidFieldType(path, tensor, field, expected, found):
            return "The \"\(field)\" of tensor '\(tensor)' in '\(path)' is \(found), but it must be \(expected). Hint: the header is corrupted or was written by a non-conforming tool."
        case let .unknownDType(path, tensor, dtype):
            let known = SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
            return "Tensor '\(tensor)' in '\(path)' has the unknown dtype \"\(dtype)\". Hint: dtypes are case-sensitive; the known ones are \(known)."
        case let .invalidShapeDimension(path, tensor, index, value):
            return "Dimension \(index) of the shape of tensor '\(tensor)' in '\(path)' is \(value), but dimensions must be non-negative integers. Hint: the header is corrupted."
        case let .elementCountOverflow(path, tensor, shape):
            return "The shape \(shape) of tensor '\(tensor)' in '\(path)' has more elements (or bytes) than a 64-bit integer can count. Hint: the header is corrupted."
        case let .packedSizeNotWholeBytes(path, tensor, dtype, count):
            return "Tensor '\(tensor)' in '\(path)' holds \(count) \(dtype) elements of \(dtype.bitWidth) bits, which is not a whole number of bytes. Hint: packed tensors must fill whole bytes; the header is corrupted."
        case let .offsetsReversed(path, tensor, begin, end):
            return "The data_offsets [\(begin), \(end)] of tensor '\(tensor)' in '\(path)' begin after they end. Hint: data_offsets is [begin, end) with begin <= end; the header is corrupted."
        case let .offsetsOutOfRange(path, tensor, end, dataSize):
            return "Tensor '\(tensor)' in '\(path)' ends at byte \(end) of the data section, but the data section holds only \(dataSize) bytes. Hint: the file is probably truncated; export it again."
        case let .byteLengthMismatch(path, tensor, dtype, shape, expected, actual):
            return "Tensor '\(tensor)' in '\(path)' has dtype \(dtype) and shape \(shape), so it needs \(expected) bytes, but its data_offsets span \(actual) bytes. Hint: the dtype, shape or data_offsets in the header are wrong."
        case let .overlappingTensors(path, tensor, begin, previous, previousEnd):
            return "Tensor '\(tensor)' in '\(path)' starts at byte \(begin) of the data section, inside tensor '\(previous)' which ends at byte \(previousEnd). Hint: tensors must not share bytes; the header is corrupted."
        case let .gapBeforeTensor(path, tensor, begin, expected):
            return "Tensor '\(tensor)' in '\(path)' starts at byte \(begin) of the data section, but the previous tensor (in offset order) ends at byte \(expected), leaving a gap. Hint: safetensors requires the tensors to cover the data section without holes."
        case let .trailingBytes(path, covered, dataSize):
            return "The tensors in '\(path)' cover \(covered) bytes of the data section, but it holds \(dataSize) bytes. Hint: the file has trailing bytes no tensor claims (appended data or a wrong header)."
        case let .tensorNotFound(path, name):
            return "There is no tensor named '\(name)' in '\(path)'. Hint: names are case-sensitive and must match exactly; list them with `names`."
        case let .unsupportedConversion(path, tensor, dtype, target):
            return "Tensor '\(tensor)' in '\(path)' has dtype \(dtype), which cannot be read as \(target). Hint: use an accessor that matches the dtype, or the raw bytes."
        case let .integerOutOfRange(path, tensor, index, value):
            return "Element \(index) of tensor '\(tensor)' in '\(path)' is \(value), which does not fit in Int64. Hint: read the raw bytes to handle U64 values above Int64.max."
        case let .destinationSizeMismatch(path, tensor, expected, actual):
            return "Tensor '\(tensor)' in '\(path)' has \(expected) elements, but the destination buffer has room for \(actual). Hint: allocate exactly `elementCount` elements."
        case let .invalidTensorName(name, reason):
            return "The tensor name '\(name)' cannot be used: \(reason). Hint: choose another name."
        case let .duplicateTensorName(name):
            return "A tensor named '\(name)' was already added to this writer. Hint: tensor names must be unique within a file (names that differ only in Unicode normalization count as the same)."
        case let .invalidShape(tensor, shape):
            return "The shape \(shape) given for tensor '\(tensor)' is invalid: dimensions must be non-negative and their product must fit in Int. Hint: check the shape passed to the writer."
        case let .valueCountMismatch(tensor, shape, expected, actual):
            return "Tensor '\(tensor)' has shape \(shape), which needs \(expected) values, but \(actual) were given. Hint: the shape and the data do not match."
        case let .unsupportedWriteType(tensor, dtype, source):
            return "Tensor '\(tensor)' cannot be written as \(dtype) from \(source) values. Hint: write Float values as F32, F16, BF16 or F64, or pass raw bytes."
        case let .writeFailed(path, operation, reason):
            return "Writing the safetensors file '\(path)' failed while trying to \(operation): \(reason). Hint: check that the directory exists and is writable and that the disk has free space."
        }
    }
}
