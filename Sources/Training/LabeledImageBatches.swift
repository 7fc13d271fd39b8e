import Datasets
import TensorCore

/// One mini-batch of labelled images.
public struct LabeledImageBatch {
    /// `[count, pixelsPerImage]`, pixels scaled to [0, 1].
    public let input: Tensor
    public let labels: ArraySlice<Int>
    /// The samples' indices in their data set, in batch order.
    public let samples: SampleIndices
}

/// Which samples of a data set a batch holds.
public enum SampleIndices {
    /// A contiguous run (data in file order).
    case range(Range<Int>)
    /// Any order (a shuffled epoch).
    case list(ArraySlice<Int>)

    init<Indices: Collection<Int>>(_ indices: Indices) {
        if let range = indices as? Range<Int> {
            self = .range(range)
        } else if let list = indices as? ArraySlice<Int> {
            self = .list(list)
        } else {
            self = .list(Array(indices)[...])
        }
    }
}

/// Labelled images (``Datasets/LabeledImages``) as training data: batches are written into
/// buffers allocated once per batch size and reused (valid until the next batch is loaded).
public final class LabeledImageBatches: TrainingData {
    /// The data set batches are drawn from; may be replaced (the buffers are kept).
    public var images: LabeledImages
    let buffers: BatchBuffers

    public convenience init(images: LabeledImages, batchSize: Int) {
        self.init(images: images, buffers: BatchBuffers(batchSize: batchSize))
    }

    init(images: LabeledImages, buffers: BatchBuffers) {
        self.images = images
        self.buffers = buffers
    }

    public var sampleCount: Int { images.count }

    public func loadBatch<Indices: Collection<Int>>(samples indices: Indices) -> LabeledImageBatch {
        let (input, labels) = buffers.load(indices, from: images)
        return LabeledImageBatch(input: input, labels: labels, samples: SampleIndices(indices))
    }
}

extension TrainingObjective where Batch == LabeledImageBatch {
    /// Classification: `forward` gives logits `[batch, classes]`, the loss is their mean
    /// cross-entropy against the labels, and the metric ``BatchMetric/correctPredictionsName``
    /// counts the rows whose arg-max is the label.
    public static func classification(forward: @escaping (LabeledImageBatch) throws -> Tensor) -> TrainingObjective {
        TrainingObjective(
            forward: forward,
            loss: { logits, batch in try Tensor.crossEntropy(logits: logits, targets: batch.labels) },
            metrics: [BatchMetric(name: BatchMetric<LabeledImageBatch>.correctPredictionsName) { logits, batch in
                Double(Evaluator.correctPredictions(logits: logits, labels: batch.labels))
            }])
    }
}
