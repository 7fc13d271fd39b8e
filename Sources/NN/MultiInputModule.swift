import TensorCore

/// A module whose forward takes more than one tensor, bundled in its own `Input` type: a
/// text encoder takes token ids `[batch, tokens]` and an attention mask `[batch, tokens]`.
///
/// ```swift
/// struct EncoderInput {
///     var tokenIDs: Tensor
///     var attentionMask: Tensor
/// }
///
/// final class Encoder: MultiInputModule {
///     @Child var embedding: any Module
///     func forward(_ input: EncoderInput) throws -> Tensor { … }
/// }
///
/// let hidden = try encoder(EncoderInput(tokenIDs: ids, attentionMask: mask))
/// ```
///
/// It stays a ``Module``: parameters, children, training mode and adapter injection work
/// as for any other module, and a training loop that takes the forward as a closure can
/// call it. Its single-tensor ``Module/forward(_:)`` throws
/// ``ModuleError/needsStructuredInput(module:input:)`` unless the module implements one.
/// `Input` is not `Tensor` (a module with one tensor input is a plain ``Module``).
public protocol MultiInputModule: Module {
    /// What one forward pass takes (a struct of tensors, or a tuple).
    associatedtype Input

    /// Applies the module to `input`.
    func forward(_ input: Input) throws -> Tensor
}

extension MultiInputModule {
    /// Throws: this module needs an `Input`, not a single tensor.
    public func forward(_ input: Tensor) throws -> Tensor {
        throw ModuleError.needsStructuredInput(module: String(describing: type(of: self)), input: String(describing: Input.self))
    }

    /// Applies the module: `model(input)` is `model.forward(input)`.
    public func callAsFunction(_ input: Input) throws -> Tensor {
        try forward(input)
    }
}
