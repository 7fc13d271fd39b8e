import Foundation

/// OpenBLAS's `cblas_sgemm`, loaded at run time (`dlopen`) when the library is installed
/// (`apt-get install libopenblas-dev`), so that the GEMM benchmark can print its figures
/// beside ours; nothing links against it. Leave `OPENBLAS_CORETYPE` unset so that it
/// picks its kernels for this CPU.
final class OpenBLASReference {
    private typealias SGEMM = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
        UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    private typealias SetThreadCount = @convention(c) (Int32) -> Void
    private typealias CoreName = @convention(c) () -> UnsafeMutablePointer<CChar>?

    private let sgemm: SGEMM
    private let setThreadCount: SetThreadCount
    /// The kernel family OpenBLAS chose for this CPU (`openblas_get_corename`).
    let coreName: String

    /// The library names tried, in order.
    static let libraryNames = ["libopenblas.so.0", "libopenblas.so", "libopenblas.dylib"]

    /// nil when no OpenBLAS library can be loaded.
    init?() {
        guard let handle = Self.libraryNames.lazy.compactMap({ dlopen($0, RTLD_NOW | RTLD_LOCAL) }).first,
              let sgemmSymbol = dlsym(handle, "cblas_sgemm"),
              let threadSymbol = dlsym(handle, "openblas_set_num_threads") else { return nil }
        sgemm = unsafeBitCast(sgemmSymbol, to: SGEMM.self)
        setThreadCount = unsafeBitCast(threadSymbol, to: SetThreadCount.self)
        if let nameSymbol = dlsym(handle, "openblas_get_corename"), let name = unsafeBitCast(nameSymbol, to: CoreName.self)() {
            coreName = String(cString: name)
        } else {
            coreName = "unknown"
        }
    }

    /// Sets the number of threads OpenBLAS uses.
    func useThreads(_ count: Int) { setThreadCount(Int32(count)) }

    /// Row-major `C = op(A)·op(B)` with OpenBLAS (CBLAS constants: row-major 101,
    /// no transpose 111, transpose 112).
    func multiply(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
                  b: UnsafePointer<Float>, ldb: Int, transposeB: Bool, c: UnsafeMutablePointer<Float>, ldc: Int) {
        sgemm(101, transposeA ? 112 : 111, transposeB ? 112 : 111, Int32(m), Int32(n), Int32(k), 1,
              a, Int32(lda), b, Int32(ldb), 0, c, Int32(ldc))
    }
}
