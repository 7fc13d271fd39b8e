import ArgumentParser

/// `lora text …`: the commands on a Hugging Face model folder. `lora finetune`, `evaluate`,
/// `predict` and `experiment` come here by themselves when `--model` names a directory
/// (see ``TextCommandRouting``).
struct TextCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text",
        abstract: "Text classification on a Hugging Face BERT model folder: linear probe, LoRA and DoRA.",
        discussion: """
            'lora finetune', 'evaluate', 'predict' and 'experiment' run these commands when --model names a \
            directory (a Hugging Face model folder with config.json, model.safetensors and vocab.txt or tokenizer.json), \
            so 'lora finetune --model DIR …' is 'lora text finetune --model DIR …'. Data: CSV with a header row, or JSON Lines.
            """,
        subcommands: [TextExperimentCommand.self, TextFineTuneCommand.self, TextEvaluateCommand.self, TextPredictCommand.self])
}
