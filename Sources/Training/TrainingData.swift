/// A data set the training loop draws mini-batches from: images and labels today, token
/// ids and masks next. The loop only chooses which samples form a batch and counts them;
/// what a batch holds is for the caller's forward, loss and metrics
/// (``TrainingObjective``) to read.
public protocol TrainingData {
    /// What one mini-batch holds; the loop passes it on without inspecting it.
    associatedtype Batch

    /// The number of samples, indexed `0..<sampleCount`.
    var sampleCount: Int { get }

    /// The batch of samples `indices`, in that order. It may live in buffers that the next
    /// call reuses: the loop finishes with a batch before loading the next.
    func loadBatch<Indices: Collection<Int>>(samples indices: Indices) throws -> Batch
}
