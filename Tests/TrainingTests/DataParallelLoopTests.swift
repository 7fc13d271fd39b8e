import Collectives
import Datasets
import NN
import Optimizers
import Testing
import TensorCore
import Training

/// The training loop and the evaluators split over ranks (threads of this process standing
/// in for MPI's processes, ``ThreadedProcessGroup``): the same updates on every rank, the
/// results of one process up to rounding, evaluation bit-identical.
@Suite("Data-parallel training loop and evaluation (ranks as threads)")
struct DataParallelLoopTests {
    struct Outcome: Sendable {
        let parameters: [Float]
        let meanLosses: [Double]
        let correct: [Double]
        let appliedUpdates: Int
    }

    /// Two shuffled epochs of Adam on `data` over a 784-12-10 MLP, as rank `group.rank` (or one process).
    static func train(_ data: LabeledImages, batchSize: Int, accumulation: Int, clipping: Float?, group: (any ProcessGroup)?) throws -> Outcome {
        var generator = RandomGenerator(seed: 5)
        let model = MLP(layerSizes: [784, 12, 10], using: &generator)
        let loop = try TrainingLoop(parameters: model.namedParameters(),
                                    optimizer: Adam(parameters: model.trainableParameters(), learningRate: 0.01),
                                    objective: .classification { try model($0.input) }, batchSize: batchSize,
                                    gradientAccumulationSteps: accumulation, shufflesEachEpoch: true, generator: RandomGenerator(seed: 9))
        loop.maximumGradientNorm = clipping
        if let group { loop.processGroup = group }
        let batches = LabeledImageBatches(images: data, batchSize: batchSize)
        var losses: [Double] = [], correct: [Double] = []
        for _ in 0..<2 {
            let report = try loop.trainEpoch(on: batches)
            losses.append(report.meanLoss)
            correct.append(report.metricTotals["correct"] ?? -1)
        }
        return Outcome(parameters: model.trainableParameters().flatMap(\.scalars), meanLosses: losses, correct: correct,
                       appliedUpdates: loop.appliedUpdates)
    }

    /// (ranks, batch size, accumulation, clipping): even and uneven shares, an uneven last
    /// batch (250 = 3·64 + 58; 250 = 5·48 + 10), accumulation with a short last update, and
    /// batches of 2 over 3 ranks (rank 0's share is always empty). Within 1e-4 of the largest
    /// parameter (the bound; 250 Adam updates of batches of 2 reach 1.5e-5).
    @Test(arguments: [(2, 64, 1, nil), (3, 48, 2, Float(0.5)), (3, 2, 1, nil)] as [(Int, Int, Int, Float?)])
    func ranksTrainLikeOneProcessAndStayIdentical(ranks: Int, batchSize: Int, accumulation: Int, clipping: Float?) throws {
        let data = try TrainingLoopTests.firstSamples(250)
        let single = try Self.train(data, batchSize: batchSize, accumulation: accumulation, clipping: clipping, group: nil)
        let parallel = try ThreadedProcessGroup.run(ranks: ranks) { group in
            try Self.train(data, batchSize: batchSize, accumulation: accumulation, clipping: clipping, group: group)
        }
        for outcome in parallel.dropFirst() {
            #expect(outcome.parameters == parallel[0].parameters, "the ranks' parameters differ")
            #expect(outcome.meanLosses == parallel[0].meanLosses && outcome.correct == parallel[0].correct)
        }
        let largest = single.parameters.map { abs($0) }.max() ?? 0
        let difference = zip(single.parameters, parallel[0].parameters).map { abs($0 - $1) }.max() ?? .infinity
        #expect(largest > 0)
        #expect(difference <= 1e-4 * largest, "largest difference \(difference), largest parameter \(largest)")
        #expect(parallel[0].appliedUpdates == single.appliedUpdates)
        for (one, many) in zip(single.meanLosses, parallel[0].meanLosses) {
            #expect(abs(one - many) <= 1e-5 * one, "mean losses \(one) and \(many)")
        }
        for (one, many) in zip(single.correct, parallel[0].correct) {
            #expect(abs(one - many) <= 1, "correct predictions \(one) and \(many)")
        }
    }

    @Test func evaluationSplitOverRanksIsBitIdenticalToOneProcess() throws {
        let data = try TrainingLoopTests.firstSamples(250)
        var generator = RandomGenerator(seed: 3)
        let model = MLP(layerSizes: [784, 12, 10], using: &generator)
        let parameters = model.trainableParameters().map(\.scalars)
        let single = try Evaluator(batchSize: 16).evaluate(model, on: data)
        let loopSingle = try TrainingLoopTests.loop(model, batchSize: 16).evaluate(on: LabeledImageBatches(images: data, batchSize: 16))
        for ranks in [2, 3, 5] {
            let results = try ThreadedProcessGroup.run(ranks: ranks) { group in
                var copyGenerator = RandomGenerator(seed: 0)
                let copy = MLP(layerSizes: [784, 12, 10], using: &copyGenerator)
                for (parameter, values) in zip(copy.trainableParameters(), parameters) {
                    try parameter.assign(Tensor(shape: parameter.shape, values: values))
                }
                let evaluator = try Evaluator(batchSize: 16)
                evaluator.processGroup = group
                let loop = try TrainingLoopTests.loop(copy, batchSize: 16)
                loop.processGroup = group
                return (try evaluator.evaluate(copy, on: data), try loop.evaluate(on: LabeledImageBatches(images: data, batchSize: 16)))
            }
            for (evaluation, loopEvaluation) in results {
                #expect(evaluation == single, "\(ranks) ranks")
                #expect(loopEvaluation == loopSingle, "\(ranks) ranks")
            }
        }
    }

    @Test func ranksAboveZeroDrawDropoutMasksFromTheirOwnStreams() throws {
        func model() throws -> Sequential {
            var generator = RandomGenerator(seed: 4)
            return Sequential([Linear(inFeatures: 3, outFeatures: 3, using: &generator), try Dropout(probability: 0.5, using: &generator)])
        }
        let groups = ThreadedProcessGroup.ranks(3)
        let original = try model().namedGenerators().map(\.generator)
        let first = try model(), second = try model(), rankZero = try model()
        try first.separateRandomStreams(for: groups[1])
        try second.separateRandomStreams(for: groups[2])
        try rankZero.separateRandomStreams(for: groups[0])
        #expect(rankZero.namedGenerators().map(\.generator) == original, "rank 0 keeps the generators a checkpoint saves")
        #expect(first.namedGenerators().map(\.generator) != original)
        #expect(first.namedGenerators().map(\.generator) != second.namedGenerators().map(\.generator))
        let again = try model()
        try again.separateRandomStreams(for: groups[1])
        #expect(again.namedGenerators().map(\.generator) == first.namedGenerators().map(\.generator), "the derivation repeats")
        let alone = try model()
        try alone.separateRandomStreams(for: SingleProcessGroup())
        #expect(alone.namedGenerators().map(\.generator) == original)
    }
}
