/// How to push the gradient of one operation's output back to its inputs: the inputs
/// and one backward rule. The rule receives dL/d(output), laid out like the output, and
/// adds each input's share into that input's ``Tensor/gradient`` (gradients accumulate).
final class GradientFunction {
    let inputs: [Tensor]
    let backward: (_ outputGradient: UnsafePointer<Float>) -> Void

    init(inputs: [Tensor], backward: @escaping (_ outputGradient: UnsafePointer<Float>) -> Void) {
        self.inputs = inputs
        self.backward = backward
    }
}
