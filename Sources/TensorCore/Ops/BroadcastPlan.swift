/// How two shapes combine under NumPy/PyTorch broadcasting, and how to walk the result.
///
/// Shapes are aligned at their last dimension; each pair of dimensions must be equal or
/// one of them 1, and the result takes the larger. Walking the result in row-major order,
/// an operand's element index advances by its stride along each axis, and by 0 along
/// axes where it is broadcast. Everything is padded to rank 4 so that the walk is four
/// plain nested loops.
struct BroadcastPlan {
    let resultShape: Shape
    /// Result dimensions padded on the left with 1s to rank 4.
    let dimensions: (Int, Int, Int, Int)
    let lhsStrides: (Int, Int, Int, Int)
    let rhsStrides: (Int, Int, Int, Int)

    /// The plan for `lhs ⊕ rhs`, or nil when the shapes do not broadcast.
    init?(_ lhs: Shape, _ rhs: Shape) {
        let rank = max(lhs.rank, rhs.rank)
        var result = [Int](repeating: 1, count: rank)
        for axis in 0..<rank {
            let l = BroadcastPlan.dimension(lhs, fromEnd: rank - axis)
            let r = BroadcastPlan.dimension(rhs, fromEnd: rank - axis)
            guard l == r || l == 1 || r == 1 else { return nil }
            result[axis] = l == 1 ? r : l
        }
        resultShape = Shape(result)
        dimensions = BroadcastPlan.padded(resultShape)
        lhsStrides = BroadcastPlan.strides(of: lhs, broadcastTo: resultShape)
        rhsStrides = BroadcastPlan.strides(of: rhs, broadcastTo: resultShape)
    }

    /// The plan for reducing `source` to `target` (a shape `target` broadcasts to):
    /// `lhs` walks `source` itself, `rhs` walks `target` with stride 0 on reduced axes.
    init?(reducing source: Shape, to target: Shape) {
        guard let plan = BroadcastPlan(source, target), plan.resultShape == source else { return nil }
        self = plan
    }

    private static func dimension(_ shape: Shape, fromEnd position: Int) -> Int {
        let axis = shape.rank - position
        return axis >= 0 ? shape[axis] : 1
    }

    private static func padded(_ shape: Shape) -> (Int, Int, Int, Int) {
        (dimension(shape, fromEnd: 4), dimension(shape, fromEnd: 3), dimension(shape, fromEnd: 2), dimension(shape, fromEnd: 1))
    }

    /// Row-major strides of `shape` seen inside `result`, 0 where it is broadcast.
    private static func strides(of shape: Shape, broadcastTo result: Shape) -> (Int, Int, Int, Int) {
        var strides = [0, 0, 0, 0]
        var stride = 1
        for position in 1...4 {
            let size = dimension(shape, fromEnd: position)
            strides[4 - position] = size == 1 ? 0 : stride
            stride &*= size
        }
        _ = result
        return (strides[0], strides[1], strides[2], strides[3])
    }

    /// Calls `body(resultIndex, lhsIndex, rhsIndex)` for every element of the result, in
    /// row-major order.
    @inline(__always)
    func forEach(_ body: (Int, Int, Int) -> Void) {
        var resultIndex = 0
        for i0 in 0..<dimensions.0 {
            for i1 in 0..<dimensions.1 {
                for i2 in 0..<dimensions.2 {
                    var l = i0 &* lhsStrides.0 &+ i1 &* lhsStrides.1 &+ i2 &* lhsStrides.2
                    var r = i0 &* rhsStrides.0 &+ i1 &* rhsStrides.1 &+ i2 &* rhsStrides.2
                    for _ in 0..<dimensions.3 {
                        body(resultIndex, l, r)
                        resultIndex &+= 1
                        l &+= lhsStrides.3
                        r &+= rhsStrides.3
                    }
                }
            }
        }
    }
}
