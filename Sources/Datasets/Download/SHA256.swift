/// SHA-256 (FIPS 180-4, section 6.2), streaming: feed bytes in any number of `update` calls,
/// then read the digest with `finalize()` or `hexDigest()`.
///
/// Algorithm: the message is padded with a single 1 bit, zeros, and its length in bits as a
/// 64-bit big-endian integer, to a multiple of 512 bits. Each 512-bit block `M` is expanded to
/// 64 words, `W[t] = M[t]` for t < 16 and
/// `W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16]` after, with
/// `σ0(x) = ROTR7(x) ^ ROTR18(x) ^ SHR3(x)` and `σ1(x) = ROTR17(x) ^ ROTR19(x) ^ SHR10(x)`;
/// 64 rounds then update the eight working variables with
/// `T1 = h + Σ1(e) + Ch(e,f,g) + K[t] + W[t]`, `T2 = Σ0(a) + Maj(a,b,c)`, where
/// `Σ0(a) = ROTR2 ^ ROTR13 ^ ROTR22`, `Σ1(e) = ROTR6 ^ ROTR11 ^ ROTR25`,
/// `Ch(e,f,g) = (e & f) ^ (~e & g)`, `Maj(a,b,c) = (a & b) ^ (a & c) ^ (b & c)`; all sums are
/// modulo 2^32. The digest is the eight 32-bit state words, big-endian: 32 bytes.
///
/// ```swift
/// var hasher = SHA256()
/// hasher.update(Array("ab".utf8))
/// hasher.update(Array("c".utf8))
/// hasher.hexDigest() // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// ```
public struct SHA256: Sendable {
    /// Bytes in a digest.
    public static let digestByteCount = 32
    /// Bytes in one compression block.
    public static let blockByteCount = 64

    // The hash state H0...H7, initialised to the first 32 bits of the fractional parts of the
    // square roots of the first eight primes.
    private var h0: UInt32 = 0x6a09e667, h1: UInt32 = 0xbb67ae85, h2: UInt32 = 0x3c6ef372, h3: UInt32 = 0xa54ff53a
    private var h4: UInt32 = 0x510e527f, h5: UInt32 = 0x9b05688c, h6: UInt32 = 0x1f83d9ab, h7: UInt32 = 0x5be0cd19
    /// Bytes of an incomplete block, waiting for more input (fewer than 64).
    private var pending: [UInt8] = []
    /// Message length so far, in bytes.
    private var byteCount: UInt64 = 0

    /// A hasher for the empty message.
    public init() {
        pending.reserveCapacity(Self.blockByteCount)
    }

    /// Number of bytes hashed so far.
    public var count: UInt64 { byteCount }

    /// Appends `bytes` to the message.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        byteCount &+= UInt64(bytes.count)
        var offset = 0
        // Complete a pending partial block first.
        if !pending.isEmpty {
            let take = min(Self.blockByteCount - pending.count, bytes.count)
            pending.append(contentsOf: UnsafeRawBufferPointer(start: base, count: take))
            offset = take
            if pending.count == Self.blockByteCount {
                let block = pending
                block.withUnsafeBytes { if let start = $0.baseAddress { compress(start, blocks: 1) } }
                pending.removeAll(keepingCapacity: true)
            }
        }
        let whole = (bytes.count - offset) / Self.blockByteCount
        if whole > 0 {
            compress(base + offset, blocks: whole)
            offset += whole * Self.blockByteCount
        }
        if offset < bytes.count {
            pending.append(contentsOf: UnsafeRawBufferPointer(start: base + offset, count: bytes.count - offset))
        }
    }

    /// Appends `bytes` to the message.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Appends `bytes` to the message.
    public mutating func update(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The 32-byte digest of everything passed to `update` so far. The hasher itself is not
    /// changed, so more bytes may be added afterwards (the digest is of a copy, padded).
    public func finalize() -> [UInt8] {
        var copy = self
        let bitLength = byteCount &* 8
        var tail = pending
        tail.append(0x80)
        while tail.count % Self.blockByteCount != 56 { tail.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) {
            tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        tail.withUnsafeBytes { if let start = $0.baseAddress { copy.compress(start, blocks: tail.count / Self.blockByteCount) } }
        var digest: [UInt8] = []
        digest.reserveCapacity(Self.digestByteCount)
        for word in [copy.h0, copy.h1, copy.h2, copy.h3, copy.h4, copy.h5, copy.h6, copy.h7] {
            digest.append(UInt8(truncatingIfNeeded: word >> 24))
            digest.append(UInt8(truncatingIfNeeded: word >> 16))
            digest.append(UInt8(truncatingIfNeeded: word >> 8))
            digest.append(UInt8(truncatingIfNeeded: word))
        }
        return digest
    }

    /// The digest as 64 lower-case hexadecimal digits, as `sha256sum` prints it.
    public func hexDigest() -> String {
        Self.hex(finalize())
    }

    /// The digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The digest of `bytes` as 64 lower-case hexadecimal digits.
    public static func hexDigest(_ bytes: [UInt8]) -> String {
        hex(hash(bytes))
    }

    /// Lower-case hexadecimal, two digits per byte.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Runs the compression function over `blocks` consecutive 64-byte blocks at `base`.
    private mutating func compress(_ base: UnsafeRawPointer, blocks: Int) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            Self.roundConstants.withUnsafeBufferPointer { k in
                for block in 0..<blocks {
                    let p = base + block * Self.blockByteCount
                    for t in 0..<16 {
                        // Big-endian load, byte by byte (no alignment assumption).
                        let b0 = UInt32(p.load(fromByteOffset: 4 * t, as: UInt8.self))
                        let b1 = UInt32(p.load(fromByteOffset: 4 * t + 1, as: UInt8.self))
                        let b2 = UInt32(p.load(fromByteOffset: 4 * t + 2, as: UInt8.self))
                        let b3 = UInt32(p.load(fromByteOffset: 4 * t + 3, as: UInt8.self))
                        w[t] = b0 << 24 | b1 << 16 | b2 << 8 | b3
                    }
                    for t in 16..<64 {
                        let x = w[t - 15], y = w[t - 2]
                        let s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3)
                        let s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >> 10)
                        w[t] = s1 &+ w[t - 7] &+ s0 &+ w[t - 16]
                    }
                    var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
                    for t in 0..<64 {
                        let bigSigma1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                        let choose = (e & f) ^ (~e & g)
                        let t1 = h &+ bigSigma1 &+ choose &+ k[t] &+ w[t]
                        let bigSigma0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                        let majority = (a & b) ^ (a & c) ^ (b & c)
                        let t2 = bigSigma0 &+ majority
                        h = g; g = f; f = e; e = d &+ t1
                        d = c; c = b; b = a; a = t1 &+ t2
                    }
                    h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d
                    h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= h
                }
            }
        }
    }

    /// K[0...63]: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
    private static let roundConstants: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]
}

@inline(__always)
private func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
    (x >> n) | (x << (32 &- n))
}
