import Testing
import TensorCore
import TestSupport

@Suite("Index tensors and embedding lookup")
struct EmbeddingTests {
    @Test func rowsAreGatheredByID() throws {
        let weight = TestTensors.random([4, 3], seed: 1)
        let ids = try IndexTensor(rows: [[3, 0], [1, 3]])
        #expect(ids.shape == [2, 2])
        let y = try Tensor.embedding(ids, weight: weight)
        #expect(y.shape == [2, 2, 3])
        let table = weight.scalars
        let expected = [3, 0, 1, 3].flatMap { table[$0 * 3 ..< $0 * 3 + 3] }
        #expect(y.scalars == expected)
    }

    @Test func repeatedIDsSumTheirGradientsInAFixedOrder() throws {
        let weight = TestTensors.random([3, 2], seed: 2)
        weight.requiresGradient = true
        let ids = try IndexTensor(shape: [5], values: [1, 1, 2, 1, 2] as [Int32])
        let upstream = try Tensor(shape: [5, 2], values: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
        try (Tensor.embedding(ids, weight: weight) * upstream).sum().backward()
        let expected: [Float] = [0, 0, (0.1 + 0.3) + 0.7, (0.2 + 0.4) + 0.8, 0.5 + 0.9, 0.6 + 1.0]
        #expect(weight.gradient?.scalars == expected)
    }

    @Test func anIDOutsideTheTableIsAnErrorNamingItAndTheRange() throws {
        let weight = TestTensors.random([10, 3], seed: 3)
        let ids = try IndexTensor(rows: [[1, 2], [12, 4]])
        let error = #expect(throws: ShapeError.self) { try Tensor.embedding(ids, weight: weight) }
        #expect(error == .indexOutOfRange(operation: "embedding", index: 12, position: 2, validRange: 0..<10))
        #expect(error?.description.hasPrefix("embedding: id 12 at position 2 is not in 0..<10.") == true)
    }

    @Test func indexTensorsAreValidatedWhenBuilt() throws {
        #expect(throws: ShapeError.elementCountMismatch(operation: "IndexTensor", shape: [2, 2], elementCount: 3)) {
            try IndexTensor(shape: [2, 2], values: [1, 2, 3] as [Int])
        }
        #expect(throws: ShapeError.indexOutOfRange(operation: "IndexTensor", index: -1, position: 1, validRange: 0..<IndexTensor.idLimit)) {
            try IndexTensor(shape: [2], values: [0, -1] as [Int])
        }
        #expect(throws: ShapeError.indexOutOfRange(operation: "IndexTensor", index: -5, position: 0, validRange: 0..<IndexTensor.idLimit)) {
            try IndexTensor(shape: [1], values: [-5] as [Int32])
        }
        #expect(throws: ShapeError.self) { try IndexTensor(rows: [[1, 2], [3]]) }
        #expect(try IndexTensor(shape: [3], values: [5, 6, 7] as [Int]) == IndexTensor(shape: [3], values: [5, 6, 7] as [Int32]))
    }
}
