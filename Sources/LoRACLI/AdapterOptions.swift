import Adapters
import ArgumentParser

extension LoRAScaling: ExpressibleByArgument {}
extension LoRAInitialization: ExpressibleByArgument {}
extension DoRAMagnitudeAxis: ExpressibleByArgument {}

/// The adapter method.
enum AdapterMethod: String, ExpressibleByArgument, CaseIterable {
    case lora, dora
}

/// How adapters are built, spelled the same in `finetune` and `experiment`.
struct AdapterOptions: ParsableArguments {
    @Option(name: .long, parsing: .unconditional,
            help: "Rank r of A [r, in] and B [out, r]; at least 1 (PEFT allows r > min(in, out)). Default: 4; 8 for a Hugging Face --model.")
    var rank: Int?

    @Option(name: .long, parsing: .unconditional, help: "alpha in the scale of B·A. Default: 8; 16 for a Hugging Face --model.")
    var alpha: Float?

    @Option(name: .long, help: "The scale s of B·A: alphaOverRank (PEFT), alphaOverSquareRootOfRank (rsLoRA) or alpha (the notebook).")
    var scaling: LoRAScaling = .alphaOverRank

    @Option(name: .long, help: "One DoRA magnitude per outputFeatures (PEFT) or per inputFeatures (the notebook).")
    var doraAxis: DoRAMagnitudeAxis = .outputFeatures

    @Flag(name: .long, help: "Differentiate DoRA's weight norm instead of treating it as a constant.")
    var differentiateDoraNorm: Bool = false

    @Option(name: .long, parsing: .upToNextOption,
            help: "Module paths to adapt, comma-separated or repeated (default: every Linear layer; query,value for a Hugging Face --model).")
    var targets: [String] = []

    @Option(name: .long, parsing: .unconditional, help: "Dropout probability on the adapter input while training.")
    var dropout: Float = 0

    @Option(name: .long, help: "Initialisation of A: peft (Kaiming-uniform), gaussian, or notebook (N(0,1)/√r).")
    var initialization: LoRAInitialization = .peft

    /// The `--targets` entries, commas split.
    var targetModules: [String] { ListArgument.entries(targets) }

    func validate() throws {
        if let rank, rank < 1 { throw ValidationError("--rank must be at least 1, got \(rank).") }
        if let alpha, !(alpha > 0 && alpha.isFinite) { throw ValidationError("--alpha must be a positive number, got \(alpha).") }
        guard dropout >= 0, dropout < 1 else { throw ValidationError("--dropout must be in [0, 1), got \(dropout).") }
    }

    /// The configuration for `method`, targeting `defaultTargets` unless `--targets` names
    /// others, with rank and alpha `defaultRank` and `defaultAlpha` unless given (4 and 8
    /// for the MLP, 8 and 16 for a text model).
    func configuration(method: AdapterMethod, defaultTargets: [String], defaultRank: Int = 4, defaultAlpha: Float = 8) -> LoRAConfiguration {
        LoRAConfiguration(rank: rank ?? defaultRank, alpha: alpha ?? defaultAlpha, scaling: scaling, dropout: dropout, initialization: initialization,
                          usesDoRA: method == .dora, doraMagnitudeAxis: doraAxis, treatsDoRANormAsConstant: !differentiateDoraNorm,
                          targetModules: targetModules.isEmpty ? defaultTargets : targetModules)
    }
}
