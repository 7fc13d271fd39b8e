/// Returns the offset of the first byte that is not part of a well-formed UTF-8 sequence
/// (overlong forms, surrogates and values above U+10FFFF are ill-formed), or `nil` when
/// all of `bytes` is valid UTF-8.
func firstInvalidUTF8Offset(in bytes: [UInt8]) -> Int? {
    var parser = Unicode.UTF8.ForwardParser()
    var iterator = bytes.makeIterator()
    var offset = 0
    while true {
        switch parser.parseScalar(from: &iterator) {
        case .valid(let encoded):
            offset += encoded.count
        case .emptyInput:
            return nil
        case .error:
            return offset
        }
    }
}
