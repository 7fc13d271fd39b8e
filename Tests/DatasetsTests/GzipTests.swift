import TestSupport
import Testing
@testable import Datasets

@Suite("gzip through zlib")
struct GzipTests {
    static let text: [UInt8] = Array("The quick brown fox jumps over the lazy dog. ".utf8) + (0..<5000).map { UInt8($0 % 251) }

    @Test(arguments: [Int32(0), 1, 6, 9])
    func roundTrip(level: Int32) throws {
        let compressed = try Gzip.compress(Self.text, level: level)
        #expect(Gzip.isCompressed(compressed))
        #expect(try Gzip.decompress(compressed) == Self.text)
    }

    @Test func emptyContentRoundTrips() throws {
        #expect(try Gzip.decompress(Gzip.compress([])) == [])
    }

    @Test func concatenatedMembers() throws {
        let a = Array(Self.text[..<100]), b = Array(Self.text[100...])
        let joined = try Gzip.compress(a) + Gzip.compress(b) + Gzip.compress([])
        #expect(try Gzip.decompress(joined) == Self.text)
    }

    @Test func zeroPaddingIsIgnored() throws {
        let padded = try Gzip.compress(Self.text) + [UInt8](repeating: 0, count: 512)
        #expect(try Gzip.decompress(padded) == Self.text)
    }

    @Test func emptyInputIsTruncated() {
        #expect(throws: GzipError.truncated) { try Gzip.decompress([]) }
    }

    /// Every proper prefix of a valid stream (from the magic on) is `truncated`.
    @Test func everyPrefixIsTruncated() throws {
        let compressed = try Gzip.compress(Array(Self.text[..<300]))
        for length in 1..<compressed.count {
            #expect(throws: GzipError.truncated) { try Gzip.decompress(Array(compressed[..<length])) }
        }
    }

    @Test func trailingGarbage() throws {
        let compressed = try Gzip.compress(Self.text)
        #expect(throws: GzipError.trailingGarbage(offset: compressed.count + 2)) {
            try Gzip.decompress(compressed + [0, 0, 0x42, 0x43])
        }
    }

    @Test func badCompressionMethod() throws {
        var compressed = try Gzip.compress(Self.text)
        compressed[2] = 7
        #expect(throws: GzipError.invalidData("unknown compression method")) { try Gzip.decompress(compressed) }
    }

    @Test func crcMismatch() throws {
        var compressed = try Gzip.compress(Self.text)
        compressed[compressed.count - 8] ^= 0xff
        #expect(throws: GzipError.invalidData("incorrect data check")) { try Gzip.decompress(compressed) }
    }

    @Test func lengthMismatch() throws {
        var compressed = try Gzip.compress(Self.text)
        compressed[compressed.count - 4] ^= 0x01
        #expect(throws: GzipError.invalidData("incorrect length check")) { try Gzip.decompress(compressed) }
    }

    @Test func invalidDeflateBlock() {
        // A valid 10-byte header, then a deflate block with the reserved type 3.
        let bytes: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0b0000_0111, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        #expect(throws: GzipError.invalidData("invalid block type")) { try Gzip.decompress(bytes) }
    }

    @Test func outputLimit() throws {
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        let compressed = try Gzip.compress(zeros, level: 9)
        #expect(throws: GzipError.outputTooLarge(limit: 1000)) { try Gzip.decompress(compressed, maxOutputBytes: 1000) }
        #expect(try Gzip.decompress(compressed, maxOutputBytes: 1 << 20).count == 1 << 20)
    }

    /// Random corruption never traps: each mutant either decompresses or throws a GzipError.
    @Test func mutationsNeverTrap() throws {
        let compressed = try Gzip.compress(Array(Self.text[..<600]))
        var rng = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            var mutant = compressed
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 2..<mutant.count, using: &rng)
                mutant[i] = UInt8.random(in: 0...255, using: &rng)
            }
            _ = try? Gzip.decompress(mutant, maxOutputBytes: 1 << 16)
        }
    }
}
