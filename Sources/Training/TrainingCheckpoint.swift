import Adapters
import Foundation
import NN
import Optimizers
import SafeTensors
import TensorCore

/// A checkpoint could not be written, read or applied.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    /// The checkpoint was made by a run with other settings or another model.
    case settingsDiffer(path: String, saved: String, current: String)
    /// A tensor or metadata entry the run needs is absent or malformed.
    case malformed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .settingsDiffer(path, saved, current):
            return "\(path) was written by a run with different settings (\(saved)); this run has \(current). Use the same flags to resume, or another --checkpoint-dir."
        case let .malformed(path, reason):
            return "\(path) is not a usable checkpoint: \(reason)."
        }
    }
}

/// The state of a training run after a whole epoch, in one safetensors file
/// (`checkpoint.safetensors`, replaced atomically after every epoch):
///
/// - `parameter.<key>`: every trainable parameter (`layers.0.weight`, or the adapter
///   tensors `layers.0.lora_A.weight` … when fine-tuning a frozen base);
/// - `optimizer.<index>.exp_avg` / `.exp_avg_sq`: Adam's moments;
/// - metadata: `epoch`, `optimizer_step`, `applied_updates` (the learning-rate schedule's
///   position; absent in older checkpoints, then `optimizer_step`), `shuffle_rng` and one
///   `dropout_rng.<path>` per stochastic module (`NN.StochasticModule`: each adapter and
///   `Dropout` layer; xoshiro256** states as four hex words), and `settings`, a description
///   of the run that must match on resume.
///
/// Restoring all of it makes a resumed run compute exactly what an uninterrupted run
/// computes, bit for bit, on the same machine.
public enum TrainingCheckpoint {
    public static let fileName = "checkpoint.safetensors"

    /// Writes the checkpoint of `model` trained by `trainer` with `optimizer`.
    public static func save(model: any Module, trainer: Trainer, optimizer: any CheckpointableOptimizer,
                            settings: String, to directory: String) throws {
        try save(model: model, loop: trainer.loop, optimizer: optimizer, settings: settings, to: directory)
    }

    /// Writes the checkpoint of `model` trained by `loop` (any batch type) with `optimizer`.
    public static func save<Batch>(model: any Module, loop: TrainingLoop<Batch>, optimizer: any CheckpointableOptimizer,
                                   settings: String, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        AtomicFileWriter.removeStaleTemporaryFiles(forPath: directory + "/" + fileName)
        var metadata = [
            "epoch": String(loop.completedEpochs),
            "optimizer_step": String(optimizer.stepCount),
            "applied_updates": String(loop.appliedUpdates),
            "shuffle_rng": encode(loop.generator),
            "settings": settings,
        ]
        for (path, generator) in model.namedGenerators() {
            metadata["dropout_rng." + path] = encode(generator)
        }
        var writer = SafeTensorsWriter(metadata: metadata)
        for (key, parameter) in model.namedParameters() where parameter.requiresGradient {
            try parameter.withUnsafeBufferPointer { values in
                try writer.addTensor(named: "parameter." + key, shape: parameter.shape.dimensions, floats: values)
            }
        }
        try optimizer.withStateBuffers { name, buffer in
            try writer.addTensor(named: "optimizer." + name, shape: [buffer.count], floats: UnsafeBufferPointer(buffer))
        }
        try writer.write(toPath: directory + "/" + fileName)
    }

    /// Whether `directory` holds a checkpoint.
    public static func exists(in directory: String) -> Bool {
        FileManager.default.fileExists(atPath: directory + "/" + fileName)
    }

    /// Restores `model`, `trainer` and `optimizer` from the checkpoint in `directory`;
    /// returns the number of completed epochs. Everything is checked before anything is
    /// changed.
    @discardableResult
    public static func restore(model: any Module, trainer: Trainer, optimizer: any CheckpointableOptimizer,
                               settings: String, from directory: String) throws -> Int {
        try restore(model: model, loop: trainer.loop, optimizer: optimizer, settings: settings, from: directory)
    }

    /// Restores `model`, `loop` (any batch type) and `optimizer` from the checkpoint in
    /// `directory`; returns the number of completed epochs. Everything is checked before
    /// anything is changed.
    @discardableResult
    public static func restore<Batch>(model: any Module, loop: TrainingLoop<Batch>, optimizer: any CheckpointableOptimizer,
                                      settings: String, from directory: String) throws -> Int {
        let path = directory + "/" + fileName
        let file = try SafeTensorsFile(path: path)
        let saved = file.metadata["settings"] ?? "none"
        guard saved == settings else { throw CheckpointError.settingsDiffer(path: path, saved: saved, current: settings) }
        guard let epoch = file.metadata["epoch"].flatMap(Int.init), epoch >= 0,
              let step = file.metadata["optimizer_step"].flatMap(Int.init), step >= 0,
              let shuffle = file.metadata["shuffle_rng"].flatMap(decode) else {
            throw CheckpointError.malformed(path: path, reason: "the epoch, optimizer step or generator state is missing")
        }
        let appliedUpdates = file.metadata["applied_updates"].flatMap(Int.init) ?? step
        guard appliedUpdates >= 0 else { throw CheckpointError.malformed(path: path, reason: "the applied update count is negative") }
        var dropoutGenerators: [String: RandomGenerator] = [:]
        for (modulePath, _) in model.namedGenerators() {
            guard let generator = file.metadata["dropout_rng." + modulePath].flatMap(decode) else {
                throw CheckpointError.malformed(path: path, reason: "no dropout generator state for '\(modulePath)'")
            }
            dropoutGenerators[modulePath] = generator
        }
        let trainable = model.namedParameters().filter { $0.parameter.requiresGradient }
        var expected = trainable.map { ("parameter." + $0.key, $0.parameter.shape.dimensions) }
        optimizer.withStateBuffers { name, buffer in expected.append(("optimizer." + name, [buffer.count])) }
        for (key, shape) in expected {
            guard file.contains(key) else { throw CheckpointError.malformed(path: path, reason: "tensor '\(key)' is missing") }
            guard try file.info(named: key).shape == shape else {
                throw CheckpointError.malformed(path: path, reason: "tensor '\(key)' does not have shape \(shape)")
            }
        }

        for (key, parameter) in trainable {
            try parameter.withUnsafeMutableBufferPointer { try file.copyFloats(named: "parameter." + key, into: $0) }
        }
        try optimizer.withStateBuffers { name, buffer in try file.copyFloats(named: "optimizer." + name, into: buffer) }
        optimizer.stepCount = step
        loop.restore(completedEpochs: epoch, generator: shuffle, appliedUpdates: appliedUpdates)
        try model.restoreGenerators(dropoutGenerators)
        return epoch
    }

    static func encode(_ generator: RandomGenerator) -> String {
        let (a, b, c, d) = generator.state
        return [a, b, c, d].map { String($0, radix: 16) }.joined(separator: ",")
    }

    static func decode(_ text: String) -> RandomGenerator? {
        let words = text.split(separator: ",").compactMap { UInt64($0, radix: 16) }
        guard words.count == 4, words.contains(where: { $0 != 0 }) else { return nil }
        return RandomGenerator(state: (words[0], words[1], words[2], words[3]))
    }
}
