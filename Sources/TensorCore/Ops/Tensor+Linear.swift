extension Tensor {
    /// The affine map of a fully connected layer, fused into one operation:
    /// `y[b, o] = Σ_i x[b, i]·W[o, i] + bias[o]`, i.e. `y = x·Wᵀ + bias`, with
    /// `x` `[batch, in]`, `W` `[out, in]` (PyTorch's layout), `bias` `[out]`, `y` `[batch, out]`.
    ///
    /// `x` may have rank 1 to 4, `[..., in]` (e.g. `[batch, tokens, in]`): its leading
    /// dimensions are rows (`batch` = their product; the storage is contiguous, so this is
    /// a view) and `y` is `[..., out]`, as PyTorch's `F.linear`.
    ///
    /// Backward: `dx = dy·W` `[batch, in]`, `dW = dyᵀ·x` `[out, in]`,
    /// `dbias[o] = Σ_b dy[b, o]`.
    ///
    /// `packedWeight`, when given, must hold W's panels (``PackedLinearWeight``, kept in a
    /// ``DerivedValueCache`` for a weight that does not change); the forward product and the
    /// input gradient then read them instead of packing W (the same bits).
    public static func linear(_ input: Tensor, weight: Tensor, bias: Tensor?,
                              packedWeight: PackedLinearWeight? = nil) throws(ShapeError) -> Tensor {
        guard input.shape.rank >= 1 else { throw ShapeError.rankMismatch(operation: "linear", expectedRank: 2, actual: input.shape) }
        guard weight.shape.rank == 2 else { throw ShapeError.rankMismatch(operation: "linear", expectedRank: 2, actual: weight.shape) }
        let inFeatures = input.shape.lastDimension, outFeatures = weight.shape[0]
        guard weight.shape[1] == inFeatures else { throw ShapeError.mismatch(operation: "linear", lhs: input.shape, rhs: weight.shape) }
        if let bias, bias.shape != Shape([outFeatures]) {
            throw ShapeError.mismatch(operation: "linear bias", lhs: weight.shape, rhs: bias.shape)
        }

        let result = Tensor(uninitializedShape: input.shape.replacing(axis: input.shape.rank &- 1, with: outFeatures))
        writeAffine(input, weight: weight, bias: bias, into: result, packedWeight: packedWeight)

        let recordsBias = bias.map { Tensor.shouldRecord($0) } ?? false
        guard Tensor.shouldRecord(input, weight) || recordsBias else { return result }
        let inputs = bias.map { [input, weight, $0] } ?? [input, weight]
        let gradients = AffineGradients(input: input, weight: weight, bias: bias, packedWeight: packedWeight)
        result.recordGradient(inputs: inputs) { outputGradient in
            gradients.send(outputGradient)
        }
        return result
    }

    /// Weights with at least this many elements are multiplied as `yᵀ = W·xᵀ` when the batch
    /// is small. It pays for the 4096 x 4096 layer (packing its transposed weight was 22 % of
    /// a LoRA step) but not for the MLP's: there both products take the same time, and the
    /// strided transpose of the result cost ~35 µs a step.
    public static let transposedProductMinimumWeight = 1 << 20

    /// Whether ``linear(_:weight:bias:)`` computes `yᵀ = W·xᵀ` for this shape (a weight of at
    /// least ``transposedProductMinimumWeight`` elements and a small batch). Products with W
    /// on the side (``lowRankAdaptedLinearWithWeightProducts(_:weight:bias:adapterInput:a:b:scale:)``)
    /// then share its pass over W.
    public static func usesTransposedProduct(batch: Int, inFeatures: Int, outFeatures: Int) -> Bool {
        inFeatures &* outFeatures >= transposedProductMinimumWeight && batch &* (inFeatures &+ outFeatures) < inFeatures &* outFeatures
    }

    /// Rows of W per block when a side product `W·Aᵀ` is computed in the same pass: the
    /// block (256 KB at 1024 inputs, 1 MB at 4096) is still in cache for the second product.
    static let sideProductRowBlock = 64

    /// Writes `y = x·Wᵀ + bias` into `result` `[batch, out]` (`x` `[..., in]` seen as rows);
    /// shapes already checked. With
    /// `sideFactor` (`A` `[r, in]`), also writes `W·Aᵀ` `[out, r]` into `sideProducts`: for
    /// a large weight, block by block of W's rows right after the block's part of `y`, so
    /// that W (64 MB at 4096 x 4096) is read from memory once, not twice.
    static func writeAffine(_ input: Tensor, weight: Tensor, bias: Tensor?, into result: Tensor,
                            sideFactor: Tensor? = nil, sideProducts: UnsafeMutablePointer<Float>? = nil,
                            packedWeight: PackedLinearWeight? = nil) {
        let batch = input.shape.rowCount, inFeatures = input.shape.lastDimension, outFeatures = weight.shape[0]
        let y = result.storage.pointer
        if usesTransposedProduct(batch: batch, inFeatures: inFeatures, outFeatures: outFeatures) {
            // A large weight and a small batch: compute yᵀ = W·xᵀ, which packs the small x
            // instead of the large transposed W, then transpose into y.
            let transposed = Tensor(uninitializedShape: [outFeatures, batch])
            let t = transposed.storage.pointer
            if let sideFactor, let sideProducts {
                let rank = sideFactor.shape[0], block = sideProductRowBlock
                // xᵀ [in, batch] once, so that each block's product reads it in place (a
                // transposed operand is packed on every call: 64 MB of copies per 4096 step).
                let inputTransposed = Tensor(uninitializedShape: [inFeatures, batch])
                transpose(input.storage.pointer, rows: batch, columns: inFeatures, into: inputTransposed.storage.pointer, accumulate: false)
                let w = weight.storage.pointer, x = inputTransposed.storage.pointer, a = sideFactor.storage.pointer
                let parts = min(WorkerPool.threadCount, (outFeatures + block - 1) / block)
                let addresses = (w: UInt(bitPattern: w), x: UInt(bitPattern: x), a: UInt(bitPattern: a),
                                 t: UInt(bitPattern: t), p: UInt(bitPattern: sideProducts))
                WorkerPool.run(parts: parts) { part in
                    guard let w = UnsafePointer<Float>(bitPattern: addresses.w), let x = UnsafePointer<Float>(bitPattern: addresses.x),
                          let a = UnsafePointer<Float>(bitPattern: addresses.a),
                          let t = UnsafeMutablePointer<Float>(bitPattern: addresses.t),
                          let products = UnsafeMutablePointer<Float>(bitPattern: addresses.p) else { return }
                    let rows = WorkerPool.range(ofPart: part, parts: parts, count: outFeatures, alignment: block)
                    var row = rows.lowerBound
                    let end = rows.upperBound
                    while row < end {
                        let rows = min(block, end - row)
                        let wBlock = w + row &* inFeatures
                        GEMM.multiply(m: rows, n: batch, k: inFeatures, a: wBlock, lda: inFeatures, transposeA: false,
                                      b: x, ldb: batch, transposeB: false, c: t + row &* batch, ldc: batch,
                                      accumulate: false, threading: .singleThread)
                        GEMM.multiply(m: rows, n: rank, k: inFeatures, a: wBlock, lda: inFeatures, transposeA: false,
                                      b: a, ldb: inFeatures, transposeB: true, c: products + row &* rank, ldc: rank,
                                      accumulate: false, threading: .singleThread)
                        row += rows
                    }
                }
            } else {
                GEMM.multiply(m: outFeatures, n: batch, k: inFeatures,
                              a: weight.storage.pointer, lda: inFeatures, transposeA: false,
                              b: input.storage.pointer, ldb: inFeatures, transposeB: true,
                              c: t, ldc: batch, accumulate: false)
            }
            let b = bias?.storage.pointer
            for row in 0..<batch {
                let yRow = y + row &* outFeatures
                for column in 0..<outFeatures { yRow[column] = t[column &* batch &+ row] + (b?[column] ?? 0) }
            }
            return
        }
        // Panels packed beforehand save the product its packing of W, and it adds the bias
        // tile by tile.
        if let packedWeight, packedWeight.matches(outFeatures: outFeatures, inFeatures: inFeatures) {
            GEMM.multiply(m: batch, a: input.storage.pointer, lda: inFeatures, transposeA: false, packedB: packedWeight.forward,
                          c: y, ldc: outFeatures, accumulate: false, bias: bias.map { UnsafePointer($0.storage.pointer) })
        } else {
            if let bias {
                let b = bias.storage.pointer
                for row in 0..<batch { (y + row &* outFeatures).update(from: b, count: outFeatures) }
            }
            GEMM.multiply(m: batch, n: outFeatures, k: inFeatures,
                          a: input.storage.pointer, lda: inFeatures, transposeA: false,
                          b: weight.storage.pointer, ldb: inFeatures, transposeB: true,
                          c: y, ldc: outFeatures, accumulate: bias != nil)
        }
        if let sideFactor, let sideProducts {
            GEMM.multiply(m: outFeatures, n: sideFactor.shape[0], k: inFeatures,
                          a: weight.storage.pointer, lda: inFeatures, transposeA: false,
                          b: sideFactor.storage.pointer, ldb: inFeatures, transposeB: true,
                          c: sideProducts, ldc: sideFactor.shape[0], accumulate: false)
        }
    }

}

/// The backward of `y = x·Wᵀ + bias` (``Tensor/linear(_:weight:bias:packedWeight:)``) for
/// whichever of `x`, `W`, `bias` require a gradient: `dx = dy·W`, `dW = dyᵀ·x`,
/// `dbias = Σ_rows dy` (`x` `[..., in]` seen as rows).
///
/// It holds the elements it reads and no more: `W` when `x` takes a gradient, `x` only when
/// `W` does (decided at the forward pass, as PyTorch saves tensors). A frozen layer thus does
/// not keep its input alive until the backward pass. With a frozen weight's panels
/// (``PackedLinearWeight``) `dx = dy·W` reads them instead of packing W.
struct AffineGradients {
    let input: GradientNode, weight: GradientNode, bias: GradientNode?
    /// `x`'s elements, kept only when `W` takes a gradient.
    let inputValues: TensorStorage?
    let weightValues: TensorStorage
    let packedWeight: PackedLinearWeight?
    let batch: Int, inFeatures: Int, outFeatures: Int

    init(input: Tensor, weight: Tensor, bias: Tensor?, packedWeight: PackedLinearWeight? = nil) {
        self.input = input.node
        self.weight = weight.node
        self.bias = bias?.node
        inputValues = weight.requiresGradient ? input.storage : nil
        weightValues = weight.storage
        batch = input.shape.rowCount
        inFeatures = input.shape.lastDimension
        outFeatures = weight.shape[0]
        let (outFeatures, inFeatures) = (weight.shape[0], input.shape.lastDimension)
        self.packedWeight = packedWeight.flatMap { $0.matches(outFeatures: outFeatures, inFeatures: inFeatures) ? $0 : nil }
    }

    func send(_ outputGradient: UnsafePointer<Float>) {
        let (batch, inFeatures, outFeatures) = (batch, inFeatures, outFeatures)
        input.updateGradient { gradient, accumulate in
            // Panels pay off once W is read for more than a thin slice of rows.
            if let packedWeight, inFeatures > GEMM.thinDimension, batch > GEMM.thinDimension {
                GEMM.multiply(m: batch, a: outputGradient, lda: outFeatures, transposeA: false, packedB: packedWeight.inputGradient,
                              c: gradient, ldc: inFeatures, accumulate: accumulate)
                return
            }
            GEMM.multiply(m: batch, n: inFeatures, k: outFeatures,
                          a: outputGradient, lda: outFeatures, transposeA: false,
                          b: weightValues.pointer, ldb: inFeatures, transposeB: false,
                          c: gradient, ldc: inFeatures, accumulate: accumulate)
        }
        if let inputValues {
            weight.updateGradient { gradient, accumulate in
                GEMM.multiply(m: outFeatures, n: inFeatures, k: batch,
                              a: outputGradient, lda: outFeatures, transposeA: true,
                              b: inputValues.pointer, ldb: inFeatures, transposeB: false,
                              c: gradient, ldc: inFeatures, accumulate: accumulate)
            }
        }
        bias?.updateGradient { gradient, accumulate in
            if !accumulate { gradient.update(repeating: 0, count: outFeatures) }
            for row in 0..<batch {
                let dy = outputGradient + row &* outFeatures
                for column in 0..<outFeatures { gradient[column] += dy[column] }
            }
        }
    }
}
