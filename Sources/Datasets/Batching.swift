import CKernels

/// Writing mini-batches into caller-owned buffers, with no allocation.
///
/// Layout written:
/// - `pixels`: `[batch, rows * columns]` Float32, row-major: sample `b` of the batch occupies
///   `pixels[b * pixelsPerImage ..< (b + 1) * pixelsPerImage]`, its pixels in file order
///   (row after row). Each value is `Float(byte) / 255`, computed in Float32 and so bitwise
///   equal to torchvision's `ToTensor()` (`tensor.float().div(255)`): 0 -> 0.0, 255 -> 1.0.
/// - `labels`: `[batch]`, the class index of each sample.
///
/// The buffers may be larger than the batch (so one pair of buffers sized for the full batch
/// also serves a smaller last batch); only the first `batch * pixelsPerImage` floats and
/// `batch` labels are written. Sample indices come either as a `Range` (sequential order,
/// converted in one contiguous pass) or as any collection of `Int` (for a shuffled order,
/// pass a slice of a permutation).
///
/// Preconditions (programming errors, not data errors): every index is in `0..<count`, and
/// the buffers are large enough.
extension LabeledImages {
    /// The Float32 value a pixel byte is converted to: `Float(byte) / 255`, the exact
    /// ToTensor scaling (a true IEEE division, not a multiplication by 1/255, which differs
    /// in the last bit for some bytes).
    @inlinable
    public static func unitScaled(_ byte: UInt8) -> Float {
        Float(byte) / 255
    }

    /// Writes samples `indices` (sequential) into `pixels` and `labels`.
    public func writeBatch(
        _ indices: Range<Int>, pixels: UnsafeMutableBufferPointer<Float>, labels: UnsafeMutableBufferPointer<Int32>
    ) {
        writeRange(indices, pixels: pixels)
        writeLabels(indices, into: labels)
    }

    /// Writes samples `indices` (sequential) into `pixels` and `labels`.
    public func writeBatch(
        _ indices: Range<Int>, pixels: UnsafeMutableBufferPointer<Float>, labels: UnsafeMutableBufferPointer<Int>
    ) {
        writeRange(indices, pixels: pixels)
        writeLabels(indices, into: labels)
    }

    /// Writes the samples listed in `indices` (any order, repeats allowed), in that order.
    public func writeBatch<Indices: Collection<Int>>(
        _ indices: Indices, pixels: UnsafeMutableBufferPointer<Float>, labels: UnsafeMutableBufferPointer<Int32>
    ) {
        writeGathered(indices, pixels: pixels)
        writeLabels(indices, into: labels)
    }

    /// Writes the samples listed in `indices` (any order, repeats allowed), in that order.
    public func writeBatch<Indices: Collection<Int>>(
        _ indices: Indices, pixels: UnsafeMutableBufferPointer<Float>, labels: UnsafeMutableBufferPointer<Int>
    ) {
        writeGathered(indices, pixels: pixels)
        writeLabels(indices, into: labels)
    }

    private func writeRange(_ indices: Range<Int>, pixels destination: UnsafeMutableBufferPointer<Float>) {
        precondition(indices.lowerBound >= 0 && indices.upperBound <= count,
                     "batch indices \(indices) out of range 0..<\(count)")
        let n = indices.count * pixelsPerImage
        precondition(destination.count >= n, "pixel buffer holds \(destination.count) floats, batch needs \(n)")
        guard n > 0, let out = destination.baseAddress else { return }
        let start = indices.lowerBound * pixelsPerImage
        pixels.withUnsafeBufferPointer { source in
            guard let s = source.baseAddress else { return }
            Self.convert(s + start, into: out, count: n)
        }
    }

    private func writeGathered<Indices: Collection<Int>>(
        _ indices: Indices, pixels destination: UnsafeMutableBufferPointer<Float>
    ) {
        let perImage = pixelsPerImage
        let (n, overflow) = indices.count.multipliedReportingOverflow(by: perImage)
        precondition(!overflow, "batch of \(indices.count) images is too large")
        precondition(destination.count >= n, "pixel buffer holds \(destination.count) floats, batch needs \(n)")
        guard n > 0, let out = destination.baseAddress else { return }
        let count = self.count
        pixels.withUnsafeBufferPointer { source in
            guard let s = source.baseAddress else { return }
            var slot = 0
            for index in indices {
                precondition(index >= 0 && index < count, "sample index \(index) out of range 0..<\(count)")
                Self.convert(s + index * perImage, into: out + slot * perImage, count: perImage)
                slot += 1
            }
        }
    }

    private func writeLabels<Indices: Collection<Int>, Label: FixedWidthInteger>(
        _ indices: Indices, into destination: UnsafeMutableBufferPointer<Label>
    ) {
        precondition(destination.count >= indices.count,
                     "label buffer holds \(destination.count) labels, batch needs \(indices.count)")
        var slot = 0
        for index in indices {
            precondition(index >= 0 && index < count, "sample index \(index) out of range 0..<\(count)")
            destination[slot] = Label(labels[index])
            slot += 1
        }
    }

    /// The conversion: `byte / 255` in a C loop (`ck_unit_floats_from_bytes`, 16 lanes of
    /// int-to-float and IEEE divide with AVX-512); Swift's loop compiled to one scalar
    /// divide per element.
    private static func convert(
        _ source: UnsafePointer<UInt8>, into destination: UnsafeMutablePointer<Float>, count: Int
    ) {
        ck_unit_floats_from_bytes(source, destination, count)
    }
}
