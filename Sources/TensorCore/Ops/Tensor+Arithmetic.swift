/// The four element-wise arithmetic operations between two tensors.
enum ArithmeticOperation {
    case add, subtract, multiply, divide

    var name: String {
        switch self {
        case .add: "add"
        case .subtract: "subtract"
        case .multiply: "multiply"
        case .divide: "divide"
        }
    }

    @inline(__always)
    func apply(_ l: Float, _ r: Float) -> Float {
        switch self {
        case .add: l + r
        case .subtract: l - r
        case .multiply: l * r
        case .divide: l / r
        }
    }

    /// ∂(l ⊕ r)/∂l.
    @inline(__always)
    func lhsDerivative(_ l: Float, _ r: Float) -> Float {
        switch self {
        case .add, .subtract: 1
        case .multiply: r
        case .divide: 1 / r
        }
    }

    /// ∂(l ⊕ r)/∂r.
    @inline(__always)
    func rhsDerivative(_ l: Float, _ r: Float) -> Float {
        switch self {
        case .add: 1
        case .subtract: -1
        case .multiply: l
        case .divide: -l / (r * r)
        }
    }
}

extension Tensor {
    /// Element-wise sum with broadcasting (`[batch, n] + [n]` adds a bias to every row).
    /// Backward: each operand receives dC summed over the axes it was broadcast along.
    public static func + (lhs: Tensor, rhs: Tensor) throws(ShapeError) -> Tensor {
        try lhs.combined(with: rhs, .add)
    }

    /// Element-wise difference with broadcasting. Backward: `dl = dC`, `dr = -dC`, reduced
    /// over broadcast axes.
    public static func - (lhs: Tensor, rhs: Tensor) throws(ShapeError) -> Tensor {
        try lhs.combined(with: rhs, .subtract)
    }

    /// Element-wise product with broadcasting. Backward: `dl = dC·r`, `dr = dC·l`, reduced
    /// over broadcast axes.
    public static func * (lhs: Tensor, rhs: Tensor) throws(ShapeError) -> Tensor {
        try lhs.combined(with: rhs, .multiply)
    }

    /// Element-wise quotient with broadcasting. Backward: `dl = dC/r`, `dr = -dC·l/r²`,
    /// reduced over broadcast axes.
    public static func / (lhs: Tensor, rhs: Tensor) throws(ShapeError) -> Tensor {
        try lhs.combined(with: rhs, .divide)
    }

    private func combined(with other: Tensor, _ operation: ArithmeticOperation) throws(ShapeError) -> Tensor {
        let lhs = self, rhs = other
        let l = lhs.storage.pointer, r = rhs.storage.pointer
        if lhs.shape == rhs.shape {
            let count = lhs.elementCount
            let result = Tensor(uninitializedShape: lhs.shape)
            let y = result.storage.pointer
            for index in 0..<count { y[index] = operation.apply(l[index], r[index]) }
            guard Tensor.shouldRecord(lhs, rhs) else { return result }
            result.recordGradient(inputs: [lhs, rhs]) { dy in
                lhs.updateGradient { gradient, accumulate in
                    for index in 0..<count {
                        let value = dy[index] * operation.lhsDerivative(l[index], r[index])
                        gradient[index] = accumulate ? gradient[index] + value : value
                    }
                }
                rhs.updateGradient { gradient, accumulate in
                    for index in 0..<count {
                        let value = dy[index] * operation.rhsDerivative(l[index], r[index])
                        gradient[index] = accumulate ? gradient[index] + value : value
                    }
                }
            }
            return result
        }

        guard let plan = BroadcastPlan(lhs.shape, rhs.shape) else {
            throw ShapeError.mismatch(operation: operation.name, lhs: lhs.shape, rhs: rhs.shape)
        }
        let result = Tensor(uninitializedShape: plan.resultShape)
        let y = result.storage.pointer
        plan.forEach { index, li, ri in y[index] = operation.apply(l[li], r[ri]) }
        guard Tensor.shouldRecord(lhs, rhs) else { return result }
        result.recordGradient(inputs: [lhs, rhs]) { dy in
            if let gradient = lhs.zeroInitializedGradient() {
                plan.forEach { index, li, ri in gradient[li] += dy[index] * operation.lhsDerivative(l[li], r[ri]) }
            }
            if let gradient = rhs.zeroInitializedGradient() {
                plan.forEach { index, li, ri in gradient[ri] += dy[index] * operation.rhsDerivative(l[li], r[ri]) }
            }
        }
        return result
    }
}
