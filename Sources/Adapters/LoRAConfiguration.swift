import Foundation

/// How the low-rank update `B·A` is scaled.
public enum LoRAScaling: String, Sendable, CaseIterable, Codable {
    /// `s = alpha / r`, PEFT's default.
    case alphaOverRank
    /// `s = alpha / √r`, rank-stabilised LoRA (rsLoRA, Kalajdzievski 2023; PEFT's `use_rslora`).
    case alphaOverSquareRootOfRank
    /// `s = alpha`, as the reference notebook does.
    case alpha

    /// The scale factor `s` for `alpha` and rank `r`.
    public func factor(alpha: Float, rank: Int) -> Float {
        switch self {
        case .alphaOverRank: alpha / Float(rank)
        case .alphaOverSquareRootOfRank: alpha / Float(rank).squareRoot()
        case .alpha: alpha
        }
    }
}

/// How `A` and `B` start. `B` is zero in every scheme, so an adapter starts as the
/// identity: the adapted model equals the base model until the first update.
public enum LoRAInitialization: String, Sendable, CaseIterable, Codable {
    /// PEFT's default (`init_lora_weights=True`): `A` by Kaiming-uniform with `a = √5`,
    /// i.e. uniform in `±1/√inFeatures`.
    case peft
    /// PEFT's `init_lora_weights="gaussian"`: `A ~ N(0, (1/r)²)`.
    case gaussian
    /// The reference notebook: `A ~ N(0, 1)/√r`.
    case notebook
}

/// Which norm DoRA's magnitude vector rescales.
public enum DoRAMagnitudeAxis: String, Sendable, CaseIterable, Codable {
    /// One magnitude per output feature: the L2 norm of each row of the `[out, in]` weight
    /// (the DoRA authors' code, PEFT, MLX, torchtune).
    case outputFeatures
    /// One magnitude per input feature: the norm of each column (the reference notebook's
    /// variant, `weight.norm(dim=0)`); not loadable by PEFT.
    case inputFeatures
}

/// Everything that defines a set of LoRA or DoRA adapters.
public struct LoRAConfiguration: Sendable, Equatable {
    /// The rank `r` of `A` `[r, in]` and `B` `[out, r]`; 1 ≤ r ≤ min(in, out) for every target.
    public var rank: Int
    /// `alpha` in the scale `s` (see ``scaling``); positive.
    public var alpha: Float
    public var scaling: LoRAScaling
    /// The probability of zeroing an element of the adapter's input in training (PEFT's
    /// `lora_dropout`); in [0, 1).
    public var dropout: Float
    public var initialization: LoRAInitialization
    /// DoRA (weight-decomposed LoRA, Liu et al. 2024, arXiv 2402.09353) instead of plain LoRA.
    public var usesDoRA: Bool
    public var doraMagnitudeAxis: DoRAMagnitudeAxis
    /// Treat DoRA's weight norm `‖W + s·B·A‖` as a constant in backpropagation (DoRA paper
    /// section 4.3, as PEFT does); when false it is differentiated too.
    public var treatsDoRANormAsConstant: Bool
    /// Module paths to wrap: a module is a target when its dotted path equals an entry or
    /// ends with `.` followed by one (PEFT's `target_modules` list semantics).
    public var targetModules: [String]
    /// A regular expression that a module's whole path must match (PEFT's `target_modules`
    /// given as a string); when set it replaces ``targetModules``.
    public var targetModulePattern: String?

    public init(rank: Int, alpha: Float, scaling: LoRAScaling = .alphaOverRank, dropout: Float = 0,
                initialization: LoRAInitialization = .peft, usesDoRA: Bool = false,
                doraMagnitudeAxis: DoRAMagnitudeAxis = .outputFeatures, treatsDoRANormAsConstant: Bool = true,
                targetModules: [String], targetModulePattern: String? = nil) {
        self.rank = rank
        self.alpha = alpha
        self.scaling = scaling
        self.dropout = dropout
        self.initialization = initialization
        self.usesDoRA = usesDoRA
        self.doraMagnitudeAxis = doraMagnitudeAxis
        self.treatsDoRANormAsConstant = treatsDoRANormAsConstant
        self.targetModules = targetModules
        self.targetModulePattern = targetModulePattern
    }

    /// The scale `s` applied to `B·A`.
    public var scale: Float { scaling.factor(alpha: alpha, rank: rank) }

    /// Whether the module at `path` is a target.
    public func targets(path: String) -> Bool {
        if let targetModulePattern {
            guard let expression = try? NSRegularExpression(pattern: "^(?:" + targetModulePattern + ")$") else { return false }
            let range = NSRange(path.startIndex..<path.endIndex, in: path)
            return expression.firstMatch(in: path, range: range) != nil
        }
        return targetModules.contains { path == $0 || path.hasSuffix("." + $0) }
    }
}
