import NN
import Testing
import TensorCore
import TestSupport

struct EmbeddingTests {
    @Test func gathersRowsOfTheTable() throws {
        let table = TestTensors.random([5, 3], seed: 8)
        let embedding = try Embedding(weight: table)
        let y = try embedding(try IndexTensor(shape: [2, 2], values: [4, 0, 2, 4]))
        #expect(y.shape == [2, 2, 3])
        let rows = table.scalars
        #expect(y.scalars == Array(rows[12..<15] + rows[0..<3] + rows[6..<9] + rows[12..<15]))
        #expect(embedding.namedParameters().map(\.key) == ["weight"])
        #expect(throws: ShapeError.self) { try embedding(try IndexTensor(shape: [1], values: [5])) }
        #expect(throws: ShapeError.self) { try Embedding(weight: Tensor(zeros: [5])) }
    }
}
