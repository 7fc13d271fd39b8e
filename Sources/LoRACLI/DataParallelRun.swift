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
        addOptions(to: &fingerprint)
        if let modelPath {
            fingerprint.add("model file", bytes: (try? Data(contentsOf: URL(fileURLWithPath: modelPath))) ?? Data())
        }
        var dataHash = RunFingerprint.hash(data.train.pixels)
        dataHash = RunFingerprint.hash(data.train.labels, startingFrom: dataHash)
        dataHash = RunFingerprint.hash(data.test.pixels, startingFrom: dataHash)
        dataHash = RunFingerprint.hash(data.test.labels, startingFrom: dataHash)
        fingerprint.add("data", bytes: withUnsafeBytes(of: dataHash.littleEndian) { Array($0) })
        addCheckpoint(checkpoint, to: &fingerprint)
        try group.checkAgreement(fingerprint)
    }

    /// The text commands' start-up check: throws ``Collectives/CollectivesError/ranksDisagree(component:ranks:size:)``
    /// unless every rank has the same command-line arguments, the same files (names and bytes)
    /// in the model folder `modelFolder`, the same bytes in each of `dataFiles`, and the same
    /// checkpoint to resume from. A collective call: every rank makes it.
    func checkAgreement(modelFolder: String, dataFiles: [String], checkpoint: CheckpointOptions?) throws {
        guard group.isDistributed else { return }
        var fingerprint = RunFingerprint()
        addOptions(to: &fingerprint)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: modelFolder)) ?? []).sorted()
        var folderHash = RunFingerprint.hash(Array(names.joined(separator: "\u{0}").utf8))
        for name in names {
            folderHash = RunFingerprint.hash(Self.contents(of: modelFolder + "/" + name), startingFrom: folderHash)
        }
        fingerprint.add("model folder files", bytes: withUnsafeBytes(of: folderHash.littleEndian) { Array($0) })
        var dataHash = RunFingerprint.hash([UInt8]())
        for file in dataFiles { dataHash = RunFingerprint.hash(Self.contents(of: file), startingFrom: dataHash) }
        fingerprint.add("data", bytes: withUnsafeBytes(of: dataHash.littleEndian) { Array($0) })
        addCheckpoint(checkpoint, to: &fingerprint)
        try group.checkAgreement(fingerprint)
    }

    private func addOptions(to fingerprint: inout RunFingerprint) {
        fingerprint.add("options", text: CommandLine.arguments.dropFirst().joined(separator: "\u{0}"))
    }

    private func addCheckpoint(_ checkpoint: CheckpointOptions?, to fingerprint: inout RunFingerprint) {
        var checkpointBytes = Data()
        if let checkpoint, checkpoint.resume, let directory = checkpoint.checkpointDir, TrainingCheckpoint.exists(in: directory) {
            checkpointBytes = Self.contents(of: directory + "/" + TrainingCheckpoint.fileName)
        }
        fingerprint.add("checkpoint to resume", bytes: checkpointBytes)
    }

    /// The bytes of the regular file at `path`; empty for a folder or an unreadable file
    /// (a rank that cannot read what another can then disagrees).
    private static func contents(of path: String) -> Data {
        (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
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
