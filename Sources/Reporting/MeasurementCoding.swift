/// Coding of measured values, which JSON cannot hold when they are NaN or infinite: such
/// values are written as `null`, and a `null` read back as a required value becomes `.nan`.
extension KeyedEncodingContainer {
    /// Writes `value`, or `null` when it is not finite.
    mutating func encodeMeasurement(_ value: Double, forKey key: Key) throws {
        if value.isFinite { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    /// Writes `value`, or `null` when it is `nil` or not finite.
    mutating func encodeMeasurement(_ value: Double?, forKey key: Key) throws {
        if let value, value.isFinite { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}

extension KeyedDecodingContainer {
    /// Reads a required value; `null` reads as `.nan`, a missing key is an error.
    func decodeMeasurement(forKey key: Key) throws -> Double {
        guard contains(key) else {
            throw DecodingError.keyNotFound(key, DecodingError.Context(
                codingPath: codingPath, debugDescription: "The key '\(key.stringValue)' is missing."))
        }
        if try decodeNil(forKey: key) { return .nan }
        return try decode(Double.self, forKey: key)
    }
}
