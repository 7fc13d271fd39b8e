import Foundation

/// A safetensors file opened for reading: memory-mapped, with its header fully validated.
///
/// ## The format
///
/// ```
/// [8 bytes]  N, unsigned 64-bit little-endian: the header's length in bytes
/// [N bytes]  header: UTF-8 JSON object, usually padded with spaces to a multiple of 8
/// [rest]     data section: the tensors' bytes, back to back
/// ```
///
/// The header maps each tensor name to
/// `{"dtype": "F32", "shape": [16, 12], "data_offsets": [begin, end]}`, where
/// `[begin, end)` is a byte range *relative to the start of the data section*; an optional
/// `"__metadata__"` entry maps strings to strings. Data is little-endian and row-major (C
/// order). The tensors must tile the data section exactly, in any key order.
///
/// Opening checks everything the reference implementation (huggingface/safetensors)
/// checks, and also rejects duplicate JSON keys; see ``SafeTensorsError`` for every
/// failure. Once open, every accessor is bounds-safe: tensor data is read only from ranges
/// validated at open time.
///
/// ```swift
/// let file = try SafeTensorsFile(path: "adapter_model.safetensors")
/// for info in file.tensors { print(info.name, info.dtype, info.shape) }
/// let weights: [Float] = try file.floats(named: "base_model.model.layers.0.lora_A.weight")
/// ```
///
/// The type is an immutable value and `Sendable`; copies share the mapping, which is
/// released when the last copy goes away.
public struct SafeTensorsFile: Sendable {
    /// The path the file was opened from (or the label of in-memory data).
    public let path: String
    /// Total size of the file in bytes.
    public let fileSize: Int
    /// N, the header's length in bytes, padding included.
    public let headerLength: Int
    /// Absolute file offset of the data section (8 + N); `data_offsets` count from here.
    public let dataSectionOffset: Int
    /// All tensors, sorted by name (Unicode code point order, as Python's `sorted`).
    public let tensors: [SafeTensorInfo]
    /// The `__metadata__` string map (empty when the file has none).
    public let metadata: [String: String]

    private let bytes: MappedBytes
    private let indexByName: [String: Int]

    /// Tensor names, sorted (Unicode code point order).
    public var names: [String] { tensors.map(\.name) }

    /// Memory-maps and validates the safetensors file at `path`.
    public init(path: String) throws(SafeTensorsError) {
        try self.init(bytes: MappedBytes(mappingFileAt: path), path: path)
    }

    /// Memory-maps and validates the safetensors file at a `file:` URL.
    public init(url: URL) throws(SafeTensorsError) {
        try self.init(path: url.path)
    }

    /// Validates safetensors bytes already in memory (they are copied). `label` stands in
    /// for the path in errors.
    public init(data: Data, label: String = "<memory>") throws(SafeTensorsError) {
        try self.init(bytes: MappedBytes(copying: data), path: label)
    }

    private init(bytes: MappedBytes, path: String) throws(SafeTensorsError) {
        let layout = try HeaderDecoder.decode(bytes.buffer, path: path)
        self.path = path
        self.bytes = bytes
        self.fileSize = bytes.count
        self.headerLength = layout.headerLength
        self.dataSectionOffset = layout.dataSectionOffset
        self.tensors = layout.tensors
        self.metadata = layout.metadata
        var index: [String: Int] = [:]
        index.reserveCapacity(layout.tensors.count)
        for (position, info) in layout.tensors.enumerated() {
            index[info.name] = position
        }
        self.indexByName = index
    }

    /// Whether the file has a tensor of that name.
    public func contains(_ name: String) -> Bool {
        indexByName[name] != nil
    }

    /// The dtype, shape and byte range of the named tensor.
    public func info(named name: String) throws(SafeTensorsError) -> SafeTensorInfo {
        guard let position = indexByName[name] else {
            throw .tensorNotFound(path: path, name: name)
        }
        return tensors[position]
    }

    /// The named tensor's elements converted to `Float`, in row-major order.
    ///
    /// Exact for F32, F16, BF16, the FP8 types (`F8_E4M3` is read as PyTorch's
    /// `float8_e4m3fn`), BOOL (0 or 1) and integers up to 2^24 in magnitude; F64 and larger
    /// integers are rounded to nearest. Packed micro-floats (`F4`, `F6_*`) and `C64` throw
    /// ``SafeTensorsError/unsupportedConversion(path:tensor:dtype:target:)``.
    public func floats(named name: String) throws(SafeTensorsError) -> [Float] {
        let info = try info(named: name)
        guard info.dtype.isConvertibleToFloat else {
            throw .unsupportedConversion(path: path, tensor: name, dtype: info.dtype, target: "Float")
        }
        var converted = true
        let values = [Float](unsafeUninitializedCapacity: info.elementCount) { buffer, initialized in
            converted = ElementDecoding.decodeFloats(info.dtype, from: tensorBytes(info), into: buffer)
            if !converted {
                buffer.initialize(repeating: 0)
            }
            initialized = info.elementCount
        }
        guard converted else {
            throw .unsupportedConversion(path: path, tensor: name, dtype: info.dtype, target: "Float")
        }
        return values
    }

    /// Converts the named tensor to `Float` directly into `destination`, which must have
    /// exactly ``SafeTensorInfo/elementCount`` elements. Same conversions as
    /// ``floats(named:)``, without an intermediate array.
    public func copyFloats(named name: String, into destination: UnsafeMutableBufferPointer<Float>) throws(SafeTensorsError) {
        let info = try info(named: name)
        guard info.dtype.isConvertibleToFloat else {
            throw .unsupportedConversion(path: path, tensor: name, dtype: info.dtype, target: "Float")
        }
        guard destination.count == info.elementCount else {
            throw .destinationSizeMismatch(path: path, tensor: name, expected: info.elementCount, actual: destination.count)
        }
        guard ElementDecoding.decodeFloats(info.dtype, from: tensorBytes(info), into: destination) else {
            throw .unsupportedConversion(path: path, tensor: name, dtype: info.dtype, target: "Float")
        }
    }

    /// The named integer (or BOOL) tensor's elements as `Int64`, in row-major order.
    ///
    /// Floating-point tensors throw
    /// ``SafeTensorsError/unsupportedConversion(path:tensor:dtype:target:)`` rather than
    /// being truncated; `U64` values above `Int64.max` throw
    /// ``SafeTensorsError/integerOutOfRange(path:tensor:index:value:)``.
    public func int64s(named name: String) throws(SafeTensorsError) -> [Int64] {
        let info = try info(named: name)
        guard info.dtype.isInteger else {
            throw .unsupportedConversion(path: path, tensor: name, dtype: info.dtype, target: "Int64")
        }
        var result = ElementDecoding.IntegerResult.success
        let values = [Int64](unsafeUninitializedCapacity: info.elementCount) { buffer, initialized in
            result = ElementDecoding.decodeInt64s(info.dtype, from: tensorBytes(info), into: buffer)
            if result != .success {
                buffer.initialize(repeating: 0)
            }
            initialized = info.elementCount
        }
        switch result {
        case .success:
            return values
        case .unsupported:
            throw .unsupportedConversion(path: path, tensor: name, dtype: info.dtype, target: "Int64")
        case let .outOfRange(index, value):
            throw .integerOutOfRange(path: path, tensor: name, index: index, value: value)
        }
    }

    /// A copy of the named tensor's raw little-endian bytes.
    public func rawBytes(named name: String) throws(SafeTensorsError) -> [UInt8] {
        [UInt8](tensorBytes(try info(named: name)))
    }

    /// Calls `body` with the named tensor's raw little-endian bytes, straight from the
    /// mapping (no copy). The pointer must not escape `body`; it may not be aligned to the
    /// element size.
    public func withUnsafeBytes<Result>(
        ofTensor name: String,
        _ body: (UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result {
        let info = try info(named: name)
        return try withExtendedLifetime(bytes) {
            try body(tensorBytes(info))
        }
    }

    /// The tensor's validated byte range within the mapping.
    private func tensorBytes(_ info: SafeTensorInfo) -> UnsafeRawBufferPointer {
        let all = bytes.buffer
        let range = info.fileByteRange.clamped(to: 0..<all.count)
        return UnsafeRawBufferPointer(rebasing: all[range])
    }
}
