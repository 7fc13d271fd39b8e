/// How to push the gradient of one operation's output back to its inputs: the inputs'
/// graph nodes and one backward rule. The rule receives dL/d(output), laid out like the
/// output, and adds each input's share into that input's gradient (gradients accumulate).
/// The rule captures whatever elements it reads; the nodes do not keep any.
final class GradientFunction {
    let inputs: [GradientNode]
    let backward: (_ outputGradient: UnsafePointer<Float>) -> Void

    init(inputs: [GradientNode], backward: @escaping (_ outputGradient: UnsafePointer<Float>) -> Void) {
        self.inputs = inputs
        self.backward = backward
    }
}
