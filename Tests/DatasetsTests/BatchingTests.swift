import Testing
@testable import Datasets

@Suite("Batches as Float32 pixel/255 and integer labels")
struct BatchingTests {
    static let sample: LabeledImages? = try? sharedSample.get().train

    @Test func unitScaleIsPixelOver255() {
        for byte in UInt8.min...UInt8.max {
            #expect(LabeledImages.unitScaled(byte) == Float(byte) / Float(255))
        }
        #expect(LabeledImages.unitScaled(0) == 0)
        #expect(LabeledImages.unitScaled(255) == 1)
        #expect(LabeledImages.unitScaled(128).bitPattern == Float(0.5019608).bitPattern)
        #expect(LabeledImages.unitScaled(1).bitPattern == 0x3B80_8081)  // numpy.float32(1) / numpy.float32(255)
        // A true division, not a multiplication by the reciprocal (which differs for 126 bytes).
        let reciprocal = Float(1) / 255
        #expect((UInt8.min...UInt8.max).filter { Float($0) * reciprocal != LabeledImages.unitScaled($0) }.count == 126)
    }

    /// Every byte value, in vector lanes and in the scalar tail, converts to the same bits
    /// as `Float(byte) / 255`.
    @Test func everyByteValueConvertsExactly() throws {
        let bytes = (0..<263).map { UInt8(($0 * 7) % 256) } + (0..<256).map { UInt8($0) }
        let images = try LabeledImages(pixels: bytes, labels: [0], rows: 1, columns: bytes.count)
        var pixels = [Float](repeating: -1, count: bytes.count)
        var labels = [Int](repeating: -1, count: 1)
        pixels.withUnsafeMutableBufferPointer { p in
            labels.withUnsafeMutableBufferPointer { l in images.writeBatch(0..<1, pixels: p, labels: l) }
        }
        for (byte, value) in zip(bytes, pixels) {
            #expect(value.bitPattern == (Float(byte) / 255).bitPattern, "byte \(byte)")
        }
    }

    @Test(arguments: [0..<1, 10..<42, 3968..<4000, 1000..<2000])
    func sequentialRange(range: Range<Int>) throws {
        let set = try #require(Self.sample)
        let ppi = set.pixelsPerImage
        var pixels = [Float](repeating: -1, count: range.count * ppi)
        var labels = [Int32](repeating: -1, count: range.count)
        pixels.withUnsafeMutableBufferPointer { p in
            labels.withUnsafeMutableBufferPointer { l in set.writeBatch(range, pixels: p, labels: l) }
        }
        for (slot, index) in range.enumerated() {
            #expect(labels[slot] == Int32(set.labels[index]))
            let image = set.image(at: index)
            let written = pixels[slot * ppi..<(slot + 1) * ppi]
            #expect(zip(image, written).allSatisfy { Float($0) / 255 == $1 })
        }
    }

    @Test(arguments: [[0], [3999, 0, 17, 17, 2048], Array(stride(from: 3999, through: 0, by: -97))])
    func indexList(indices: [Int]) throws {
        let set = try #require(Self.sample)
        let ppi = set.pixelsPerImage
        var pixels = [Float](repeating: -1, count: indices.count * ppi)
        var labels = [Int](repeating: -1, count: indices.count)
        pixels.withUnsafeMutableBufferPointer { p in
            labels.withUnsafeMutableBufferPointer { l in set.writeBatch(indices, pixels: p, labels: l) }
        }
        for (slot, index) in indices.enumerated() {
            #expect(labels[slot] == set.label(at: index))
            let written = pixels[slot * ppi..<(slot + 1) * ppi]
            #expect(zip(set.image(at: index), written).allSatisfy { LabeledImages.unitScaled($0) == $1 })
        }
    }

    /// A slice of a permutation (what a shuffled epoch passes) and a range give the same batch.
    @Test func sliceOfPermutationMatchesRange() throws {
        let set = try #require(Self.sample)
        let permutation = Array(0..<set.count)
        let n = 64 * set.pixelsPerImage
        var a = [Float](repeating: 0, count: n), b = [Float](repeating: 0, count: n)
        var la = [Int32](repeating: 0, count: 64), lb = [Int32](repeating: 0, count: 64)
        a.withUnsafeMutableBufferPointer { p in la.withUnsafeMutableBufferPointer { set.writeBatch(permutation[128..<192], pixels: p, labels: $0) } }
        b.withUnsafeMutableBufferPointer { p in lb.withUnsafeMutableBufferPointer { set.writeBatch(128..<192, pixels: p, labels: $0) } }
        #expect(a == b)
        #expect(la == lb)
    }

    /// Buffers larger than the batch keep their tail untouched (one buffer pair for all batches).
    @Test func largerBuffersAreOnlyPartlyWritten() throws {
        let (pixelBytes, labelBytes) = syntheticSet(count: 5, rows: 2, columns: 3)
        let set = try LabeledImages(pixels: pixelBytes, labels: labelBytes, rows: 2, columns: 3)
        var pixels = [Float](repeating: -7, count: 4 * 6)
        var labels = [Int32](repeating: -7, count: 4)
        pixels.withUnsafeMutableBufferPointer { p in
            labels.withUnsafeMutableBufferPointer { l in set.writeBatch(3..<5, pixels: p, labels: l) }
        }
        #expect(Array(pixels[..<12]) == pixelBytes[18..<30].map { Float($0) / 255 })
        #expect(pixels[12...].allSatisfy { $0 == -7 })
        #expect(labels == [3, 4, -7, -7])
    }

    @Test func emptyBatchWritesNothing() throws {
        let set = try LabeledImages(pixels: [], labels: [], rows: 28, columns: 28)
        var pixels: [Float] = []
        var labels: [Int32] = []
        pixels.withUnsafeMutableBufferPointer { p in
            labels.withUnsafeMutableBufferPointer { l in
                set.writeBatch(0..<0, pixels: p, labels: l)
                set.writeBatch([Int](), pixels: p, labels: l)
            }
        }
        #expect(set.count == 0)
        #expect(set.classCounts() == Array(repeating: 0, count: 10))
    }
}
