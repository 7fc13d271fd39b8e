/// One of the four element-wise arithmetic operations, as a type, so that each loop is
/// specialised for its operation (no per-element switch, vectorisable).
protocol ArithmeticOperation {
    static var name: String { get }
    static func apply(_ l: Float, _ r: Float) -> Float
    /// ∂(l ⊕ r)/∂l.
    static func lhsDerivative(_ l: Float, _ r: Float) -> Float
    /// ∂(l ⊕ r)/∂r.
    static func rhsDerivative(_ l: Float, _ r: Float) -> Float
    /// Whether the derivatives depend on the operands (else the backward keeps neither).
    static var derivativesReadOperands: Bool { get }
}

enum Addition: ArithmeticOperation {
    static let derivativesReadOperands = false
    static let name = "add"
    @inline(__always) static func apply(_ l: Float, _ r: Float) -> Float { l + r }
    @inline(__always) static func lhsDerivative(_ l: Float, _ r: Float) -> Float { 1 }
    @inline(__always) static func rhsDerivative(_ l: Float, _ r: Float) -> Float { 1 }
}

enum Subtraction: ArithmeticOperation {
    static let derivativesReadOperands = false
    static let name = "subtract"
    @inline(__always) static func apply(_ l: Float, _ r: Float) -> Float { l - r }
    @inline(__always) static func lhsDerivative(_ l: Float, _ r: Float) -> Float { 1 }
    @inline(__always) static func rhsDerivative(_ l: Float, _ r: Float) -> Float { -1 }
}

enum Multiplication: ArithmeticOperation {
    static let derivativesReadOperands = true
    static let name = "multiply"
    @inline(__always) static func apply(_ l: Float, _ r: Float) -> Float { l * r }
    @inline(__always) static func lhsDerivative(_ l: Float, _ r: Float) -> Float { r }
    @inline(__always) static func rhsDerivative(_ l: Float, _ r: Float) -> Float { l }
}

enum Division: ArithmeticOperation {
    static let derivativesReadOperands = true
    static let name = "divide"
    @inline(__always) static func apply(_ l: Float, _ r: Float) -> Float { l / r }
    @inline(__always) static func lhsDerivative(_ l: Float, _ r: Float) -> Float { 1 / r }
    @inline(__always) static func rhsDerivative(_ l: Float, _ r: Float) -> Float { -l / (r * r) }
}

extension Tensor {
    /// Element-wise sum with broadcasting (`[batch, n] + [n]` adds a bias to every row).
    /// Backward: each operand receives dC summed over the axes it was broadcast along.
    public static func + (lhs: Tensor, rhs: Tensor) throws(ShapeError) -> Tensor {
        try lhs.combined(with: rhs, Addition.self)
    }

    /// Element-wise difference with broadcasting. Backward: `dl = dC`, `dr = -dC`, reduced
    /// over broadcast axes.
    public static func - (lhs: Tensor, rhs: Tensor) throws(ShapeError) -> Tensor {
        try lhs.combined(with: rhs, Subtraction.self)
    }

    /// Element-wise product with broadcasting. Backward: `dl = dC·r`, `dr = dC·l`, reduced
    /// over broadcast axes.
    public static func * (lhs: Tensor, rhs: Tensor) throws(ShapeError) -> Tensor {
        try lhs.combined(with: rhs, Multiplication.self)
    }

    /// Element-wise quotient with broadcasting. Backward: `dl = dC/r`, `dr = -dC·l/r²`,
    /// reduced over broadcast axes.
    public static func / (lhs: Tensor, rhs: Tensor) throws(ShapeError) -> Tensor {
        try lhs.combined(with: rhs, Division.self)
    }

    private func combined<Operation: ArithmeticOperation>(with other: Tensor, _ operation: Operation.Type) throws(ShapeError) -> Tensor {
        let lhs = self, rhs = other
        let l = lhs.storage.pointer, r = rhs.storage.pointer
        if lhs.shape == rhs.shape {
            let count = lhs.elementCount
            let result = Tensor(uninitializedShape: lhs.shape)
            let y = result.storage.pointer
            // Split over the pool (each element on its own: the same bits for any split).
            WorkerPool.splitting(count, minimumCount: Tensor.elementwiseParallelMinimumCount) { range in
                for index in range { y[index] = Operation.apply(l[index], r[index]) }
            }
            guard Tensor.shouldRecord(lhs, rhs) else { return result }
            guard Operation.derivativesReadOperands else {
                // A sum or difference: the backward reads neither operand, so it holds only
                // their graph nodes and the operands are freed when the forward lets go.
                let lhsNode = lhs.node, rhsNode = rhs.node
                let lhsSign = Operation.lhsDerivative(0, 0), rhsSign = Operation.rhsDerivative(0, 0)
                result.recordGradient(inputs: [lhs, rhs]) { dy in
                    lhsNode.updateGradient { gradient, accumulate in
                        WorkerPool.splitting(count, minimumCount: Tensor.elementwiseParallelMinimumCount) { range in
                            for index in range { gradient[index] = accumulate ? gradient[index] + dy[index] * lhsSign : dy[index] * lhsSign }
                        }
                    }
                    rhsNode.updateGradient { gradient, accumulate in
                        WorkerPool.splitting(count, minimumCount: Tensor.elementwiseParallelMinimumCount) { range in
                            for index in range { gradient[index] = accumulate ? gradient[index] + dy[index] * rhsSign : dy[index] * rhsSign }
                        }
                    }
                }
                return result
            }
            result.recordGradient(inputs: [lhs, rhs]) { dy in
                lhs.updateGradient { gradient, accumulate in
                    for index in 0..<count {
                        let value = dy[index] * Operation.lhsDerivative(l[index], r[index])
                        gradient[index] = accumulate ? gradient[index] + value : value
                    }
                }
                rhs.updateGradient { gradient, accumulate in
                    for index in 0..<count {
                        let value = dy[index] * Operation.rhsDerivative(l[index], r[index])
                        gradient[index] = accumulate ? gradient[index] + value : value
                    }
                }
            }
            return result
        }

        if rhs.shape.rank == 1, lhs.shape.rank >= 1, rhs.shape[0] == lhs.shape.lastDimension, lhs.shape.lastDimension > 1 {
            return lhs.combinedWithRow(rhs, operation)
        }
        guard let plan = BroadcastPlan(lhs.shape, rhs.shape) else {
            throw ShapeError.mismatch(operation: Operation.name, lhs: lhs.shape, rhs: rhs.shape)
        }
        let result = Tensor(uninitializedShape: plan.resultShape)
        let y = result.storage.pointer
        plan.forEach { index, li, ri in y[index] = Operation.apply(l[li], r[ri]) }
        guard Tensor.shouldRecord(lhs, rhs) else { return result }
        result.recordGradient(inputs: [lhs, rhs]) { dy in
            if let gradient = lhs.zeroInitializedGradient() {
                plan.forEach { index, li, ri in gradient[li] += dy[index] * Operation.lhsDerivative(l[li], r[ri]) }
            }
            if let gradient = rhs.zeroInitializedGradient() {
                plan.forEach { index, li, ri in gradient[ri] += dy[index] * Operation.rhsDerivative(l[li], r[ri]) }
            }
        }
        return result
    }

    /// The common broadcast `[rows, n] ⊕ [n]` (a bias or a per-feature scale) as two plain
    /// loops; the gradient of the row vector is the column sum.
    private func combinedWithRow<Operation: ArithmeticOperation>(_ row: Tensor, _ operation: Operation.Type) -> Tensor {
        let lhs = self
        let columns = shape.lastDimension, rows = shape.rowCount
        let l = lhs.storage.pointer, r = row.storage.pointer
        let result = Tensor(uninitializedShape: shape)
        let y = result.storage.pointer
        for rowIndex in 0..<rows {
            let offset = rowIndex &* columns
            for column in 0..<columns { y[offset &+ column] = Operation.apply(l[offset &+ column], r[column]) }
        }
        guard Tensor.shouldRecord(lhs, row) else { return result }
        result.recordGradient(inputs: [lhs, row]) { dy in
            lhs.updateGradient { gradient, accumulate in
                for rowIndex in 0..<rows {
                    let offset = rowIndex &* columns
                    for column in 0..<columns {
                        let index = offset &+ column
                        let value = dy[index] * Operation.lhsDerivative(l[index], r[column])
                        gradient[index] = accumulate ? gradient[index] + value : value
                    }
                }
            }
            if let gradient = row.zeroInitializedGradient() {
                for rowIndex in 0..<rows {
                    let offset = rowIndex &* columns
                    for column in 0..<columns {
                        gradient[column] += dy[offset &+ column] * Operation.rhsDerivative(l[offset &+ column], r[column])
                    }
                }
            }
        }
        return result
    }
}
