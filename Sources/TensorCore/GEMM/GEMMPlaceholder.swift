// Temporary naive GEMM, replaced by the blocked driver.
public enum GEMM {
    public enum Kernel: String, CaseIterable, Sendable { case avx512, avx2, portable }
    public static var availableKernels: [Kernel] { [.portable] }
    public static var defaultKernel: Kernel { .portable }
    public static func multiply(m: Int, n: Int, k: Int,
                                a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
                                b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
                                c: UnsafeMutablePointer<Float>, ldc: Int,
                                accumulate: Bool, kernel: Kernel = defaultKernel) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = accumulate ? c[i * ldc + j] : 0
                for p in 0..<k {
                    let av = transposeA ? a[p * lda + i] : a[i * lda + p]
                    let bv = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += av * bv
                }
                c[i * ldc + j] = sum
            }
        }
    }
}
