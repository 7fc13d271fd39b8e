import ArgumentParser
import Collectives
import Foundation

/// The `lora` command: LoRA and DoRA fine-tuning of MLPs on MNIST-format data, and of text
/// classifiers on Hugging Face BERT model folders, with checkpoints and adapters in
/// PyTorch's and PEFT's file formats.
public struct LoRACommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "lora",
        abstract: "Pretrain a multilayer perceptron or take a pretrained text encoder, fine-tune it with LoRA or DoRA, and compare.",
        discussion: """
            Checkpoints are safetensors state dicts with PyTorch's key names; adapters are \
            Hugging Face PEFT adapter directories. Run 'lora experiment' for the whole reference experiment. \
            With --model naming a Hugging Face model folder (a directory), 'finetune', 'evaluate', 'predict' and \
            'experiment' work on texts: see 'lora text --help'.
            """,
        subcommands: [
            ExperimentCommand.self, TrainCommand.self, FineTuneCommand.self, EvaluateCommand.self,
            MergeCommand.self, PredictCommand.self, InspectCommand.self, DataCommand.self,
            TextCommand.self, EmbedCommand.self,
        ])

    public init() {}

    /// Parses `arguments` (without the program name), runs the command, and returns the
    /// process exit code. Errors go to standard error as `error: …`; help goes to
    /// standard output.
    public static func run(arguments: [String]) -> Int32 {
        do {
            var command = try parseAsRoot(TextCommandRouting.route(arguments))
            try command.run()
            ProcessLaunch.finish()
            return 0
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                ProcessLaunch.finish()
                return 0
            }
            // One rank of a data-parallel job: name it, and end every rank (MPI_Abort) rather
            // than leave the others waiting for this one in a collective.
            let rankPrefix = ProcessLaunch.announcedRank.flatMap { $0.size > 1 ? "rank \($0.rank) of \($0.size): " : nil } ?? ""
            Console.error(rankPrefix + message(for: error))
            let status = code.rawValue == 0 ? 1 : code.rawValue
            ProcessLaunch.abortJobIfDistributed(exitCode: status)
            return status
        }
    }
}
