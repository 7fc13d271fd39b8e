/// Which operand blocks are repacked into contiguous panels before the micro-kernel runs.
///
/// Packing costs one pass over the block and buys contiguous, zero-padded panels whose
/// reads never alias in the cache. It pays off when the packed block is reused many times:
/// each A panel is reused for every B panel (`n / NR` times), each B panel for every A
/// panel (`m / MR` times). The micro-kernel can read A in place in either layout and a
/// row-major B in place (with a padded copy of a partial last panel); a transposed B
/// always has to be packed.
enum GEMMPackingPolicy: CaseIterable, Sendable {
    /// Pack when the reuse makes it cheap (see ``minimumReuseForPacking``).
    case automatic
    /// Pack both operands.
    case always
    /// Pack only what the micro-kernel cannot read in place.
    case minimal

    /// Operands with at least this many reusing rows (for B) or columns (for A) are packed
    /// under ``automatic``: below it the copy costs a few percent of the multiply.
    static let minimumReuseForPacking = 512

    /// Whether the A block is packed for a product with `n` columns.
    func packsA(n: Int) -> Bool {
        switch self {
        case .automatic: n >= Self.minimumReuseForPacking
        case .always: true
        case .minimal: false
        }
    }

    /// Whether the B block is packed for a product with `m` rows.
    func packsB(m: Int, transposed: Bool) -> Bool {
        if transposed { return true }
        switch self {
        case .automatic: return m >= Self.minimumReuseForPacking
        case .always: return true
        case .minimal: return false
        }
    }
}
