import Testing
import TensorCore

@Suite("Shape")
struct ShapeTests {
    @Test func dimensionsAndCounts() {
        let shape: Shape = [2, 3, 4]
        #expect(shape.rank == 3)
        #expect(shape.dimensions == [2, 3, 4])
        #expect(shape.elementCount == 24)
        #expect(shape.lastDimension == 4)
        #expect(shape.rowCount == 6)
        #expect(Shape([]).elementCount == 1)
        #expect(shape.replacing(axis: 0, with: 5) == [5, 3, 4])
        #expect(shape.description == "[2, 3, 4]")
    }

    @Test func equalityComparesRankAndDimensions() {
        #expect(Shape([3]) != Shape([3, 1]))
        #expect(Shape([3, 1]) == Shape([3, 1]))
    }

    @Test func validatedRejectsBadDimensions() {
        #expect(throws: ShapeError.invalidDimensions([1, 2, 3, 4, 5])) { try Shape.validated([1, 2, 3, 4, 5]) }
        #expect(throws: ShapeError.invalidDimensions([-1])) { try Shape.validated([-1]) }
        #expect(throws: ShapeError.invalidDimensions([Int.max, 2])) { try Shape.validated([Int.max, 2]) }
        #expect((try? Shape.validated([7, 12])) == [7, 12])
    }
}
