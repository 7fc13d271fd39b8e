import Datasets
import TensorCore

/// The input tensor and label array a mini-batch is written into, allocated once per
/// batch size and reused for every batch of that size (a full batch and, at most, one
/// smaller last batch per epoch), so that loading a batch allocates nothing.
final class BatchBuffers {
    private var inputs: [Int: Tensor] = [:]
    private var baseRows: [Int: Tensor] = [:]
    private var labels: [Int]

    init(batchSize: Int) {
        labels = [Int](repeating: 0, count: batchSize)
    }

    /// Writes samples `indices` of `data` (pixels scaled to [0, 1]) and returns the input
    /// tensor `[indices.count, pixelsPerImage]` and the labels, valid until the next call.
    func load<Indices: Collection<Int>>(_ indices: Indices, from data: LabeledImages) -> (input: Tensor, labels: ArraySlice<Int>) {
        let count = indices.count
        if labels.count < count { labels = [Int](repeating: 0, count: count) }
        let input = Self.reused(&inputs, rows: count, columns: data.pixelsPerImage)
        input.withUnsafeMutableBufferPointer { pixels in
            labels.withUnsafeMutableBufferPointer { labelBuffer in
                // Parts of the batch on the pool's threads: the conversion reads pixels that
                // come from memory, not cache (18 µs a batch of 64 on one thread).
                let perImage = data.pixelsPerImage
                WorkerPool.splitting(count, minimumCount: Self.splitMinimumCount, alignment: 1) { slots in
                    let first = indices.index(indices.startIndex, offsetBy: slots.lowerBound)
                    let last = indices.index(first, offsetBy: slots.count)
                    let pixelPart = UnsafeMutableBufferPointer(rebasing: pixels[slots.lowerBound * perImage..<slots.upperBound * perImage])
                    let labelPart = UnsafeMutableBufferPointer(rebasing: labelBuffer[slots])
                    Self.write(indices[first..<last], of: data, pixels: pixelPart, labels: labelPart)
                }
            }
        }
        return (input, labels[0..<count])
    }

    /// Batches from this size are loaded by several threads, at least half of it each.
    static let splitMinimumCount = 32

    private static func write<Indices: Collection<Int>>(_ indices: Indices, of data: LabeledImages,
                                                        pixels: UnsafeMutableBufferPointer<Float>, labels: UnsafeMutableBufferPointer<Int>) {
        if let range = indices as? Range<Int> {
            data.writeBatch(range, pixels: pixels, labels: labels)
        } else {
            data.writeBatch(indices, pixels: pixels, labels: labels)
        }
    }

    /// A reused `[count, width]` tensor for a batch's rows of a ``FrozenBaseOutputs`` table.
    func frozenBaseRows(count: Int, width: Int) -> Tensor {
        Self.reused(&baseRows, rows: count, columns: width)
    }

    /// The `[rows, columns]` tensor kept in `tensors` for `rows`, made on first use.
    private static func reused(_ tensors: inout [Int: Tensor], rows: Int, columns: Int) -> Tensor {
        if let existing = tensors[rows], existing.shape == Shape([rows, columns]) { return existing }
        let tensor = Tensor(zeros: [rows, columns])
        tensors[rows] = tensor
        return tensor
    }
}
