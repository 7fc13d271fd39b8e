import CKernels

extension Tensor {
    /// The Gaussian error linear unit in its exact form (PyTorch's `F.gelu` with
    /// `approximate='none'`, transformers' `"gelu"`), element-wise:
    /// `y = x·Φ(x) = 0.5·x·(1 + erf(x/√2))`.
    ///
    /// Backward: `dx = dy·(Φ(x) + x·φ(x))` with `φ(x) = exp(−x²/2)/√(2π)`.
    ///
    /// Both loops are C kernels (`ck_gelu_forward`/`ck_gelu_backward`) that evaluate `Φ` from
    /// a Chebyshev fit of erfc (relative error below 1.2e-7) without calling libm, so that they
    /// vectorise: within `4e-7·max(1, |y|)` of the exact form computed in double precision.
    public func gelu() -> Tensor {
        mapped(forward: ck_gelu_forward, backward: ck_gelu_backward)
    }
}
