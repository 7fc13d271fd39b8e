import Foundation
import SafeTensors

/// Helpers shared by the SafeTensors tests.
enum TestSupport {

    /// URL of a fixture copied from /work/shared/fixtures/peft (see Fixtures/README.md).
    static func fixtureURL(_ name: String) throws -> URL {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw FixtureMissing(name: name)
        }
        return url
    }

    struct FixtureMissing: Error, CustomStringConvertible {
        let name: String
        var description: String { "Fixture '\(name)' is missing from the test bundle's Fixtures directory." }
    }

    /// A safetensors file assembled by hand: an 8-byte little-endian length (the header's
    /// real length unless `declaredLength` overrides it), the header bytes, then `data`.
    static func file(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> Data {
        file(headerBytes: Array(header.utf8), data: data, declaredLength: declaredLength)
    }

    static func file(headerBytes: [UInt8], data: [UInt8] = [], declaredLength: UInt64? = nil) -> Data {
        let length = declaredLength ?? UInt64(headerBytes.count)
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) }
        bytes += headerBytes
        bytes += data
        return Data(bytes)
    }

    /// Opens hand-built bytes the way a file would be opened, labelled "bad.safetensors".
    static func open(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) throws(SafeTensorsError) -> SafeTensorsFile {
        try SafeTensorsFile(data: file(header: header, data: data, declaredLength: declaredLength), label: label)
    }

    static let label = "bad.safetensors"

    /// A fresh, empty directory under the system temporary directory.
    static func makeTemporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("safetensors-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Little-endian bytes of `values`.
    static func bytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { value in
            (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
        }
    }

    static func bytes(_ values: [Float]) -> [UInt8] {
        bytes(values.map(\.bitPattern))
    }
}

