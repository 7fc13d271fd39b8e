import Foundation

/// How `lora finetune`, `evaluate`, `predict` and `experiment` choose between the MLP and
/// a text model: a `--model` that names an existing directory (a Hugging Face model folder)
/// selects the text command of the same name (`lora text <command>`); anything else keeps
/// the MLP command, unchanged. `experiment` has no `--model` for the MLP, so any `--model`
/// selects the text experiment.
enum TextCommandRouting {
    /// The subcommands that exist for both kinds of model.
    static let sharedCommands: Set<String> = ["finetune", "evaluate", "predict", "experiment"]

    /// `arguments` rewritten to the text command when they select it, else unchanged.
    static func route(_ arguments: [String]) -> [String] {
        guard let command = arguments.first, sharedCommands.contains(command),
              let model = modelArgument(in: arguments.dropFirst()) else { return arguments }
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory)
        guard command == "experiment" || (exists && isDirectory.boolValue) else { return arguments }
        return [TextCommand.configuration.commandName ?? "text"] + arguments
    }

    /// The value of `--model` (`--model X` or `--model=X`) before any `--` terminator.
    static func modelArgument(in arguments: ArraySlice<String>) -> String? {
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            if argument == "--" { return nil }
            if argument == "--model" { return index + 1 < arguments.endIndex ? arguments[index + 1] : nil }
            if argument.hasPrefix("--model=") { return String(argument.dropFirst("--model=".count)) }
            index += 1
        }
        return nil
    }
}
