import Testing
@testable import TensorCore

/// The pool's size classes, checked against their definition: the smallest of the
/// capacities `2ᵏ·(5…8)/4` (or 16) that holds the request.
struct BufferSizeClassTests {
    /// Every capacity the classes may have, ascending, computed from the definition.
    private static let capacities: [Int] = {
        var all = [16]
        for k in 4..<47 { for quarter in 5...8 { all.append(quarter << (k - 2)) } }
        return all
    }()

    @Test(arguments: Array(0...5000) + [1 << 20, (1 << 20) + 1, 3_000_000, 123_456_789, 1 << 40, (1 << 40) + 7])
    func aRequestGetsTheSmallestClassThatHoldsIt(_ count: Int) {
        let sizeClass = BufferSizeClass(elementCount: count)
        let expected = Self.capacities.first { $0 >= count }!
        #expect(sizeClass.elementCapacity == expected)
        #expect(sizeClass.index == Self.capacities.firstIndex(of: expected)!)
        #expect(BufferSizeClass(index: sizeClass.index).elementCapacity == expected)
        if count > 16 { #expect(Double(sizeClass.elementCapacity - count) < 0.25 * Double(count)) }
    }

    @Test func theLargestRequestHasTheLastClass() {
        let last = BufferSizeClass(elementCount: BufferSizeClass.maximumElementCount)
        #expect(last.index == BufferSizeClass.classCount - 1)
        #expect(last.elementCapacity == BufferSizeClass.maximumElementCount)
    }
}
