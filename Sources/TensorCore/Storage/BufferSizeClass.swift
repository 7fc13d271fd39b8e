/// The size class that serves a request for `n` floats in ``BufferPool``: four classes per
/// power of two, holding buffers of `2ᵏ·(4 + j + 1)/4` floats for `j = 0…3`, so a request
/// `n` with `2ᵏ < n ≤ 2ᵏ⁺¹` gets the smallest of them that is `≥ n`, at most 25 % more than
/// `n` (`(capacity − n)/n < 1/4`). Requests of up to 16 floats (64 bytes: one cache line,
/// and the alignment every buffer has anyway) share class 0.
///
/// Index: class 0 for `n ≤ 16`; else, with `m = n − 1`, `k = ⌊log₂ m⌋` and
/// `j = ⌊m / 2ᵏ⁻²⌋ − 4`, class `4(k − 4) + j + 1` of capacity `(5 + j)·2ᵏ⁻²` floats.
struct BufferSizeClass {
    /// The position of the class in the pool's tables.
    let index: Int

    /// The largest request served: buffers of 2⁴⁷ floats (512 TiB), beyond any machine.
    static let maximumElementCount = 1 << 47

    /// How many classes there are (`index < classCount`).
    static let classCount = BufferSizeClass(elementCount: maximumElementCount).index + 1

    /// The class serving `elementCount` floats.
    @inline(__always)
    init(elementCount: Int) {
        precondition(elementCount >= 0 && elementCount <= BufferSizeClass.maximumElementCount,
                     "a buffer of \(elementCount) floats is beyond any machine")
        if elementCount <= 16 {
            index = 0
        } else {
            let m = elementCount &- 1
            let k = Int.bitWidth &- 1 &- m.leadingZeroBitCount
            let j = (m &>> (k &- 2)) & 3
            index = 4 &* (k &- 4) &+ j &+ 1
        }
    }

    /// The class at `index`.
    init(index: Int) {
        self.index = index
    }

    /// How many floats a buffer of this class holds.
    @inline(__always)
    var elementCapacity: Int {
        guard index > 0 else { return 16 }
        let k = (index &- 1) / 4 &+ 4, j = (index &- 1) & 3
        return (5 &+ j) &<< (k &- 2)
    }

    /// How many bytes a buffer of this class takes.
    @inline(__always)
    var byteCount: Int { elementCapacity &* MemoryLayout<Float>.stride }
}
