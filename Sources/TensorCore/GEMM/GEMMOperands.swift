/// The operands of one `GEMM.multiply` call, with the layouts documented there.
struct GEMMOperands {
    let m: Int, n: Int, k: Int
    let a: UnsafePointer<Float>, lda: Int, transposeA: Bool
    let b: UnsafePointer<Float>, ldb: Int, transposeB: Bool
    let c: UnsafeMutablePointer<Float>, ldc: Int
    let accumulate: Bool
}
