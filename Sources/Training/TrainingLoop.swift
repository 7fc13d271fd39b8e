import Collectives
import Optimizers
import TensorCore

/// The mini-batch training loop for any data, model and loss. One optimiser update, top to
/// bottom:
///
/// ```
/// for each of the update's micro-batches k (1 …, gradientAccumulationSteps):
///     output = objective.forward(batch_k);  L_k = objective.loss(output, batch_k)
///     metrics += objective.metrics(output, batch_k)
///     clear gradients (first micro-batch only)
///     backward of L_k · n_k / n   (n_k samples in micro-batch k, n in the update; skipped for a non-finite L_k)
/// gradientHook(gradients)        (e.g. an all-reduce across processes)
/// clip to maximumGradientNorm    (global 2-norm, torch.nn.utils.clip_grad_norm_)
/// non-finite check               (a non-finite loss or gradient: skip or stop, see NonFiniteValuePolicy)
/// optimizer.learningRate = learningRateSchedule(s)   (s = updates applied so far, from 0)
/// optimizer.step();  s += 1
/// ```
///
/// Weighting each micro-batch's mean loss by its share of the update's samples makes the
/// accumulated gradient the gradient of the mean loss over all `n` samples, the same as one
/// batch of `n` (up to rounding). An epoch's last update takes the micro-batches that remain,
/// so no accumulation carries over from one epoch to the next (checkpoints are taken between
/// epochs). The hook runs before clipping and the non-finite check, so processes that
/// exchange gradients in it all see the same values and make the same decision.
///
/// Batches are taken in order, or in a fresh permutation each epoch when shuffling (drawn
/// from ``generator``, so a seeded run repeats exactly).
///
/// Data-parallel: with a ``processGroup`` of `N` ranks (every rank running the same loop
/// with the same seed), each rank computes only its consecutive share of every batch
/// (``Collectives/ProcessGroup/share(of:)``: samples `⌊n_k·r/N⌋ ..< ⌊n_k·(r+1)/N⌋` of a batch
/// of `n_k`), weighting its mean loss by `n_{k,r} / n` as above, so that the sum over ranks
/// of the weighted gradients is the gradient of the mean loss over the whole update, an
/// uneven last batch included. Before the hook, one all-reduce (sum) over a single flat
/// buffer combines, per update, the gradients, every micro-batch's loss (`Σ_r L_{k,r}·n_{k,r}/n_k`),
/// the metric totals and the non-finite-loss flag; every rank then clips, checks and steps
/// on the same values, so the parameters stay identical on every rank. ``batchSize`` stays
/// the global batch: results do not depend on `N` beyond the rounding of the split sums.
public final class TrainingLoop<Batch> {
    public let optimizer: any Optimizer
    public var objective: TrainingObjective<Batch>
    /// Samples per micro-batch.
    public let batchSize: Int
    /// Micro-batches whose gradients are summed (loss-weighted) before each update.
    public let gradientAccumulationSteps: Int
    public let shufflesEachEpoch: Bool
    /// The generator shuffling uses; saved with a checkpoint to resume a run exactly.
    public var generator: RandomGenerator
    /// Epochs completed so far.
    public private(set) var completedEpochs = 0
    /// What to do with a NaN or infinite loss or gradient.
    public var nonFiniteValuePolicy: NonFiniteValuePolicy = .stop
    /// Batches (micro-batches) attempted so far in this process: the step numbers in errors.
    public private(set) var stepsAttempted = 0
    /// Updates applied so far: the learning-rate schedule's position, saved in checkpoints.
    public private(set) var appliedUpdates = 0
    /// When set, the optimiser's learning rate is set from it before every update.
    public var learningRateSchedule: LearningRateSchedule?
    /// When set, gradients are clipped to this global 2-norm before every update (must be positive).
    public var maximumGradientNorm: Float?
    /// Runs on the accumulated gradients before clipping and the non-finite check of every
    /// update; it may rewrite them (``TrainableGradients/withFlatBuffer(_:)``) and combine
    /// ``TrainableGradients/hasNonFiniteLoss`` across processes. An error stops the run.
    public var gradientHook: ((TrainableGradients) throws -> Void)?
    /// The trainable parameters' gradients, in the order of the names given at creation.
    public let gradients: TrainableGradients
    /// The processes sharing every batch (see the type's documentation); one process by
    /// default. Set it before training; every rank must use the same settings and seed.
    public var processGroup: any ProcessGroup = SingleProcessGroup()
    /// The global gradient norm before clipping of the last update (nil without clipping).
    public private(set) var lastGradientNorm: Double?
    /// Each metric's value on the last batch, in ``TrainingObjective/metrics`` order.
    public private(set) var lastMetricValues: [Double]

    private let parameterNames: [String]
    private var order: [Int] = []
    private var microBatchesInUpdate = 0
    private var firstNonFiniteLoss: Float?
    /// This update's micro-batch losses, each weighted by this process's share of its batch
    /// (the batch losses themselves after ``applyGradients(epoch:batch:)``).
    private var groupLosses: [Float]
    /// This update's metric totals (over all processes after ``applyGradients(epoch:batch:)``).
    private var groupMetrics: [Double]
    /// The values exchanged after the gradients: losses, metrics, the non-finite flag.
    private var exchangedValues: [Float]

    /// A loop updating `parameters` (the trainable ones are taken, named for errors) with
    /// `optimizer`. Throws ``TrainingSettingError`` for a batch size or accumulation count below 1.
    public init(parameters: [(key: String, parameter: Tensor)], optimizer: any Optimizer, objective: TrainingObjective<Batch>,
                batchSize: Int, gradientAccumulationSteps: Int = 1, shufflesEachEpoch: Bool = false,
                generator: RandomGenerator = RandomGenerator(seed: 0)) throws(TrainingSettingError) {
        try TrainingSettingError.checkAtLeast(batchSize, 1, setting: "batchSize")
        try TrainingSettingError.checkAtLeast(gradientAccumulationSteps, 1, setting: "gradientAccumulationSteps")
        self.optimizer = optimizer
        self.objective = objective
        self.batchSize = batchSize
        self.gradientAccumulationSteps = gradientAccumulationSteps
        self.shufflesEachEpoch = shufflesEachEpoch
        self.generator = generator
        let trainable = parameters.filter { $0.parameter.requiresGradient }
        parameterNames = trainable.map(\.key)
        gradients = TrainableGradients(parameters: trainable.map(\.parameter),
                                       trailingCapacity: gradientAccumulationSteps + objective.metrics.count + 1)
        lastMetricValues = Array(repeating: 0, count: objective.metrics.count)
        groupLosses = Array(repeating: 0, count: gradientAccumulationSteps)
        groupMetrics = Array(repeating: 0, count: objective.metrics.count)
        exchangedValues = Array(repeating: 0, count: gradientAccumulationSteps + objective.metrics.count + 1)
    }

    /// Sets the position of a resumed run: epochs completed, the shuffling generator's state
    /// and the updates applied (the schedule's position).
    public func restore(completedEpochs: Int, generator: RandomGenerator, appliedUpdates: Int) {
        self.completedEpochs = completedEpochs
        self.generator = generator
        self.appliedUpdates = appliedUpdates
    }

    /// Forward, loss, metrics and backward of one micro-batch holding `sampleCount` samples
    /// of an update of `updateSampleCount`; its gradients are added to those of the update's
    /// earlier micro-batches. Returns the batch's (unweighted) loss. Data-parallel callers
    /// pass this process's share as `sampleCount`, the whole batch's size as
    /// `batchSampleCount` (default: `sampleCount`) and the whole update's as `updateSampleCount`.
    /// - Precondition: at most ``gradientAccumulationSteps`` micro-batches per update.
    public func accumulateGradients(on batch: Batch, sampleCount: Int, updateSampleCount: Int,
                                    batchSampleCount: Int? = nil) throws -> Float {
        stepsAttempted += 1
        let output = try objective.forward(batch)
        let loss = try objective.loss(output, batch)
        for (index, metric) in objective.metrics.enumerated() { lastMetricValues[index] = metric.measure(output, batch) }
        let slot = beginMicroBatch(sampleCount: sampleCount)
        let value = loss.scalarValue
        let batchSamples = batchSampleCount ?? sampleCount
        groupLosses[slot] = batchSamples == sampleCount ? value : value * Float(Double(sampleCount) / Double(batchSamples))
        for index in groupMetrics.indices { groupMetrics[index] += lastMetricValues[index] }
        guard value.isFinite else {
            if firstNonFiniteLoss == nil { firstNonFiniteLoss = value }
            gradients.hasNonFiniteLoss = true
            return value
        }
        guard !gradients.hasNonFiniteLoss else { return value }  // the update is lost already
        if sampleCount == updateSampleCount {
            loss.backward()
        } else {
            try (loss * Tensor(scalar: Float(Double(sampleCount) / Double(updateSampleCount)))).backward()
        }
        return value
    }

    /// Counts a micro-batch of which this process holds no sample (a batch smaller than the
    /// number of processes): it contributes nothing but takes part in the update.
    public func accumulateNoSamples() {
        stepsAttempted += 1
        let slot = beginMicroBatch(sampleCount: 0)
        groupLosses[slot] = 0
    }

    /// Starts a micro-batch (clearing the gradients on an update's first) and returns its
    /// index in the update.
    private func beginMicroBatch(sampleCount: Int) -> Int {
        if microBatchesInUpdate == 0 {
            optimizer.clearGradients()
            gradients.sampleCount = 0
            gradients.hasNonFiniteLoss = false
            firstNonFiniteLoss = nil
            for index in groupMetrics.indices { groupMetrics[index] = 0 }
        }
        precondition(microBatchesInUpdate < gradientAccumulationSteps, "more micro-batches than gradientAccumulationSteps in one update")
        microBatchesInUpdate += 1
        gradients.sampleCount += sampleCount
        return microBatchesInUpdate - 1
    }

    /// Ends an update: hook, clipping, non-finite check, learning rate, optimiser step.
    /// Returns false when a non-finite value skipped the update (``NonFiniteValuePolicy/skipBatch``);
    /// throws ``TrainingError`` when it stops the run. `epoch` and `batch` only label errors.
    @discardableResult
    public func applyGradients(epoch: Int = 0, batch: Int = 0) throws -> Bool {
        let microBatches = microBatchesInUpdate
        microBatchesInUpdate = 0
        if let maximumGradientNorm, !(maximumGradientNorm > 0) {
            throw TrainingSettingError.invalid(setting: "maximumGradientNorm", value: String(maximumGradientNorm), expected: "a positive number")
        }
        if processGroup.isDistributed { try combineAcrossProcesses(microBatches: microBatches) }
        try gradientHook?(gradients)
        lastGradientNorm = maximumGradientNorm.map { GradientClipping.clipByGlobalNorm(gradients.parameters, maxNorm: $0) }
        if gradients.hasNonFiniteLoss {
            optimizer.clearGradients()
            if nonFiniteValuePolicy == .skipBatch { return false }
            // NaN when only another process's loss was non-finite (combined by the hook).
            throw TrainingError.nonFiniteLoss(step: stepsAttempted, epoch: epoch, batch: batch, value: firstNonFiniteLoss ?? .nan)
        }
        if let parameter = firstNonFiniteGradient() {
            optimizer.clearGradients()
            if nonFiniteValuePolicy == .skipBatch { return false }
            throw TrainingError.nonFiniteGradient(step: stepsAttempted, epoch: epoch, batch: batch, parameter: parameter)
        }
        if let learningRateSchedule { optimizer.learningRate = learningRateSchedule.learningRate(atStep: appliedUpdates) }
        optimizer.step()
        appliedUpdates += 1
        return true
    }

    /// One update on samples `indices` of `data` as a single batch (no accumulation); with
    /// a ``processGroup`` of several ranks, this rank computes its share of `indices`.
    /// Returns the batch loss and whether the update was applied.
    @discardableResult
    public func step<Data: TrainingData, Indices: Collection<Int>>(on indices: Indices, of data: Data, epoch: Int = 0,
                                                                  batch: Int = 0) throws -> (loss: Float, applied: Bool)
    where Data.Batch == Batch {
        if processGroup.isDistributed {
            let positions = processGroup.share(of: 0..<indices.count)
            let local = indices.dropFirst(positions.lowerBound).prefix(positions.count)
            if local.isEmpty {
                accumulateNoSamples()
            } else {
                _ = try accumulateGradients(on: try data.loadBatch(samples: local), sampleCount: local.count,
                                            updateSampleCount: indices.count, batchSampleCount: indices.count)
            }
        } else {
            let loaded = try data.loadBatch(samples: indices)
            _ = try accumulateGradients(on: loaded, sampleCount: indices.count, updateSampleCount: indices.count)
        }
        let applied = try applyGradients(epoch: epoch, batch: batch)
        return (groupLosses[0], applied)
    }

    /// The one all-reduce of an update: `[gradients | losses | metrics | non-finite flag]`
    /// summed over the ranks in one flat buffer.
    private func combineAcrossProcesses(microBatches: Int) throws {
        let metricCount = groupMetrics.count
        for index in 0..<microBatches { exchangedValues[index] = groupLosses[index] }
        for index in 0..<metricCount { exchangedValues[microBatches + index] = Float(groupMetrics[index]) }
        exchangedValues[microBatches + metricCount] = gradients.hasNonFiniteLoss ? 1 : 0
        let count = microBatches + metricCount + 1
        try exchangedValues.withUnsafeMutableBufferPointer { values in
            try gradients.withFlatBuffer(appending: UnsafeMutableBufferPointer(rebasing: values[0..<count])) { flat in
                try processGroup.allReduceSum(flat)
            }
        }
        for index in 0..<microBatches { groupLosses[index] = exchangedValues[index] }
        for index in 0..<metricCount { groupMetrics[index] = Double(exchangedValues[microBatches + index]) }
        gradients.hasNonFiniteLoss = exchangedValues[microBatches + metricCount] > 0
    }

    /// The key of the first trainable parameter whose gradient holds NaN or infinity.
    private func firstNonFiniteGradient() -> String? {
        for (key, parameter) in zip(parameterNames, gradients.parameters) {
            if let gradient = parameter.gradient, !gradient.isAllFinite { return key }
        }
        return nil
    }

    /// One pass over `data`: updates of ``gradientAccumulationSteps`` batches (fewer at the
    /// end); `onStep` sees every batch's report after its update.
    @discardableResult
    public func trainEpoch<Data: TrainingData>(on data: Data, onStep: ((StepReport) -> Void)? = nil) throws -> EpochReport
    where Data.Batch == Batch {
        let epoch = completedEpochs + 1
        let count = data.sampleCount
        let batchCount = (count + batchSize - 1) / batchSize
        if shufflesEachEpoch {
            // A fresh permutation of 0..<count each epoch (as PyTorch's RandomSampler), so
            // that an epoch's order depends on the generator state alone.
            if order.count != count { order = Array(0..<count) }
            for index in order.indices { order[index] = index }
            generator.shuffle(&order)
        }
        var totalLoss: Double = 0
        var metricTotals = [Double](repeating: 0, count: objective.metrics.count)
        var skipped = 0
        var first = 0
        while first < batchCount {
            let end = min(first + gradientAccumulationSteps, batchCount)
            let updateSamples = min(end * batchSize, count) - first * batchSize
            for batchIndex in first..<end {
                let start = batchIndex * batchSize, stop = min(start + batchSize, count)
                let local = processGroup.share(of: start..<stop)
                if local.isEmpty {
                    accumulateNoSamples()
                    continue
                }
                let batch = shufflesEachEpoch ? try data.loadBatch(samples: order[local]) : try data.loadBatch(samples: local)
                _ = try accumulateGradients(on: batch, sampleCount: local.count, updateSampleCount: updateSamples,
                                            batchSampleCount: stop - start)
            }
            if try applyGradients(epoch: epoch, batch: end - 1) {
                for batchIndex in first..<end { totalLoss += Double(groupLosses[batchIndex - first]) }
                for index in metricTotals.indices { metricTotals[index] += groupMetrics[index] }
            } else {
                skipped += end - first
            }
            for batchIndex in first..<end {
                onStep?(StepReport(epoch: epoch, batchIndex: batchIndex, batchCount: batchCount, loss: groupLosses[batchIndex - first]))
            }
            first = end
        }
        completedEpochs = epoch
        var totals: [String: Double] = [:]
        for (metric, total) in zip(objective.metrics, metricTotals) { totals[metric.name] = total }
        return EpochReport(epoch: epoch, meanLoss: totalLoss / Double(max(batchCount - skipped, 1)),
                           runningAccuracy: (totals[BatchMetric<Batch>.correctPredictionsName] ?? 0) / Double(max(count, 1)),
                           batchCount: batchCount, skippedBatches: skipped, metricTotals: totals)
    }
}

/// The loss and metrics of a model over a data set, without training (``TrainingLoop/evaluate(on:)``).
public struct ObjectiveEvaluation: Sendable, Equatable {
    /// The mean of the per-sample losses: each batch's mean loss weighted by its size.
    public let meanLoss: Double
    /// Every metric's total over all samples, by name.
    public let metricTotals: [String: Double]
    public let sampleCount: Int
}

extension TrainingLoop {
    /// The objective's loss and metrics over every sample of `data` in order, in batches of
    /// ``batchSize``, without recording gradients; nothing is updated. Put the model in
    /// evaluation mode first (no dropout) if it has one. One thread; the image classifier's
    /// ``Evaluator`` is the two-thread path for ``LabeledImages``.
    ///
    /// With a ``processGroup`` of several ranks, each rank evaluates its consecutive share of
    /// the batches; every batch's loss and metrics are summed over the ranks (one value per
    /// batch, zero on the other ranks, so the sums are exact) and then added in batch order,
    /// so the result is bit-identical for every number of ranks.
    public func evaluate<Data: TrainingData>(on data: Data) throws -> ObjectiveEvaluation where Data.Batch == Batch {
        let count = data.sampleCount
        let batchCount = (count + batchSize - 1) / batchSize
        let width = 1 + objective.metrics.count
        // Per batch: its loss times its size, then each metric.
        var perBatch = [Double](repeating: 0, count: batchCount * width)
        try withoutGradients {
            for batchIndex in processGroup.share(of: 0..<batchCount) {
                let start = batchIndex * batchSize, end = min(start + batchSize, count)
                let batch = try data.loadBatch(samples: start..<end)
                let output = try objective.forward(batch)
                perBatch[batchIndex * width] = Double(try objective.loss(output, batch).scalarValue) * Double(end - start)
                for (index, metric) in objective.metrics.enumerated() { perBatch[batchIndex * width + 1 + index] = metric.measure(output, batch) }
            }
        }
        try perBatch.withUnsafeMutableBufferPointer { try processGroup.allReduceSum($0) }
        var totalLoss: Double = 0
        var totals = [Double](repeating: 0, count: objective.metrics.count)
        for batchIndex in 0..<batchCount {
            totalLoss += perBatch[batchIndex * width]
            for index in totals.indices { totals[index] += perBatch[batchIndex * width + 1 + index] }
        }
        var named: [String: Double] = [:]
        for (metric, total) in zip(objective.metrics, totals) { named[metric.name] = total }
        return ObjectiveEvaluation(meanLoss: totalLoss / Double(max(count, 1)), metricTotals: named, sampleCount: count)
    }
}

extension BatchMetric {
    /// The name of the correct-prediction count; ``EpochReport/runningAccuracy`` divides it by the sample count.
    public static var correctPredictionsName: String { "correct" }
}
