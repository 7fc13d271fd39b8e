extension Module {
    /// Puts this module and every module below it in training mode (`isTraining` true:
    /// dropout active) or, with `false`, in evaluation mode: PyTorch's `model.train(mode)`.
    /// A submodule can be switched on its own afterwards (`model.train(); encoder.eval()`).
    public func train(_ isTraining: Bool = true) {
        for (_, module) in namedModules() { module.isTraining = isTraining }
    }

    /// Puts this module and every module below it in evaluation mode: PyTorch's `model.eval()`.
    public func eval() {
        train(false)
    }
}
