/// Cache block sizes for the GEMM loops (BLIS naming), per micro-kernel family.
///
/// - `depth` (KC): steps of the shared dimension per block. Each micro-kernel call runs
///   KC steps before it touches C, so larger is better up to where an A panel
///   (`MR x KC`) and a B panel (`KC x NR`) still stream from L1 and L2.
/// - `rows` (MC): rows of op(A) per block (`MC x KC` floats, meant to stay in L2).
/// - `columns` (NC): columns of op(B) per block (`KC x NC` floats, meant to stay in L3).
///
/// The values were measured on the shapes of a small MLP (batch 64, widths 128 and 784)
/// and on square problems up to 1024.
struct GEMMBlocking: Sendable {
    let depth: Int
    let rows: Int
    let columns: Int

    init(kernel: GEMM.Kernel, tileRows: Int, tileColumns: Int) {
        let (depth, rows, columns) =
            switch kernel {
            case .avx512: (512, 128, 2048)
            case .avx2: (512, 144, 2048)
            case .portable: (256, 64, 1024)
            }
        self.depth = depth
        self.rows = Self.roundUp(rows, toMultipleOf: tileRows)
        self.columns = Self.roundUp(columns, toMultipleOf: tileColumns)
    }

    /// The length of each block when `total` is split into the fewest blocks of at most
    /// `maximum`, made as even as possible and rounded up to a multiple of `granule`
    /// (the last block takes the remainder).
    static func blockLength(total: Int, maximum: Int, granule: Int) -> Int {
        if total <= maximum { return total }
        let blockCount = (total + maximum - 1) / maximum
        let even = (total + blockCount - 1) / blockCount
        return min(maximum, roundUp(even, toMultipleOf: granule))
    }

    /// The smallest multiple of `granule` that is at least `value`.
    static func roundUp(_ value: Int, toMultipleOf granule: Int) -> Int {
        (value + granule - 1) / granule * granule
    }
}
