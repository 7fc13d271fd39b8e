import Foundation

/// A function applied to each element, `y = f(x; c)` with an optional constant `c`, and its
/// derivative `∂y/∂x` written with `x`, `y` and `c`. One type per function, so that the
/// forward and backward loops of ``Tensor``'s element-wise ops are specialised for it: with
/// a closure per element they stayed scalar and indirect (a notebook-convention DoRA step,
/// which scales its `[out, in]` update by `s`, spent 12 % of its time in the derivative
/// closure of `x·c`).
protocol ElementwiseFunction {
    static func value(_ x: Float, _ c: Float) -> Float
    static func derivative(x: Float, y: Float, c: Float) -> Float
}

/// `eˣ`; `∂y/∂x = y`.
enum Exponential: ElementwiseFunction {
    @inline(__always) static func value(_ x: Float, _ c: Float) -> Float { Foundation.exp(x) }
    @inline(__always) static func derivative(x: Float, y: Float, c: Float) -> Float { y }
}

/// `ln x`; `∂y/∂x = 1/x`.
enum NaturalLogarithm: ElementwiseFunction {
    @inline(__always) static func value(_ x: Float, _ c: Float) -> Float { Foundation.log(x) }
    @inline(__always) static func derivative(x: Float, y: Float, c: Float) -> Float { 1 / x }
}

/// `√x`; `∂y/∂x = 0.5/y`.
enum SquareRoot: ElementwiseFunction {
    @inline(__always) static func value(_ x: Float, _ c: Float) -> Float { x.squareRoot() }
    @inline(__always) static func derivative(x: Float, y: Float, c: Float) -> Float { 0.5 / y }
}

/// `tanh x`; `∂y/∂x = 1 − y²`.
enum HyperbolicTangent: ElementwiseFunction {
    @inline(__always) static func value(_ x: Float, _ c: Float) -> Float { Foundation.tanh(x) }
    @inline(__always) static func derivative(x: Float, y: Float, c: Float) -> Float { 1 - y * y }
}

/// `x²`; `∂y/∂x = 2x`.
enum Square: ElementwiseFunction {
    @inline(__always) static func value(_ x: Float, _ c: Float) -> Float { x * x }
    @inline(__always) static func derivative(x: Float, y: Float, c: Float) -> Float { 2 * x }
}

/// `−x`; `∂y/∂x = −1`.
enum Negation: ElementwiseFunction {
    @inline(__always) static func value(_ x: Float, _ c: Float) -> Float { -x }
    @inline(__always) static func derivative(x: Float, y: Float, c: Float) -> Float { -1 }
}

/// `x + c`; `∂y/∂x = 1`.
enum ConstantAddition: ElementwiseFunction {
    @inline(__always) static func value(_ x: Float, _ c: Float) -> Float { x + c }
    @inline(__always) static func derivative(x: Float, y: Float, c: Float) -> Float { 1 }
}

/// `x − c`; `∂y/∂x = 1`.
enum ConstantSubtraction: ElementwiseFunction {
    @inline(__always) static func value(_ x: Float, _ c: Float) -> Float { x - c }
    @inline(__always) static func derivative(x: Float, y: Float, c: Float) -> Float { 1 }
}

/// `x·c`; `∂y/∂x = c`.
enum ConstantMultiplication: ElementwiseFunction {
    @inline(__always) static func value(_ x: Float, _ c: Float) -> Float { x * c }
    @inline(__always) static func derivative(x: Float, y: Float, c: Float) -> Float { c }
}

/// `x / c`; `∂y/∂x = 1/c`.
enum ConstantDivision: ElementwiseFunction {
    @inline(__always) static func value(_ x: Float, _ c: Float) -> Float { x / c }
    @inline(__always) static func derivative(x: Float, y: Float, c: Float) -> Float { 1 / c }
}
