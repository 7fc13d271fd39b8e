/// NumPy's `.npy` format, version 1.0, for a little-endian float32 array in C order:
///
/// ```
/// \x93NUMPY 0x01 0x00 <header length, UInt16 little-endian>
/// {'descr': '<f4', 'fortran_order': False, 'shape': (rows, columns), }   padded with spaces, ending in \n
/// <rows · columns float32 values, little-endian>
/// ```
///
/// The header is padded so that the data starts at a multiple of 64 bytes, as `numpy.save` writes it.
enum NumPyArrayFile {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// The bytes before the values of a float32 array of `shape`.
    static func header(shape: [Int]) -> [UInt8] {
        let dimensions = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dictionary = "{'descr': '<f4', 'fortran_order': False, 'shape': \(dimensions), }"
        let unpadded = magic.count + 2 + 2 + dictionary.utf8.count + 1
        dictionary += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = dictionary.utf8.count
        return magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(dictionary.utf8)
    }

    /// `values` as little-endian float32 bytes.
    static func bytes(_ values: UnsafeBufferPointer<Float>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 4)
        for value in values {
            let bits = value.bitPattern.littleEndian
            bytes += [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)]
        }
        return bytes
    }
}
