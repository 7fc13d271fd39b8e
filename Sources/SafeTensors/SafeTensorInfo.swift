/// Description of one tensor in a safetensors file, as declared by (and validated against)
/// its header entry `{"dtype": ..., "shape": [...], "data_offsets": [begin, end]}`.
public struct SafeTensorInfo: Sendable, Hashable, CustomStringConvertible {
    /// The tensor's key in the header.
    public let name: String
    /// Element type.
    public let dtype: SafeTensorsDType
    /// Dimensions, outermost first (row-major). Empty for a scalar.
    public let shape: [Int]
    /// Product of `shape` (1 for a scalar, 0 if any dimension is 0).
    public let elementCount: Int
    /// `data_offsets` as written in the header: the byte range relative to the start of the
    /// data section (the byte after the header).
    public let dataOffsets: Range<Int>
    /// The same bytes as an absolute range within the file.
    public let fileByteRange: Range<Int>

    /// Size of the tensor's data in bytes.
    public var byteCount: Int { dataOffsets.count }

    /// Number of dimensions.
    public var rank: Int { shape.count }

    public var description: String {
        "\(name): \(dtype) \(shape) at data bytes \(dataOffsets.lowerBound)..<\(dataOffsets.upperBound)"
    }
}
