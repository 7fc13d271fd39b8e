/// The operands of one `GEMM.multiply` call, with the layouts documented there.
///
/// When `bIsPacked`, `b` points at ``GEMM/PackedMatrix`` panels over the whole depth `k`
/// (starting at this call's first column, a multiple of NR) and `ldb`/`transposeB` are unused.
/// With `columnBias` (`n` floats, this call's columns) and `accumulate` false, the product is
/// `C = bias + op(A)·op(B)`: each tile of C is set to the bias just before its first depth
/// block accumulates into it.
struct GEMMOperands {
    let m: Int, n: Int, k: Int
    let a: UnsafePointer<Float>, lda: Int, transposeA: Bool
    let b: UnsafePointer<Float>, ldb: Int, transposeB: Bool
    var bIsPacked = false
    let c: UnsafeMutablePointer<Float>, ldc: Int
    let accumulate: Bool
    var columnBias: UnsafePointer<Float>? = nil
}
