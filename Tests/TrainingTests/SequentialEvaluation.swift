import Datasets
import NN
import TensorCore
import Training

/// What ``Training/Evaluator`` should report for `model` on `images`, computed the plain
/// way: one batch after another on the calling thread, through the model's own forward.
func sequentialEvaluation(_ model: any Module, on images: LabeledImages, batchSize: Int) throws -> (accuracy: Double, loss: Double) {
    var correct = 0
    var totalLoss: Double = 0
    try withoutGradients {
        var start = 0
        while start < images.count {
            let end = min(start + batchSize, images.count)
            var pixels = [Float](repeating: 0, count: (end - start) * images.pixelsPerImage)
            var labels = [Int](repeating: 0, count: end - start)
            pixels.withUnsafeMutableBufferPointer { p in
                labels.withUnsafeMutableBufferPointer { l in images.writeBatch(start..<end, pixels: p, labels: l) }
            }
            let logits = try model(Tensor(shape: [end - start, images.pixelsPerImage], values: pixels))
            correct += Evaluator.correctPredictions(logits: logits, labels: labels[...])
            totalLoss += Double(try Tensor.crossEntropy(logits: logits, targets: labels[...]).scalarValue) * Double(end - start)
            start = end
        }
    }
    return (Double(correct) / Double(images.count), totalLoss / Double(images.count))
}
