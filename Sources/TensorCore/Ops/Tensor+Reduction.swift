extension Tensor {
    /// The sum of all elements, as a rank-0 tensor. Backward: every `dx = dy`.
    public func sum() -> Tensor {
        let count = elementCount
        let x = storage.pointer
        var total: Float = 0
        for index in 0..<count { total += x[index] }
        let result = Tensor(scalar: total)
        guard Tensor.shouldRecord(self) else { return result }
        result.recordGradient(inputs: [self]) { [self] dy in
            let seed = dy[0]
            updateGradient { gradient, accumulate in
                for index in 0..<count { gradient[index] = accumulate ? gradient[index] + seed : seed }
            }
        }
        return result
    }

    /// The mean of all elements, as a rank-0 tensor: `sum() / elementCount`.
    public func mean() -> Tensor {
        sum() * (1 / Float(max(elementCount, 1)))
    }

    /// Sums over `axes` (each in `0..<rank`, negative counts from the end). The summed
    /// axes are kept with size 1 when `keepingDimensions`, else removed.
    /// Backward: `dx` is `dy` broadcast back over the summed axes.
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false) throws(ShapeError) -> Tensor {
        var reduced = shape
        var isReduced = [Bool](repeating: false, count: shape.rank)
        for axis in axes {
            let resolved = axis < 0 ? axis + shape.rank : axis
            guard resolved >= 0 && resolved < shape.rank else {
                throw ShapeError.axisOutOfRange(operation: "sum", axis: axis, shape: shape)
            }
            reduced = reduced.replacing(axis: resolved, with: 1)
            isReduced[resolved] = true
        }
        guard let plan = BroadcastPlan(reducing: shape, to: reduced) else {
            throw ShapeError.mismatch(operation: "sum", lhs: shape, rhs: reduced)
        }
        let keptShape = keepingDimensions ? reduced
            : Shape((0..<shape.rank).filter { !isReduced[$0] }.map { shape[$0] })
        let result = Tensor(zeros: keptShape)
        let x = storage.pointer, y = result.storage.pointer
        plan.forEach { index, _, reducedIndex in y[reducedIndex] += x[index] }
        guard Tensor.shouldRecord(self) else { return result }
        result.recordGradient(inputs: [self]) { [self] dy in
            updateGradient { gradient, accumulate in
                plan.forEach { index, _, reducedIndex in
                    gradient[index] = accumulate ? gradient[index] + dy[reducedIndex] : dy[reducedIndex]
                }
            }
        }
        return result
    }

    /// The mean over `axes`: ``sum(alongAxes:keepingDimensions:)`` divided by the number
    /// of elements summed into each result.
    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false) throws(ShapeError) -> Tensor {
        let summed = try sum(alongAxes: axes, keepingDimensions: keepingDimensions)
        let perResult = elementCount / max(summed.elementCount, 1)
        return summed * (1 / Float(max(perResult, 1)))
    }
}
