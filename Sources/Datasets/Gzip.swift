import CZlib

/// Why a gzip stream could not be decompressed (or compressed).
///
/// Every malformed input maps to one of these cases; `Gzip` never traps on bad data.
public enum GzipError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input ended before the end of a gzip member (an empty input, a cut-off download,
    /// or a member whose 8-byte CRC-32/ISIZE trailer is missing).
    case truncated
    /// zlib rejected the data: a bad header (for example an unknown compression method), an
    /// invalid deflate block, or a CRC-32 / length check that does not match. The payload is
    /// zlib's own message, such as `"invalid block type"` or `"incorrect data check"`.
    case invalidData(String)
    /// After the last complete member there are bytes that are neither zero padding nor the
    /// start (`1f 8b`) of another member. `offset` is the index of the first such byte.
    case trailingGarbage(offset: Int)
    /// Decompressing would produce more than `limit` bytes (a guard against gzip bombs).
    case outputTooLarge(limit: Int)
    /// zlib failed for a reason unrelated to the data (out of memory, a version mismatch);
    /// `code` is the zlib return code (`Z_MEM_ERROR` = -4, `Z_VERSION_ERROR` = -6, ...).
    case zlibFailure(code: Int32)

    public var description: String {
        switch self {
        case .truncated:
            return "The gzip stream ends before its last member is complete (it is truncated)."
        case .invalidData(let message):
            return "The gzip stream is corrupt: zlib reports \"\(message)\"."
        case .trailingGarbage(let offset):
            return "The gzip stream has unexpected bytes after its last member, starting at byte \(offset)."
        case .outputTooLarge(let limit):
            return "The gzip stream decompresses to more than the limit of \(limit) bytes."
        case .zlibFailure(let code):
            return "zlib failed with return code \(code), for a reason unrelated to the data (out of memory or a library version mismatch)."
        }
    }
}

/// gzip (RFC 1952) decompression and compression through the system zlib.
///
/// Format: a gzip file is one or more *members*, each `1f 8b 08 FLG MTIME(4) XFL OS`, optional
/// extra/name/comment/header-CRC fields, a raw deflate (RFC 1951) stream, then the CRC-32 and
/// the uncompressed length modulo 2^32 (ISIZE), both little-endian. Members are simply
/// concatenated (`cat a.gz b.gz` is a valid gzip file whose content is `a` then `b`), and
/// `decompress` returns the concatenation of all members' contents. Zero bytes after the last
/// member (tape padding) are ignored, as Python's `gzip` module does; any other trailing byte
/// is an error.
public enum Gzip {
    /// The default limit on decompressed size: 4 GiB, well above any IDX data set in use
    /// (EMNIST ByClass training images are about 550 MB).
    public static let defaultMaxOutputBytes: Int = 1 << 32

    /// Whether `bytes` starts with the gzip magic number `1f 8b`. Anything else (an IDX file
    /// starts with `00 00`) is treated as uncompressed.
    public static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// Decompresses a gzip stream of one or more members.
    ///
    /// - Parameters:
    ///   - bytes: the whole gzip file.
    ///   - maxOutputBytes: decompression stops with `GzipError.outputTooLarge` as soon as the
    ///     output would exceed this many bytes.
    /// - Throws: `GzipError` for empty, truncated, corrupt or oversized input; never traps.
    public static func decompress(
        _ bytes: [UInt8], maxOutputBytes: Int = defaultMaxOutputBytes
    ) throws(GzipError) -> [UInt8] {
        guard !bytes.isEmpty else { throw .truncated }

        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let chunkSize = 1 << 18
        let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkSize)
        defer {
            chunk.deallocate()
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        // 16 + MAX_WBITS: expect a gzip (not zlib) wrapper, with the largest window.
        let initCode = inflateInit2_(stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initCode == Z_OK else { throw .zlibFailure(code: initCode) }
        defer { inflateEnd(stream) }

        var output: [UInt8] = []
        output.reserveCapacity(capacityHint(for: bytes, maxOutputBytes: maxOutputBytes))

        try bytes.withUnsafeBufferPointer { (input: UnsafeBufferPointer<UInt8>) throws(GzipError) in
            guard let base = input.baseAddress else { throw GzipError.truncated }
            // `fed` counts input bytes handed to zlib so far; zlib has consumed
            // `fed - avail_in` of them. avail_in is 32-bit, so huge inputs go in slices.
            var fed = 0
            func feed(from position: Int) {
                let n = min(input.count - position, Int(UInt32.max))
                stream.pointee.next_in = UnsafeMutablePointer(mutating: base + position)
                stream.pointee.avail_in = UInt32(n)
                fed = position + n
            }
            feed(from: 0)

            while true {
                // Inflate one member.
                memberLoop: while true {
                    if stream.pointee.avail_in == 0 && fed < input.count { feed(from: fed) }
                    stream.pointee.next_out = chunk
                    stream.pointee.avail_out = UInt32(chunkSize)
                    let availableBefore = stream.pointee.avail_in
                    let code = inflate(stream, Z_NO_FLUSH)
                    let produced = chunkSize - Int(stream.pointee.avail_out)
                    if produced > 0 {
                        guard produced <= maxOutputBytes - output.count else {
                            throw GzipError.outputTooLarge(limit: maxOutputBytes)
                        }
                        output.append(contentsOf: UnsafeBufferPointer(start: chunk, count: produced))
                    }
                    switch code {
                    case Z_STREAM_END:
                        break memberLoop
                    case Z_OK, Z_BUF_ERROR:
                        let progressed = produced > 0 || stream.pointee.avail_in != availableBefore
                        if !progressed {
                            if stream.pointee.avail_in == 0 && fed >= input.count { throw GzipError.truncated }
                            if stream.pointee.avail_in != 0 { throw GzipError.zlibFailure(code: code) }
                        }
                    case Z_NEED_DICT:
                        throw GzipError.invalidData("a preset dictionary is required")
                    case Z_DATA_ERROR:
                        throw GzipError.invalidData(zlibMessage(stream) ?? "invalid data")
                    default:
                        throw GzipError.zlibFailure(code: code)
                    }
                }
                // Between members: skip zero padding, then either stop or start the next member.
                var next = fed - Int(stream.pointee.avail_in)
                while next < input.count && input[next] == 0 { next += 1 }
                if next == input.count { return }
                guard next + 1 < input.count, input[next] == 0x1f, input[next + 1] == 0x8b else {
                    if next + 1 == input.count && input[next] == 0x1f { throw GzipError.truncated }
                    throw GzipError.trailingGarbage(offset: next)
                }
                let resetCode = inflateReset(stream)
                guard resetCode == Z_OK else { throw GzipError.zlibFailure(code: resetCode) }
                feed(from: next)
            }
        }
        return output
    }

    /// Compresses `bytes` into a single gzip member.
    ///
    /// - Parameter level: zlib compression level, 0 (store) ... 9 (best); -1 is zlib's default (6).
    public static func compress(_ bytes: [UInt8], level: Int32 = -1) throws(GzipError) -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let chunkSize = 1 << 18
        let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkSize)
        defer {
            chunk.deallocate()
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        let initCode = deflateInit2_(
            stream, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
            zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initCode == Z_OK else { throw .zlibFailure(code: initCode) }
        defer { deflateEnd(stream) }

        var output: [UInt8] = []
        output.reserveCapacity(bytes.count / 2 + 64)
        try bytes.withUnsafeBufferPointer { (input: UnsafeBufferPointer<UInt8>) throws(GzipError) in
            var position = 0
            while true {
                if stream.pointee.avail_in == 0 && position < input.count, let base = input.baseAddress {
                    let n = min(input.count - position, Int(UInt32.max))
                    stream.pointee.next_in = UnsafeMutablePointer(mutating: base + position)
                    stream.pointee.avail_in = UInt32(n)
                    position += n
                }
                let flush = position == input.count ? Z_FINISH : Z_NO_FLUSH
                stream.pointee.next_out = chunk
                stream.pointee.avail_out = UInt32(chunkSize)
                let code = deflate(stream, flush)
                let produced = chunkSize - Int(stream.pointee.avail_out)
                output.append(contentsOf: UnsafeBufferPointer(start: chunk, count: produced))
                if code == Z_STREAM_END { return }
                guard code == Z_OK || code == Z_BUF_ERROR else { throw GzipError.zlibFailure(code: code) }
            }
        }
        return output
    }

    /// A reservation size for the output: the last member's ISIZE field (the uncompressed size
    /// modulo 2^32), bounded by deflate's maximum ratio (about 1032:1) and by the output limit,
    /// so that a lying trailer cannot make us reserve a huge buffer.
    private static func capacityHint(for bytes: [UInt8], maxOutputBytes: Int) -> Int {
        guard bytes.count >= 18 else { return 0 }
        let n = bytes.count
        let isize = Int(bytes[n - 4]) | Int(bytes[n - 3]) << 8 | Int(bytes[n - 2]) << 16 | Int(bytes[n - 1]) << 24
        let (ratioBound, overflow) = n.multipliedReportingOverflow(by: 1032)
        return min(isize, overflow ? Int.max : ratioBound, max(0, maxOutputBytes))
    }

    private static func zlibMessage(_ stream: UnsafeMutablePointer<z_stream>) -> String? {
        guard let message = stream.pointee.msg else { return nil }
        return String(cString: message)
    }
}
