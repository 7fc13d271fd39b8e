import Collectives
import Datasets
import Foundation
import Training

/// What a training command does differently when started by `mpirun` as one of several
/// ranks: it trains its share (``Training/TrainingSession/processGroup``), writes nothing
/// unless it is rank 0 (``OutputOptions/forRank(of:)``), and first checks that every rank was
/// given the same options, model file, data and checkpoint (``checkAgreement(modelPath:data:checkpoint:)``).
struct DataParallelRun {
    let group: any ProcessGroup

    /// The group this process was launched in (one process without `mpirun`).
    init() throws {
        group = try ProcessLaunch.processGroup()
    }

    /// Whether this process writes files, logs and progress (rank 0).
    var isWriter: Bool { group.isWriter }

    /// An evaluator whose passes are split over the ranks.
    func evaluator() -> Evaluator {
        let evaluator = Evaluator()
        evaluator.processGroup = group
        return evaluator
    }

    /// Throws ``Collectives/CollectivesError/ranksDisagree(component:ranks:size:)`` unless every
    /// rank has the same command-line arguments, the same bytes in `modelPath` (when given),
    /// the same training and test data, and the same checkpoint to resume from (when
    /// `checkpoint` names a directory with one). A collective call: every rank makes it.
    func checkAgreement(modelPath: String? = nil, data: MNISTFormatDataset, checkpoint: CheckpointOptions?) throws {
        guard group.isDistributed else { return }
        var fingerprint = RunFingerprint()
        fingerprint.add("options", text: CommandLine.arguments.dropFirst().joined(separator: "\u{0}"))
        if let modelPath {
            fingerprint.add("model file", bytes: (try? Data(contentsOf: URL(fileURLWithPath: modelPath))) ?? Data())
        }
        var dataHash = RunFingerprint.hash(data.train.pixels)
        dataHash = RunFingerprint.hash(data.train.labels, startingFrom: dataHash)
        dataHash = RunFingerprint.hash(data.test.pixels, startingFrom: dataHash)
        dataHash = RunFingerprint.hash(data.test.labels, startingFrom: dataHash)
        fingerprint.add("data", bytes: withUnsafeBytes(of: dataHash.littleEndian) { Array($0) })
        var checkpointBytes = Data()
        if let checkpoint, checkpoint.resume, let directory = checkpoint.checkpointDir, TrainingCheckpoint.exists(in: directory) {
            checkpointBytes = (try? Data(contentsOf: URL(fileURLWithPath: directory + "/" + TrainingCheckpoint.fileName))) ?? Data()
        }
        fingerprint.add("checkpoint to resume", bytes: checkpointBytes)
        try group.checkAgreement(fingerprint)
    }
}

extension OutputOptions {
    /// These options on rank 0; on every other rank, quiet and writing no JSON, metrics or
    /// report, so that a job's files and logs are written once.
    func forRank(of run: DataParallelRun) -> OutputOptions {
        guard !run.isWriter else { return self }
        var silent = self
        silent.quiet = true
        silent.json = nil
        silent.metrics = nil
        silent.report = nil
        return silent
    }
}
