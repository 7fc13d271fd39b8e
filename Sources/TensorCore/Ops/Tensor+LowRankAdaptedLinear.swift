extension Tensor {
    /// A Linear layer with a LoRA update beside it, fused into one operation, in PEFT's
    /// order of operations:
    ///
    /// ```
    /// u = x̃·Aᵀ                 [batch, r]     (x̃: the adapter's input, x or dropout(x))
    /// z = u·Bᵀ                 [batch, out]
    /// y = (x·Wᵀ + bias) + s·z  [batch, out]
    /// ```
    ///
    /// with `x` `[batch, in]`, `W` `[out, in]`, `A` `[r, in]`, `B` `[out, r]`. As in
    /// ``linear(_:weight:bias:packedWeight:)``, `x` may be `[..., in]` of rank 1 to 4
    /// (`[batch, tokens, in]`): its leading dimensions are rows and `y` is `[..., out]`.
    ///
    /// Backward, with `dz = s·dy`: `dB = dzᵀ·u`, `du = dz·B`, `dA = duᵀ·x̃`, `dx̃ = du·A`,
    /// and the Linear's own `dx = dy·W`, `dW = dyᵀ·x`, `dbias = Σ_rows dy` for whichever
    /// require a gradient (a frozen base needs none). Against the unfused graph
    /// (`linear + (x̃·Aᵀ·Bᵀ)·s`) it saves the `[batch, out]` sum and product tensors and
    /// their backward passes.
    ///
    /// `packedWeight`, when given, must hold W's packed panels (see ``linear(_:weight:bias:packedWeight:)``).
    ///
    /// `precomputedAffine`, when given, must hold `x·Wᵀ + bias` `[batch, out]` as
    /// ``linear(_:weight:bias:packedWeight:)`` returns it for `input` (for example rows
    /// kept for a fixed data set under a frozen W): the product is then not computed, and the
    /// output `precomputedAffine + s·z` has the same roundings. The backward is unchanged (it
    /// reads `x`, `W` and `bias`, not the product).
    public static func lowRankAdaptedLinear(
        _ input: Tensor, weight: Tensor, bias: Tensor?,
        adapterInput: Tensor, a: Tensor, b: Tensor, scale: Float, packedWeight: PackedLinearWeight? = nil,
        precomputedAffine: Tensor? = nil
    ) throws(ShapeError) -> Tensor {
        try lowRankAdaptedLinear(input, weight: weight, bias: bias, adapterInput: adapterInput, a: a, b: b, scale: scale,
                                 weightProducts: nil, packedWeight: packedWeight, precomputedAffine: precomputedAffine)
    }

    /// ``lowRankAdaptedLinear(_:weight:bias:adapterInput:a:b:scale:)`` that also returns
    /// `P = W·Aᵀ` `[out, r]` (no gradient), computed in the same pass over W when W is large:
    /// what DoRA's weight norm needs (see ``lowRankAdaptedRowNorms(weightSquaredRowNorms:weightProducts:a:b:scale:)``).
    public static func lowRankAdaptedLinearWithWeightProducts(
        _ input: Tensor, weight: Tensor, bias: Tensor?,
        adapterInput: Tensor, a: Tensor, b: Tensor, scale: Float
    ) throws(ShapeError) -> (output: Tensor, weightProducts: Tensor) {
        guard a.shape.rank == 2, weight.shape.rank == 2 else {
            throw ShapeError.mismatch(operation: "lowRankAdaptedLinear A", lhs: weight.shape, rhs: a.shape)
        }
        let products = Tensor(uninitializedShape: [weight.shape[0], a.shape[0]])
        let output = try lowRankAdaptedLinear(input, weight: weight, bias: bias, adapterInput: adapterInput, a: a, b: b,
                                              scale: scale, weightProducts: products)
        return (output, products)
    }

    private static func lowRankAdaptedLinear(
        _ input: Tensor, weight: Tensor, bias: Tensor?,
        adapterInput: Tensor, a: Tensor, b: Tensor, scale: Float, weightProducts: Tensor?, packedWeight: PackedLinearWeight? = nil,
        precomputedAffine: Tensor? = nil
    ) throws(ShapeError) -> Tensor {
        let operation = "lowRankAdaptedLinear"
        guard input.shape.rank >= 1 else { throw ShapeError.rankMismatch(operation: operation, expectedRank: 2, actual: input.shape) }
        guard weight.shape.rank == 2 else { throw ShapeError.rankMismatch(operation: operation, expectedRank: 2, actual: weight.shape) }
        let batch = input.shape.rowCount, inFeatures = input.shape.lastDimension, outFeatures = weight.shape[0]
        guard weight.shape[1] == inFeatures else { throw ShapeError.mismatch(operation: operation, lhs: input.shape, rhs: weight.shape) }
        if let bias, bias.shape != Shape([outFeatures]) {
            throw ShapeError.mismatch(operation: "\(operation) bias", lhs: weight.shape, rhs: bias.shape)
        }
        guard adapterInput.shape == input.shape else {
            throw ShapeError.mismatch(operation: "\(operation) adapter input", lhs: input.shape, rhs: adapterInput.shape)
        }
        guard a.shape.rank == 2, a.shape[1] == inFeatures else {
            throw ShapeError.mismatch(operation: "\(operation) A", lhs: input.shape, rhs: a.shape)
        }
        let rank = a.shape[0]
        guard b.shape == Shape([outFeatures, rank]) else {
            throw ShapeError.mismatch(operation: "\(operation) B", lhs: weight.shape, rhs: b.shape)
        }

        let result = Tensor(uninitializedShape: input.shape.replacing(axis: input.shape.rank &- 1, with: outFeatures))
        if let precomputedAffine {
            guard precomputedAffine.shape == result.shape else {
                throw ShapeError.mismatch(operation: "\(operation) precomputed x·Wᵀ + b", lhs: result.shape, rhs: precomputedAffine.shape)
            }
        } else {
            writeAffine(input, weight: weight, bias: bias, into: result, sideFactor: weightProducts == nil ? nil : a,
                        sideProducts: weightProducts?.storage.pointer, packedWeight: packedWeight)
        }
        let low = Tensor(uninitializedShape: [batch, rank])
        GEMM.multiply(m: batch, n: rank, k: inFeatures,
                      a: adapterInput.storage.pointer, lda: inFeatures, transposeA: false,
                      b: a.storage.pointer, ldb: inFeatures, transposeB: true,
                      c: low.storage.pointer, ldc: rank, accumulate: false)
        // Bᵀ [r, out], so that z's rows are combinations of contiguous rows (the rank-r
        // products take GEMM's thin loops, not 8 x 32 tiles padded from r).
        let bTransposed = Tensor(uninitializedShape: [rank, outFeatures])
        transpose(b.storage.pointer, rows: outFeatures, columns: rank, into: bTransposed.storage.pointer, accumulate: false)
        let update = Tensor(uninitializedShape: [batch, outFeatures])
        GEMM.multiply(m: batch, n: outFeatures, k: rank,
                      a: low.storage.pointer, lda: rank, transposeA: false,
                      b: bTransposed.storage.pointer, ldb: outFeatures, transposeB: false,
                      c: update.storage.pointer, ldc: outFeatures, accumulate: false)
        let y = result.storage.pointer, z = update.storage.pointer
        // y = (x·Wᵀ + b) + s·z in one pass, from the product written above or the given one.
        let affine = UnsafePointer(precomputedAffine?.storage.pointer ?? y)
        for index in 0..<batch &* outFeatures { y[index] = affine[index] + scale * z[index] }

        let recordsBias = bias.map { Tensor.shouldRecord($0) } ?? false
        guard Tensor.shouldRecord(input, weight, adapterInput, a, b) || recordsBias else { return result }
        var inputs = [input, weight]
        if let bias { inputs.append(bias) }
        if adapterInput !== input { inputs.append(adapterInput) }
        inputs += [a, b]
        let affineGradients = AffineGradients(input: input, weight: weight, bias: bias, packedWeight: packedWeight)
        result.recordGradient(inputs: inputs) { outputGradient in
            affineGradients.send(outputGradient)
            guard adapterInput.requiresGradient || a.requiresGradient || b.requiresGradient else { return }
            // dz = s·dy.
            let scaledGradient = Tensor(uninitializedShape: [batch, outFeatures])
            let dz = scaledGradient.storage.pointer
            for index in 0..<batch &* outFeatures { dz[index] = scale * outputGradient[index] }
            if b.requiresGradient {
                // dBᵀ = uᵀ·dz [r, out] (rows of dz combined), then added transposed.
                let transposedGradient = Tensor(uninitializedShape: [rank, outFeatures])
                let t = transposedGradient.storage.pointer
                GEMM.multiply(m: rank, n: outFeatures, k: batch,
                              a: low.storage.pointer, lda: rank, transposeA: true,
                              b: dz, ldb: outFeatures, transposeB: false,
                              c: t, ldc: outFeatures, accumulate: false)
                b.updateGradient { gradient, accumulate in
                    transpose(t, rows: rank, columns: outFeatures, into: gradient, accumulate: accumulate)
                }
            }
            guard adapterInput.requiresGradient || a.requiresGradient else { return }
            // du = dz·B: dot products of dz's rows with Bᵀ's.
            let lowGradient = Tensor(uninitializedShape: [batch, rank])
            let du = lowGradient.storage.pointer
            GEMM.multiply(m: batch, n: rank, k: outFeatures,
                          a: dz, lda: outFeatures, transposeA: false,
                          b: bTransposed.storage.pointer, ldb: outFeatures, transposeB: true,
                          c: du, ldc: rank, accumulate: false)
            a.updateGradient { gradient, accumulate in
                GEMM.multiply(m: rank, n: inFeatures, k: batch,
                              a: du, lda: rank, transposeA: true,
                              b: adapterInput.storage.pointer, ldb: inFeatures, transposeB: false,
                              c: gradient, ldc: inFeatures, accumulate: accumulate)
            }
            adapterInput.updateGradient { gradient, accumulate in
                GEMM.multiply(m: batch, n: inFeatures, k: rank,
                              a: du, lda: rank, transposeA: false,
                              b: a.storage.pointer, ldb: inFeatures, transposeB: false,
                              c: gradient, ldc: inFeatures, accumulate: accumulate)
            }
            withExtendedLifetime((scaledGradient, lowGradient)) {}
        }
        return result
    }
}
