/// Whether operations record how to differentiate themselves. On by default; off inside
/// ``withoutGradients(_:)``, for evaluation and for optimiser updates.
public enum GradientRecording {
    @TaskLocal static var isDisabled = false

    /// True when new operations record their backward rule.
    public static var isEnabled: Bool { !isDisabled }
}

/// Runs `body` with gradient recording off (PyTorch's `torch.no_grad()`): results of
/// operations inside are plain values with no backward rule, which saves memory and time.
public func withoutGradients<Result>(_ body: () throws -> Result) rethrows -> Result {
    try GradientRecording.$isDisabled.withValue(true) { try body() }
}
