import ArgumentParser
import Foundation
import SafeTensors
import Training

/// Where a training command keeps its per-epoch checkpoint, and what it does with one it
/// finds there.
///
/// - A checkpoint in `--checkpoint-dir` is never replaced silently: without `--resume` the
///   command refuses unless `--overwrite` is given.
/// - `--resume` continues from the checkpoint and says so ("Resuming from DIR: epoch N of M
///   done"); with no checkpoint there it says "No checkpoint in DIR: starting from scratch"
///   and trains from the start (so that one command line serves a first run and its
///   restarts).
struct CheckpointOptions: ParsableArguments {
    @Option(name: .long, help: "Write a checkpoint here after every epoch.")
    var checkpointDir: String?

    @Flag(name: .long, help: "Continue from the checkpoint in --checkpoint-dir (from scratch, with a note, when there is none).")
    var resume: Bool = false

    @Flag(name: .long, help: "Replace a checkpoint already in --checkpoint-dir instead of refusing.")
    var overwrite: Bool = false

    func validate() throws {
        if let checkpointDir { try OutputPath.checkCreatableDirectory(checkpointDir, flag: "--checkpoint-dir") }
        if resume && checkpointDir == nil { throw ValidationError("--resume needs --checkpoint-dir.") }
        if overwrite && checkpointDir == nil { throw ValidationError("--overwrite needs --checkpoint-dir.") }
        if resume && overwrite { throw ValidationError("--resume and --overwrite exclude each other: keep the checkpoint or replace it.") }
    }

    /// Checks the directory before training starts: throws when it holds a checkpoint that
    /// would be overwritten, and returns the line to show about resuming (or `nil`).
    func prepare(totalEpochs: Int) throws -> String? {
        guard let directory = checkpointDir else { return nil }
        let exists = TrainingCheckpoint.exists(in: directory)
        if resume {
            guard exists else { return "No checkpoint in \(directory): starting from scratch." }
            let epoch = completedEpochs(in: directory).map { "epoch \($0) of \(totalEpochs) done" } ?? "epoch unknown"
            return "Resuming from \(directory)/\(TrainingCheckpoint.fileName): \(epoch)."
        }
        if exists && !overwrite {
            let epoch = completedEpochs(in: directory).map { " (after epoch \($0))" } ?? ""
            throw ValidationError("--checkpoint-dir '\(directory)' already holds a checkpoint\(epoch). "
                                  + "Pass --resume to continue it or --overwrite to replace it.")
        }
        return nil
    }

    /// The `epoch` recorded in the directory's checkpoint.
    private func completedEpochs(in directory: String) -> Int? {
        let file = try? SafeTensorsFile(path: directory + "/" + TrainingCheckpoint.fileName)
        return file?.metadata["epoch"].flatMap { Int($0) }
    }
}
