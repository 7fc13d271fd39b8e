import Adapters
import Datasets
import NN
import TensorCore

/// The first layer's frozen product for every sample of one data set, computed once and
/// reused by every fine-tuning step and evaluation pass while the base layer is unchanged.
///
/// When a model is a ``NN/LayerSequence`` whose first layer is an adapter over a frozen
/// Linear (`W` and `b` without gradients), the part of that layer's forward that reads the
/// input only through `W` (``Adapters/AdapterLayer/frozenBaseOutput(_:)``: `x·Wᵀ + b` for
/// LoRA, `x·Wᵀ` for DoRA per output feature) is the same for a sample in every step and
/// every pass. The table holds it for all samples, `T[i] = frozenBaseOutput(xᵢ)`
/// `[count, out]`, and a forward gathers the batch's rows of `T` instead of multiplying
/// by `W`: `y = layer(x, T[indices])`, then the remaining layers as usual. Each row of a
/// product is the same sum whatever the batch, so the result is the step's own (tested bit
/// for bit on the MLP's shapes, with and without dropout).
///
/// For the reference MLP on Fashion-MNIST the table is 60,000 x 128 floats (30.7 MB)
/// and saves the largest product of a fine-tuning step (`x·Wᵀ`, 64 x 128 x 784, three
/// quarters of the forward's multiply-adds) and of an accuracy pass. The table is
/// remade when `W` or `b` is written in place (``TensorCore/Tensor/contentVersion``) or
/// the first layer, `W` or `b` is another object (compared by weak reference, never by
/// address), and not made when it would exceed ``maximumBytes``.
///
/// An opt-in cache outside the generic ``TrainingLoop``: ``Trainer/frozenBaseOutputs`` and
/// ``Evaluator/evaluate(_:on:frozenBaseOutputs:)`` use it when given one (``TrainingSession``
/// does, see ``TrainingSession/keepsFrozenBaseOutputs``); without it every product is computed.
///
/// Not for concurrent use: prepare it on one thread (``prepared(for:)``); the returned
/// ``Prepared`` value may then be read from several (the evaluator's two threads do).
public final class FrozenBaseOutputs {
    /// The data set whose samples the table's rows stand for, in order.
    public let data: LabeledImages
    /// The largest table kept, in bytes.
    public static let maximumBytes = 256 << 20
    private static let fillBatchSize = 512

    private var kept: KeptTable?

    /// The table and what it was computed from, held by weak reference: an object that is
    /// freed can never match (a new object at the same address is another object), and the
    /// table does not keep a discarded model alive.
    private struct KeptTable {
        weak var layer: AnyObject?
        weak var weight: Tensor?
        weak var bias: Tensor?
        let weightVersion: UInt64
        let biasVersion: UInt64?
        let values: Tensor
    }

    public init(data: LabeledImages) {
        self.data = data
    }

    /// What a forward pass needs: the first layer, the model to continue with, and the table.
    public struct Prepared {
        public let layer: any AdapterLayer
        public let model: any LayerSequence
        /// `[count, out]`: row `i` is the first layer's frozen product of sample `i`.
        public let table: Tensor

        /// The model's output for samples `indices` of the table's data set, whose input
        /// batch `input` is already loaded; `buffers` lends the batch's rows of the table.
        func forward<Indices: Collection<Int>>(_ input: Tensor, samples indices: Indices, buffers: BatchBuffers) throws -> Tensor {
            let width = table.shape[1]
            let rows = buffers.frozenBaseRows(count: indices.count, width: width)
            table.withUnsafeBufferPointer { tableValues in
                rows.withUnsafeMutableBufferPointer { rowValues in
                    guard let source = tableValues.baseAddress, let destination = rowValues.baseAddress else { return }
                    if let range = indices as? Range<Int> {
                        destination.update(from: source + range.lowerBound &* width, count: range.count &* width)
                    } else {
                        for (slot, sample) in indices.enumerated() {
                            (destination + slot &* width).update(from: source + sample &* width, count: width)
                        }
                    }
                }
            }
            let firstOutput = try layer.forward(input, frozenBaseOutput: rows)
            return try model.forward(firstOutput, fromLayer: 1)
        }
    }

    /// Whether `other` is this table's data set (the same stored pixels).
    public func serves(_ other: LabeledImages) -> Bool {
        guard other.count == data.count, other.pixelsPerImage == data.pixelsPerImage else { return false }
        let mine = data.pixels.withUnsafeBufferPointer { $0.baseAddress }
        let theirs = other.pixels.withUnsafeBufferPointer { $0.baseAddress }
        return mine == theirs
    }

    /// The table for `model`, computed now if it is missing or stale; nil when the model's
    /// first layer is not an adapter over a frozen base that can take a precomputed output,
    /// or when the table would exceed ``maximumBytes``.
    public func prepared(for model: any Module) throws -> Prepared? {
        guard let sequence = model as? LayerSequence, let layer = sequence.orderedLayers.first as? any AdapterLayer,
              !layer.isMerged, !layer.base.weight.requiresGradient, !(layer.base.bias?.requiresGradient ?? false),
              data.count > 0, data.pixelsPerImage == layer.base.inFeatures
        else { return nil }
        let (elements, overflow) = data.count.multipliedReportingOverflow(by: layer.base.outFeatures)
        guard !overflow, elements <= Self.maximumBytes / MemoryLayout<Float>.stride else { return nil }
        let values: Tensor
        if let kept, kept.layer === layer, kept.weight === layer.base.weight, kept.bias === layer.base.bias,
           kept.weightVersion == layer.base.weight.contentVersion, kept.biasVersion == layer.base.bias?.contentVersion {
            values = kept.values
        } else {
            // Another layer (LoRA and DoRA keep different products), other weight tensors or
            // weights written in place: never reuse the old table. A layer without a frozen
            // product is remembered as an empty (rank-1) table.
            values = try fill(for: layer) ?? Tensor(zeros: [0])
            kept = KeptTable(layer: layer, weight: layer.base.weight, bias: layer.base.bias,
                             weightVersion: layer.base.weight.contentVersion, biasVersion: layer.base.bias?.contentVersion, values: values)
        }
        guard values.shape.rank == 2 else { return nil }
        return Prepared(layer: layer, model: sequence, table: values)
    }

    /// `frozenBaseOutput` of every sample, in batches of ``fillBatchSize`` (each product
    /// splits itself over two threads; batches on the worker thread would leave their buffers
    /// in its pool); nil when the layer has none.
    private func fill(for layer: any AdapterLayer) throws -> Tensor? {
        let count = data.count, batchSize = Self.fillBatchSize, width = layer.base.outFeatures
        let values = Tensor(zeros: [count, width])
        let buffers = BatchBuffers(batchSize: batchSize)
        let filled = try values.withUnsafeMutableBufferPointer { tableValues in
            try withoutGradients {
                for start in stride(from: 0, to: count, by: batchSize) {
                    let end = min(start + batchSize, count)
                    let (input, _) = buffers.load(start..<end, from: data)
                    guard let output = try layer.frozenBaseOutput(input), output.shape == Shape([end - start, width]) else {
                        return false
                    }
                    output.withUnsafeBufferPointer { batchValues in
                        _ = UnsafeMutableBufferPointer(rebasing: tableValues[start &* width..<end &* width])
                            .update(fromContentsOf: batchValues)
                    }
                }
                return true
            }
        }
        return filled ? values : nil
    }
}
