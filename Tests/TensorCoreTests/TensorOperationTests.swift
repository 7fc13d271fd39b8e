import Foundation
import Testing
import TensorCore
import TestSupport

@Suite("Tensor operations: forward values and shape errors")
struct TensorOperationTests {
    @Test func matmulComputesProducts() throws {
        let a = try Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let b = try Tensor(shape: [3, 2], values: [7, 8, 9, 10, 11, 12])
        #expect(try a.matmul(b).scalars == [58, 64, 139, 154])
        #expect(try a.matmul(a, transposeOther: true).scalars == [14, 32, 32, 77])
        #expect(try a.matmul(a, transposeSelf: true).shape == [3, 3])
    }

    @Test func linearAddsBiasToEveryRow() throws {
        let x = try Tensor(shape: [2, 2], values: [1, 2, 3, 4])
        let w = try Tensor(shape: [3, 2], values: [1, 0, 0, 1, 1, 1])
        let b = try Tensor(shape: [3], values: [10, 20, 30])
        #expect(try Tensor.linear(x, weight: w, bias: b).scalars == [11, 22, 33, 13, 24, 37])
    }

    @Test func broadcastingFollowsNumPyRules() throws {
        let column = try Tensor(shape: [2, 1], values: [1, 2])
        let row = try Tensor(shape: [3], values: [10, 20, 30])
        let sum = try column + row
        #expect(sum.shape == [2, 3])
        #expect(sum.scalars == [11, 21, 31, 12, 22, 32])
        #expect(try (row / Tensor(scalar: 10)).scalars == [1, 2, 3])
    }

    @Test func shapeErrorsNameBothShapes() throws {
        let a = Tensor(zeros: [2, 3]), b = Tensor(zeros: [4, 5])
        #expect(throws: ShapeError.mismatch(operation: "matmul", lhs: [2, 3], rhs: [4, 5])) { try a.matmul(b) }
        #expect(throws: ShapeError.mismatch(operation: "add", lhs: [2, 3], rhs: [4, 5])) { try a + b }
        let description = ShapeError.mismatch(operation: "add", lhs: [2, 3], rhs: [4, 5]).description
        #expect(description.contains("[2, 3]") && description.contains("[4, 5]"))
        #expect(throws: ShapeError.self) { try Tensor.linear(a, weight: Tensor(zeros: [3, 4]), bias: nil) }
        #expect(throws: ShapeError.mismatch(operation: "lowRankAdaptedLinear precomputed x·Wᵀ + b", lhs: [2, 4], rhs: [2, 5])) {
            try Tensor.lowRankAdaptedLinear(a, weight: Tensor(zeros: [4, 3]), bias: nil, adapterInput: a, a: Tensor(zeros: [1, 3]),
                                            b: Tensor(zeros: [4, 1]), scale: 1, precomputedAffine: Tensor(zeros: [2, 5]))
        }
        #expect(throws: ShapeError.elementCountMismatch(operation: "Tensor(shape:values:)", shape: [2, 2], elementCount: 3)) {
            try Tensor(shape: [2, 2], values: [1, 2, 3])
        }
        #expect(throws: ShapeError.rangeOutOfBounds(operation: "rows", range: 1..<3, shape: [2, 3])) { try a.rows(1..<3) }
        #expect(throws: ShapeError.axisOutOfRange(operation: "sum", axis: 2, shape: [2, 3])) { try a.sum(alongAxes: [2]) }
    }

    @Test func crossEntropyMatchesItsDefinitionAndIsStable() throws {
        let logits = try Tensor(shape: [2, 3], values: [1, 2, 3, 1000, 0, -1000])
        let loss = try Tensor.crossEntropy(logits: logits, targets: [2, 0]).scalarValue
        let row0 = -(3 - Foundation.log(Foundation.exp(1.0) + Foundation.exp(2.0) + Foundation.exp(3.0)))
        #expect(abs(Double(loss) - row0 / 2) < 1e-6)
        #expect(loss.isFinite)
        #expect(throws: ShapeError.classIndexOutOfRange(index: 3, classCount: 3)) {
            try Tensor.crossEntropy(logits: logits, targets: [3, 0])
        }
    }

    @Test func logSoftmaxRowsExponentiateToOne() throws {
        let x = TestTensors.random([4, 7], low: -20, high: 20)
        let y = x.logSoftmax().scalars
        for row in 0..<4 {
            let total = (0..<7).reduce(0.0) { $0 + Foundation.exp(Double(y[row * 7 + $1])) }
            #expect(abs(total - 1) < 1e-5)
        }
    }

    @Test func normsAndReductions() throws {
        let x = try Tensor(shape: [2, 2], values: [3, 4, 0, 5])
        #expect(try x.rowNorms().scalars == [5, 5])
        #expect(try x.columnNorms().scalars == [3, Float(41).squareRoot()])
        #expect(try x.sum(alongAxes: [0]).scalars == [3, 9])
        #expect(try x.mean(alongAxes: [1], keepingDimensions: true).shape == [2, 1])
        #expect(x.sum().scalarValue == 12)
    }

    @Test func layoutOperations() throws {
        let x = try Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        #expect(try x.transposed().scalars == [1, 4, 2, 5, 3, 6])
        #expect(try x.reshaped(to: [3, 2]).shape == [3, 2])
        #expect(try x.rows(1..<2).scalars == [4, 5, 6])
        #expect(try Tensor.concatenate([x, x.rows(0..<1)]).scalars == [1, 2, 3, 4, 5, 6, 1, 2, 3])
        #expect(throws: ShapeError.elementCountMismatch(operation: "reshaped", shape: [4], elementCount: 6)) { try x.reshaped(to: [4]) }
    }
}
