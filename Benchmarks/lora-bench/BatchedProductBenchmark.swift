import TensorCore

/// Attention-sized batched products: `B·H` entries of `q·kᵀ` (`T x T x d`) and `p·v`
/// (`T x d x T`), one ``GEMM/multiplyBatched(batchCount:m:n:k:a:lda:strideA:transposeA:b:ldb:strideB:transposeB:c:ldc:strideC:accumulate:kernel:threading:)``
/// call against a loop of single ``GEMM/multiply(m:n:k:a:lda:transposeA:b:ldb:transposeB:c:ldc:accumulate:kernel:threading:)``
/// calls (each small product runs on one thread: it is under the split threshold).
enum BatchedProductBenchmark {
    static func run(reporter: BenchmarkReporter, entries: Int = 32 * 12, tokens: Int = 64, headDimension: Int = 32) {
        var generator = RandomGenerator(seed: 5)
        let q = (0..<(entries * tokens * headDimension)).map { _ in generator.nextFloat(in: -1, 1) }
        let k = (0..<(entries * tokens * headDimension)).map { _ in generator.nextFloat(in: -1, 1) }
        var scores = [Float](repeating: 0, count: entries * tokens * tokens)
        var output = [Float](repeating: 0, count: entries * tokens * headDimension)
        let flops = 2 * Double(entries) * Double(tokens * tokens * headDimension)
        let vectorStride = tokens * headDimension, scoreStride = tokens * tokens
        q.withUnsafeBufferPointer { q in
            k.withUnsafeBufferPointer { k in
                let q = q.baseAddress!, k = k.baseAddress!
                scores.withUnsafeMutableBufferPointer { s in
                    let s = s.baseAddress!
                    func batched(_ threading: GEMM.Threading) -> Double {
                        BenchmarkTimer.bestSecondsPerCall {
                            GEMM.multiplyBatched(batchCount: entries, m: tokens, n: tokens, k: headDimension,
                                                 a: q, lda: headDimension, strideA: vectorStride, transposeA: false,
                                                 b: k, ldb: headDimension, strideB: vectorStride, transposeB: true,
                                                 c: s, ldc: tokens, strideC: scoreStride, accumulate: false, threading: threading)
                        }
                    }
                    let split = batched(.automatic), single = batched(.singleThread)
                    let looped = BenchmarkTimer.bestSecondsPerCall {
                        for entry in 0..<entries {
                            GEMM.multiply(m: tokens, n: tokens, k: headDimension,
                                          a: q + entry * vectorStride, lda: headDimension, transposeA: false,
                                          b: k + entry * vectorStride, ldb: headDimension, transposeB: true,
                                          c: s + entry * scoreStride, ldc: tokens, accumulate: false)
                        }
                    }
                    let name = "\(entries) x q·kᵀ \(tokens)x\(tokens)x\(headDimension)"
                    reporter.report(name: "\(name) batched", seconds: split, gflops: flops / split / 1e9)
                    reporter.report(name: "\(name) batched 1 thread", seconds: single, gflops: flops / single / 1e9)
                    reporter.report(name: "\(name) loop", seconds: looped, gflops: flops / looped / 1e9)
                }
                output.withUnsafeMutableBufferPointer { o in
                    let o = o.baseAddress!
                    // p·v with p = q·kᵀ's shape: the keys stand in for p's rows here (any values do).
                    scores.withUnsafeBufferPointer { p in
                        let p = p.baseAddress!
                        func batched(_ threading: GEMM.Threading) -> Double {
                            BenchmarkTimer.bestSecondsPerCall {
                                GEMM.multiplyBatched(batchCount: entries, m: tokens, n: headDimension, k: tokens,
                                                     a: p, lda: tokens, strideA: scoreStride, transposeA: false,
                                                     b: k, ldb: headDimension, strideB: vectorStride, transposeB: false,
                                                     c: o, ldc: headDimension, strideC: vectorStride, accumulate: false,
                                                     threading: threading)
                            }
                        }
                        let split = batched(.automatic), single = batched(.singleThread)
                        let looped = BenchmarkTimer.bestSecondsPerCall {
                            for entry in 0..<entries {
                                GEMM.multiply(m: tokens, n: headDimension, k: tokens,
                                              a: p + entry * scoreStride, lda: tokens, transposeA: false,
                                              b: k + entry * vectorStride, ldb: headDimension, transposeB: false,
                                              c: o + entry * vectorStride, ldc: headDimension, accumulate: false)
                            }
                        }
                        let name = "\(entries) x p·v \(tokens)x\(headDimension)x\(tokens)"
                        reporter.report(name: "\(name) batched", seconds: split, gflops: flops / split / 1e9)
                        reporter.report(name: "\(name) batched 1 thread", seconds: single, gflops: flops / single / 1e9)
                        reporter.report(name: "\(name) loop", seconds: looped, gflops: flops / looped / 1e9)
                    }
                }
            }
        }
    }
}
