import NN

/// Runs code with a model in evaluation mode (`model.eval()`: no dropout) and puts every
/// module's mode back afterwards, as ``Training/Evaluator`` does.
enum ModeRestoration {
    static func evaluating<Result>(_ model: any Module, _ body: () throws -> Result) rethrows -> Result {
        let modules = model.namedModules().map(\.module)
        let modes = modules.map(\.isTraining)
        model.eval()
        defer { for (module, mode) in zip(modules, modes) { module.isTraining = mode } }
        return try body()
    }
}
