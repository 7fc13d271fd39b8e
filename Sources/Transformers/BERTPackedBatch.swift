import TensorCore

/// A padded batch's real tokens, packed one after another: the layout on which
/// ``BERTEncoder`` computes without padding. Row `n` of a packed tensor `[realTokens, features]`
/// is the token at flat position ``paddedIndices``[n] `= b·tokens + t` of the padded batch,
/// rows in the padded batch's row-major order, so sequence `b` holds rows
/// `o_b ..< o_b + L_b` with `L_b` its number of real tokens (``sequenceLengths``) and
/// `o_b = Σ_{b' < b} L_{b'}`.
///
/// A token is real where the attention mask is non-zero; a mask with holes (left padding)
/// packs just the same, each token keeping its position id `t`.
public struct BERTPackedBatch: Sendable {
    /// Rows of the padded batch.
    public let batchSize: Int
    /// Columns (tokens) of the padded batch.
    public let paddedLength: Int
    /// `L_b`, the real tokens of each row.
    public let sequenceLengths: [Int]
    /// For each packed row, its flat index `b·paddedLength + t` in the padded batch.
    public let paddedIndices: [Int]
    /// Token ids of the real tokens, `[realTokens]`.
    public let tokenIDs: IndexTensor
    /// Position ids `t` of the real tokens, `[realTokens]`.
    public let positionIDs: IndexTensor

    /// `Σ_b L_b`, the packed rows.
    public var tokenCount: Int { paddedIndices.count }

    /// Packs `input`'s real tokens. Throws when the ids are not rank 2 or the mask's shape
    /// differs from theirs.
    public init(_ input: BERTEncoderInput) throws(ShapeError) {
        let ids = input.tokenIDs, mask = input.attentionMask
        guard ids.shape.rank == 2 else { throw ShapeError.rankMismatch(operation: "BERT token ids", expectedRank: 2, actual: ids.shape) }
        guard mask.shape.dimensions == ids.shape.dimensions else {
            throw ShapeError.mismatch(operation: "BERT attention mask against token ids", lhs: ids.shape, rhs: mask.shape)
        }
        let (batch, tokens) = (ids.shape[0], ids.shape[1])
        var lengths = [Int](repeating: 0, count: batch), indices: [Int] = [], tokenIDs: [Int32] = [], positions: [Int32] = []
        indices.reserveCapacity(batch * tokens)
        let maskValues = mask.scalars
        for row in 0..<batch {
            for token in 0..<tokens where maskValues[row * tokens + token] != 0 {
                indices.append(row * tokens + token)
                tokenIDs.append(ids.values[row * tokens + token])
                positions.append(Int32(token))
                lengths[row] += 1
            }
        }
        batchSize = batch
        paddedLength = tokens
        sequenceLengths = lengths
        paddedIndices = indices
        self.tokenIDs = try IndexTensor(shape: [indices.count], values: tokenIDs)
        positionIDs = try IndexTensor(shape: [indices.count], values: positions)
    }

    /// The constant `[batch, realTokens]` matrix `A` whose product `A·x` with the packed last
    /// hidden state `x` `[realTokens, hidden]` pools each sequence:
    /// `.mean`: `A[b, n] = 1/L_b` for the rows `n` of sequence `b` (the masked mean;
    /// a row with no token pools to zeros); `.first`: `A[b, o_b] = 1` (the first real token).
    public func poolingMatrix(_ pooling: TokenPooling) -> Tensor {
        let matrix = Tensor(zeros: [batchSize, tokenCount])
        matrix.withUnsafeMutableBufferPointer { values in
            var offset = 0
            for (row, length) in sequenceLengths.enumerated() {
                switch pooling {
                case .mean:
                    let weight = 1 / Float(length)
                    for n in offset ..< offset + length { values[row * tokenCount + n] = weight }
                case .first:
                    if length > 0 { values[row * tokenCount + offset] = 1 }
                }
                offset += length
            }
        }
        return matrix
    }

    /// A packed tensor `[realTokens, features]` spread back over the padded batch,
    /// `[batch, tokens, features]`, with zeros at padding (values only, no gradient).
    public func padded(_ packed: Tensor) throws(ShapeError) -> Tensor {
        guard packed.shape.rank == 2, packed.shape[0] == tokenCount else {
            throw ShapeError.elementCountMismatch(operation: "BERTPackedBatch.padded rows", shape: packed.shape, elementCount: tokenCount)
        }
        let features = packed.shape[1]
        let result = Tensor(zeros: [batchSize, paddedLength, features])
        packed.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { destination in
                for (row, index) in paddedIndices.enumerated() {
                    for feature in 0..<features { destination[index * features + feature] = source[row * features + feature] }
                }
            }
        }
        return result
    }
}
