extension Tensor {
    /// The tensor with its axes reordered (PyTorch's `permute`, made contiguous): axis `i`
    /// of the result is axis `axes[i]` of `self`, so `y.shape[i] = x.shape[axes[i]]` and
    /// `y[j_0, …, j_{r-1}] = x[i]` with `i_{axes[t]} = j_t`. Splitting attention heads is
    /// `[B, T, H, d].permuted([0, 2, 1, 3]) = [B, H, T, d]`.
    ///
    /// One copy: the result is written in order, so when the last axis stays last the
    /// innermost loop copies contiguous rows; a swap of the last two axes is done as tiled
    /// transposes of each matrix.
    ///
    /// Backward: `dx = dy.permuted(inverse)` with `inverse[axes[t]] = t`.
    public func permuted(_ axes: [Int]) throws(ShapeError) -> Tensor {
        let rank = shape.rank
        var seen = [Bool](repeating: false, count: rank)
        guard axes.count == rank else { throw ShapeError.invalidPermutation(axes: axes, shape: shape) }
        for axis in axes {
            guard axis >= 0 && axis < rank && !seen[axis] else { throw ShapeError.invalidPermutation(axes: axes, shape: shape) }
            seen[axis] = true
        }
        let result = Tensor(uninitializedShape: Shape(axes.map { shape[$0] }))
        Tensor.permute(storage.pointer, shape: shape, axes: axes, into: result.storage.pointer, accumulate: false)
        guard Tensor.shouldRecord(self) else { return result }
        var inverse = [Int](repeating: 0, count: rank)
        for (position, axis) in axes.enumerated() { inverse[axis] = position }
        let resultShape = result.shape
        result.recordGradient(inputs: [self]) { [self] dy in
            updateGradient { gradient, accumulate in
                Tensor.permute(dy, shape: resultShape, axes: inverse, into: gradient, accumulate: accumulate)
            }
        }
        return result
    }

    /// `y (+)= x.permuted(axes)` for `x` of `shape`; `axes` already validated.
    static func permute(_ x: UnsafePointer<Float>, shape: Shape, axes: [Int],
                        into y: UnsafeMutablePointer<Float>, accumulate: Bool) {
        // Pad to rank 4 with leading axes of size 1 that stay in place.
        let padding = Shape.maximumRank - shape.rank
        var sizes = [1, 1, 1, 1], strides = [0, 0, 0, 0], order = [0, 1, 2, 3]
        for axis in 0..<shape.rank { sizes[padding + axis] = shape[axis] }
        var step = 1
        for axis in (0..<4).reversed() {
            strides[axis] = step
            step &*= sizes[axis]
        }
        for (position, axis) in axes.enumerated() { order[padding + position] = padding + axis }
        // The result's dimensions and, for each, the step in x.
        let d0 = sizes[order[0]], d1 = sizes[order[1]], d2 = sizes[order[2]], d3 = sizes[order[3]]
        let s0 = strides[order[0]], s1 = strides[order[1]], s2 = strides[order[2]], s3 = strides[order[3]]
        if order[0] == 0, order[1] == 1, order[2] == 3, order[3] == 2 {
            // Each [rows, columns] matrix transposed, in cache-sized tiles.
            let rows = sizes[2], columns = sizes[3], matrix = rows &* columns
            for index in 0..<d0 &* d1 {
                transpose(x + index &* matrix, rows: rows, columns: columns, into: y + index &* matrix, accumulate: accumulate)
            }
            return
        }
        var target = 0
        for i0 in 0..<d0 {
            for i1 in 0..<d1 {
                for i2 in 0..<d2 {
                    let source = x + (i0 &* s0 &+ i1 &* s1 &+ i2 &* s2)
                    let row = y + target
                    if s3 == 1 {
                        if accumulate {
                            for i3 in 0..<d3 { row[i3] += source[i3] }
                        } else {
                            row.update(from: source, count: d3)
                        }
                    } else if accumulate {
                        for i3 in 0..<d3 { row[i3] += source[i3 &* s3] }
                    } else {
                        for i3 in 0..<d3 { row[i3] = source[i3 &* s3] }
                    }
                    target &+= d3
                }
            }
        }
    }
}
