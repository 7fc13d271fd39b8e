import Foundation

/// Collects named tensors and metadata, then writes them as one safetensors file.
///
/// The output matches huggingface/safetensors byte for byte: tensors are laid out sorted
/// by dtype (widest first, in the reference implementation's dtype order) and then by name
/// (so a single-dtype file, the usual case, is simply sorted by name), with contiguous
/// `data_offsets`; the header is compact JSON with the keys in that same order,
/// `__metadata__` (keys sorted) first when not empty, and space padding to a multiple of 8.
/// Writing is atomic (see ``AtomicFileWriter``).
///
/// ```swift
/// var writer = SafeTensorsWriter(metadata: ["format": "pt"])
/// try writer.addTensor(named: "lora_A.weight", shape: [4, 12], floats: a)
/// try writer.addTensor(named: "lora_B.weight", shape: [16, 4], floats: b, as: .bf16)
/// try writer.write(toPath: "adapter_model.safetensors")
/// ```
///
/// Tensor data is converted to little-endian bytes when added, so the writer holds one
/// copy of every tensor until it is written.
public struct SafeTensorsWriter: Sendable {
    /// The `__metadata__` string map. Written only when not empty.
    public var metadata: [String: String]

    private var tensorsByName: [String: PendingTensor] = [:]

    private struct PendingTensor: Sendable {
        let name: String
        let dtype: SafeTensorsDType
        let shape: [Int]
        let bytes: [UInt8]
    }

    /// Creates an empty writer.
    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Names of the tensors added so far, sorted.
    public var tensorNames: [String] {
        tensorsByName.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Adds a tensor of `Float` values stored as `dtype`: `.f32` (default, exact), `.f16` or
    /// `.bf16` (rounded to nearest, ties to even) or `.f64` (exact).
    public mutating func addTensor(
        named name: String, shape: [Int], floats values: [Float], as dtype: SafeTensorsDType = .f32
    ) throws(SafeTensorsError) {
        try values.withUnsafeBufferPointer { (buffer) throws(SafeTensorsError) in
            try addTensor(named: name, shape: shape, floats: buffer, as: dtype)
        }
    }

    /// Adds a tensor of `Float` values read from `values` (copied), stored as `dtype`
    /// (`.f32`, `.f16`, `.bf16` or `.f64`).
    public mutating func addTensor(
        named name: String, shape: [Int], floats values: UnsafeBufferPointer<Float>, as dtype: SafeTensorsDType = .f32
    ) throws(SafeTensorsError) {
        try checkName(name)
        let count = try elementCount(of: shape, tensor: name)
        guard values.count == count else {
            throw .valueCountMismatch(tensor: name, shape: shape, expected: count, actual: values.count)
        }
        let bytes: [UInt8]
        switch dtype {
        case .f32:
            bytes = littleEndianBytes(values, size: 4) { UInt32($0.bitPattern) }
        case .f16:
            bytes = littleEndianBytes(values, size: 2) { UInt32(HalfPrecision.float16Bits(from: $0)) }
        case .bf16:
            bytes = littleEndianBytes(values, size: 2) { UInt32(HalfPrecision.bfloat16Bits(from: $0)) }
        case .f64:
            bytes = [UInt8](unsafeUninitializedCapacity: count * 8) { buffer, initialized in
                for (index, value) in values.enumerated() {
                    let bits = Double(value).bitPattern
                    for byte in 0..<8 {
                        buffer[index * 8 + byte] = UInt8(truncatingIfNeeded: bits >> (8 * UInt64(byte)))
                    }
                }
                initialized = count * 8
            }
        default:
            throw .unsupportedWriteType(tensor: name, dtype: dtype, source: "Float")
        }
        tensorsByName[name] = PendingTensor(name: name, dtype: dtype, shape: shape, bytes: bytes)
    }

    /// Adds a tensor of `Int64` values, stored as `I64`.
    public mutating func addTensor(named name: String, shape: [Int], int64s values: [Int64]) throws(SafeTensorsError) {
        try checkName(name)
        let count = try elementCount(of: shape, tensor: name)
        guard values.count == count else {
            throw .valueCountMismatch(tensor: name, shape: shape, expected: count, actual: values.count)
        }
        let bytes = [UInt8](unsafeUninitializedCapacity: count * 8) { buffer, initialized in
            for (index, value) in values.enumerated() {
                let bits = UInt64(bitPattern: value)
                for byte in 0..<8 {
                    buffer[index * 8 + byte] = UInt8(truncatingIfNeeded: bits >> (8 * UInt64(byte)))
                }
            }
            initialized = count * 8
        }
        tensorsByName[name] = PendingTensor(name: name, dtype: .i64, shape: shape, bytes: bytes)
    }

    /// Adds a tensor of any dtype from its raw little-endian, row-major bytes, whose count
    /// must be exactly product(shape) x element size.
    public mutating func addTensor(
        named name: String, shape: [Int], dtype: SafeTensorsDType, rawBytes bytes: [UInt8]
    ) throws(SafeTensorsError) {
        try checkName(name)
        let count = try elementCount(of: shape, tensor: name)
        let (bits, overflow) = count.multipliedReportingOverflow(by: dtype.bitWidth)
        guard !overflow else {
            throw .invalidShape(tensor: name, shape: shape)
        }
        guard bits % 8 == 0 else {
            throw .packedSizeNotWholeBytes(path: "<writer>", tensor: name, dtype: dtype, elementCount: count)
        }
        guard bytes.count == bits / 8 else {
            throw .valueCountMismatch(tensor: name, shape: shape, expected: bits / 8, actual: bytes.count)
        }
        tensorsByName[name] = PendingTensor(name: name, dtype: dtype, shape: shape, bytes: bytes)
    }

    /// The complete file as bytes.
    public func serialized() throws(SafeTensorsError) -> Data {
        let (prefix, header, ordered) = try prepare(path: "<memory>")
        var data = Data(capacity: prefix.count + header.count + ordered.reduce(0) { $0 + $1.bytes.count })
        data.append(contentsOf: prefix)
        data.append(contentsOf: header)
        for tensor in ordered {
            data.append(contentsOf: tensor.bytes)
        }
        return data
    }

    /// Writes the file atomically to `path`, replacing any existing file only once the new
    /// one is completely on disk.
    public func write(toPath path: String) throws(SafeTensorsError) {
        let (prefix, header, ordered) = try prepare(path: path)
        do {
            try AtomicFileWriter.write(toPath: path) { sink in
                try sink.write(prefix)
                try sink.write(header)
                for tensor in ordered {
                    try sink.write(tensor.bytes)
                }
            }
        } catch let error as SafeTensorsError {
            throw error
        } catch {
            throw .writeFailed(path: path, operation: "write the file", reason: String(describing: error))
        }
    }

    /// Writes the file atomically to a `file:` URL.
    public func write(to url: URL) throws(SafeTensorsError) {
        try write(toPath: url.path)
    }

    // MARK: Private

    /// The 8-byte prefix, the padded header and the tensors in data order.
    private func prepare(path: String) throws(SafeTensorsError) -> ([UInt8], [UInt8], [PendingTensor]) {
        let ordered = tensorsByName.values.sorted { lhs, rhs in
            if lhs.dtype != rhs.dtype {
                return lhs.dtype.referenceOrder > rhs.dtype.referenceOrder
            }
            return lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8)
        }
        var entries: [HeaderEncoding.Entry] = []
        entries.reserveCapacity(ordered.count)
        var offset = 0
        for tensor in ordered {
            let end = offset + tensor.bytes.count
            entries.append(HeaderEncoding.Entry(name: tensor.name, dtype: tensor.dtype, shape: tensor.shape, begin: offset, end: end))
            offset = end
        }
        // Every name, key and value appears at least verbatim in the header: when that alone
        // exceeds the limit, fail before building a huge buffer only to throw it away.
        let minimumLength = ordered.reduce(0) { $0 + $1.name.utf8.count }
            + metadata.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
        guard minimumLength <= HeaderDecoder.maximumHeaderLength else {
            throw .headerTooLarge(path: path, declaredLength: UInt64(minimumLength), limit: HeaderDecoder.maximumHeaderLength)
        }
        let header = HeaderEncoding.encode(entries: entries, metadata: metadata)
        guard header.count <= HeaderDecoder.maximumHeaderLength else {
            throw .headerTooLarge(path: path, declaredLength: UInt64(header.count), limit: HeaderDecoder.maximumHeaderLength)
        }
        let length = UInt64(header.count)
        let prefix = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) }
        return (prefix, header, ordered)
    }

    private func checkName(_ name: String) throws(SafeTensorsError) {
        guard name != "__metadata__" else {
            throw .invalidTensorName(name: name, reason: "\"__metadata__\" is reserved for the metadata map")
        }
        guard tensorsByName[name] == nil else {
            throw .duplicateTensorName(name: name)
        }
    }

    private func elementCount(of shape: [Int], tensor: String) throws(SafeTensorsError) -> Int {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else {
                throw .invalidShape(tensor: tensor, shape: shape)
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw .invalidShape(tensor: tensor, shape: shape)
            }
            count = product
        }
        return count
    }

    /// `values` encoded through `bits` as `size`-byte little-endian integers.
    private func littleEndianBytes(
        _ values: UnsafeBufferPointer<Float>, size: Int, _ bits: (Float) -> UInt32
    ) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: values.count * size) { buffer, initialized in
            for (index, value) in values.enumerated() {
                let pattern = bits(value)
                for byte in 0..<size {
                    buffer[index * size + byte] = UInt8(truncatingIfNeeded: pattern >> (8 * UInt32(byte)))
                }
            }
            initialized = values.count * size
        }
    }
}
