import TestSupport
import Foundation
import Testing
import SafeTensors

/// One test per malformed-input case, each asserting the exact error; plus inputs that
/// look odd but are valid, and crash-freedom on mutated and truncated files.
@Suite("Strict validation of malformed files")
struct ValidationTests {
    let label = TestSupport.label

    /// `{"name": entry}` with an F32 tensor entry by default.
    private func entry(dtype: String = #""F32""#, shape: String = "[2]", offsets: String = "[0,8]") -> String {
        #"{"dtype":\#(dtype),"shape":\#(shape),"data_offsets":\#(offsets)}"#
    }

    private let eightBytes = [UInt8](repeating: 0, count: 8)

    // MARK: Opening

    @Test("a file shorter than 8 bytes throws fileTooSmall", arguments: [0, 1, 7])
    func fileTooSmall(_ size: Int) {
        #expect(throws: SafeTensorsError.fileTooSmall(path: label, size: size)) {
            try SafeTensorsFile(data: Data(repeating: 0, count: size), label: label)
        }
    }

    @Test("a short file on disk throws fileTooSmall naming its path")
    func fileTooSmallOnDisk() throws {
        let directory = try TestSupport.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("short.safetensors").path
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        #expect(throws: SafeTensorsError.fileTooSmall(path: path, size: 3)) {
            try SafeTensorsFile(path: path)
        }
        let empty = directory.appendingPathComponent("empty.safetensors").path
        try Data().write(to: URL(fileURLWithPath: empty))
        #expect(throws: SafeTensorsError.fileTooSmall(path: empty, size: 0)) {
            try SafeTensorsFile(path: empty)
        }
    }

    @Test("a missing file or a directory throws cannotOpen naming the path")
    func cannotOpen() throws {
        let directory = try TestSupport.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("nope.safetensors").path
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(path: missing) }
        guard case .cannotOpen(let path, let reason) = error else {
            Issue.record("expected cannotOpen, got \(String(describing: error))")
            return
        }
        #expect(path == missing)
        #expect(reason.contains("No such file"))
        #expect(error?.description.contains(missing) == true)

        let directoryError = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(path: directory.path) }
        #expect(directoryError == .cannotOpen(path: directory.path, reason: "it is a directory"))
    }

    @Test("a header length above 100 MB throws headerTooLarge", arguments: [UInt64(100_000_001), UInt64.max])
    func headerTooLarge(_ declared: UInt64) {
        #expect(throws: SafeTensorsError.headerTooLarge(path: label, declaredLength: declared, limit: 100_000_000)) {
            try TestSupport.open(header: "{}", declaredLength: declared)
        }
    }

    @Test("a header length beyond the end of the file throws headerLengthExceedsFile")
    func headerLengthExceedsFile() {
        #expect(throws: SafeTensorsError.headerLengthExceedsFile(path: label, declaredLength: 100, fileSize: 10)) {
            try TestSupport.open(header: "{}", declaredLength: 100)
        }
        #expect(throws: SafeTensorsError.headerLengthExceedsFile(path: label, declaredLength: 3, fileSize: 10)) {
            try TestSupport.open(header: "{}", declaredLength: 3)
        }
    }

    // MARK: Header syntax

    @Test("invalid UTF-8 in the header throws headerNotUTF8 with the offset", arguments: [
        ([0x7B, 0x22, 0x61, 0xFF, 0x22, 0x3A, 0x31, 0x7D], 3),  // {"a\xFF":1}
        ([0x7B, 0x22, 0xC0, 0x80, 0x22, 0x3A, 0x31, 0x7D], 2),  // overlong NUL
        ([0x7B, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x7D], 2),        // UTF-16 surrogate
        ([0x7B, 0x22, 0xE6, 0x97], 2),                          // truncated sequence
    ] as [([UInt8], Int)])
    func headerNotUTF8(_ header: [UInt8], _ offset: Int) {
        #expect(throws: SafeTensorsError.headerNotUTF8(path: label, byteOffset: offset)) {
            try SafeTensorsFile(data: TestSupport.file(headerBytes: header), label: label)
        }
    }

    @Test("malformed JSON throws headerNotJSON", arguments: [
        "", " ", #"{"a":"#, #"{"a" 1}"#, "{} x", "{}\u{0}\u{0}", "{'a':1}", #"{"a":01}"#, #"{"a":-}"#,
        #"{"a":1.}"#, #"{"a":1e}"#, #"{"a":"\u{01}"}"#, #"{"a":"\uD800"}"#, #"{"a":"\uDC00x"}"#, #"{"a":"\q"}"#,
        #"{"a":"\u12G4"}"#, #"{"a":tru}"#, #"{"a":nul}"#, "{,}", #"{"a":[1,]}"#, #"{"a":1,}"#, "{\"a\":\"unterminated}",
        "\u{FEFF}{}", "{}}", "[[", #"{"a":NaN}"#,
    ])
    func headerNotJSON(_ header: String) {
        let error = #expect(throws: SafeTensorsError.self) { try TestSupport.open(header: header) }
        guard case .headerNotJSON(let path, let offset, let reason) = error else {
            Issue.record("expected headerNotJSON for \(header.debugDescription), got \(String(describing: error))")
            return
        }
        #expect(path == label)
        #expect(offset >= 0 && offset <= header.utf8.count)
        #expect(!reason.isEmpty)
    }

    @Test("headerNotJSON reports the offset and what was found")
    func headerNotJSONDetails() {
        #expect(throws: SafeTensorsError.headerNotJSON(path: label, byteOffset: 3, reason: "unexpected 'x' after the end of the JSON value")) {
            try TestSupport.open(header: "{} x")
        }
        #expect(throws: SafeTensorsError.headerNotJSON(path: label, byteOffset: 2, reason: "unexpected byte 0x00 after the end of the JSON value")) {
            try TestSupport.open(header: "{}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}")
        }
    }

    @Test("absurdly deep nesting is rejected without exhausting the stack")
    func deepNesting() {
        let header = #"{"a":"# + String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000) + "}"
        let error = #expect(throws: SafeTensorsError.self) { try TestSupport.open(header: header) }
        guard case .headerNotJSON(_, _, let reason) = error else {
            Issue.record("expected headerNotJSON, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("nesting deeper than 64"))
    }

    @Test("nesting up to the limit of 64 levels is accepted in ignored fields")
    func nestingAtTheLimit() throws {
        // Root object (1) + entry object (2) + 62 arrays = 64 levels.
        let deep = String(repeating: "[", count: 62) + String(repeating: "]", count: 62)
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":\#(deep)}}"#
        #expect(try TestSupport.open(header: header, data: eightBytes).names == ["a"])
        let tooDeep = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":[\#(deep)]}}"#
        #expect(throws: SafeTensorsError.headerNotJSON(path: label, byteOffset: 119, reason: "nesting deeper than 64 levels")) {
            try TestSupport.open(header: tooDeep, data: eightBytes)
        }
    }

    @Test("a header that is not an object throws headerNotObject", arguments: [
        ("[]", "[]"), (#""x""#, #"the string "x""#), ("3", "the number 3"), ("null", "null"),
        ("true", "the boolean true"), ("[1,2,3,4,5]", "an array of 5 elements"),
    ])
    func headerNotObject(_ header: String, _ found: String) {
        #expect(throws: SafeTensorsError.headerNotObject(path: label, found: found)) {
            try TestSupport.open(header: header)
        }
    }

    @Test("duplicate keys are rejected at every level")
    func duplicateKeys() {
        let data = eightBytes
        #expect(throws: SafeTensorsError.duplicateKey(path: label, key: "a", parent: nil)) {
            try TestSupport.open(header: #"{"a":\#(entry()),"a":\#(entry())}"#, data: data)
        }
        #expect(throws: SafeTensorsError.duplicateKey(path: label, key: "dtype", parent: "a")) {
            try TestSupport.open(header: #"{"a":{"dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8]}}"#, data: data)
        }
        #expect(throws: SafeTensorsError.duplicateKey(path: label, key: "k", parent: "__metadata__")) {
            try TestSupport.open(header: #"{"__metadata__":{"k":"1","k":"2"},"a":\#(entry())}"#, data: data)
        }
        #expect(throws: SafeTensorsError.duplicateKey(path: label, key: "__metadata__", parent: nil)) {
            try TestSupport.open(header: #"{"__metadata__":{},"__metadata__":{}}"#)
        }
        // Duplicates are reported before problems in the duplicated entries themselves.
        #expect(throws: SafeTensorsError.duplicateKey(path: label, key: "a", parent: nil)) {
            try TestSupport.open(header: #"{"a":[],"b":\#(entry()),"a":7}"#, data: data)
        }
        #expect(throws: SafeTensorsError.duplicateKey(path: label, key: "dtype", parent: "a")) {
            try TestSupport.open(header: #"{"a":{"dtype":1,"shape":"x","dtype":"F32","data_offsets":[0,8]}}"#, data: data)
        }
        #expect(throws: SafeTensorsError.duplicateKey(path: label, key: "k", parent: "__metadata__")) {
            try TestSupport.open(header: #"{"__metadata__":{"k":1,"k":"2"}}"#)
        }
        // Escaped and literal spellings of the same key are the same key.
        #expect(throws: SafeTensorsError.duplicateKey(path: label, key: "a", parent: nil)) {
            try TestSupport.open(header: #"{"a":\#(entry()),"\u0061":\#(entry(offsets: "[8,16]"))}"#, data: data + data)
        }
        // Precomposed and decomposed "é" are canonically equivalent, hence the same name.
        #expect(throws: SafeTensorsError.duplicateKey(path: label, key: "e\u{301}", parent: nil)) {
            try TestSupport.open(header: #"{"\u00e9":\#(entry()),"e\u0301":\#(entry(offsets: "[8,16]"))}"#, data: data + data)
        }
    }

    // MARK: Header structure

    @Test("__metadata__ must be an object of strings")
    func invalidMetadata() {
        #expect(throws: SafeTensorsError.invalidMetadata(path: label, key: nil, found: "[]")) {
            try TestSupport.open(header: #"{"__metadata__":[]}"#)
        }
        #expect(throws: SafeTensorsError.invalidMetadata(path: label, key: nil, found: "null")) {
            try TestSupport.open(header: #"{"__metadata__":null}"#)
        }
        #expect(throws: SafeTensorsError.invalidMetadata(path: label, key: "epochs", found: "the number 3")) {
            try TestSupport.open(header: #"{"__metadata__":{"format":"pt","epochs":3}}"#)
        }
        #expect(throws: SafeTensorsError.invalidMetadata(path: label, key: "nested", found: "an object")) {
            try TestSupport.open(header: #"{"__metadata__":{"nested":{"a":"b"}}}"#)
        }
    }

    @Test("a tensor entry that is not an object throws entryNotObject")
    func entryNotObject() {
        #expect(throws: SafeTensorsError.entryNotObject(path: label, tensor: "a", found: "[1]")) {
            try TestSupport.open(header: #"{"a":[1]}"#)
        }
        #expect(throws: SafeTensorsError.entryNotObject(path: label, tensor: "a", found: #"the string "F32""#)) {
            try TestSupport.open(header: #"{"a":"F32"}"#)
        }
    }

    @Test("a missing field throws missingField", arguments: [
        (#"{"a":{"shape":[2],"data_offsets":[0,8]}}"#, "dtype"),
        (#"{"a":{"dtype":"F32","data_offsets":[0,8]}}"#, "shape"),
        (#"{"a":{"dtype":"F32","shape":[2]}}"#, "data_offsets"),
        (#"{"a":{}}"#, "dtype"),
        (#"{"a":{"dtype":"F32","shape":[2],"offsets":[0,8]}}"#, "data_offsets"),
    ])
    func missingField(_ header: String, _ field: String) {
        #expect(throws: SafeTensorsError.missingField(path: label, tensor: "a", field: field)) {
            try TestSupport.open(header: header, data: eightBytes)
        }
    }

    @Test("field problems are reported in the order dtype, shape, data_offsets, whatever the key order")
    func fieldOrder() {
        #expect(throws: SafeTensorsError.unknownDType(path: label, tensor: "a", dtype: "X")) {
            try TestSupport.open(header: #"{"a":{"data_offsets":null,"shape":[-1],"dtype":"X"}}"#)
        }
        #expect(throws: SafeTensorsError.invalidShapeDimension(path: label, tensor: "a", index: 1, value: "-1")) {
            try TestSupport.open(header: #"{"a":{"data_offsets":null,"shape":[2,-1,{"x":[]}],"dtype":"F32"}}"#)
        }
        #expect(throws: SafeTensorsError.missingField(path: label, tensor: "b", field: "shape")) {
            try TestSupport.open(header: #"{"a":\#(entry()),"b":{"data_offsets":[8,16],"dtype":"F32"}}"#, data: eightBytes + eightBytes)
        }
    }

    @Test("wrongly typed values are summarized without being built", arguments: [
        (#"[[1],[2],{"a":[3]}]"#, "an array of 3 elements"),
        ("[" + Array(repeating: "0", count: 10_000).joined(separator: ",") + "]", "an array of 10000 elements"),
        (#"{"x":{"y":[]}}"#, "an object"),
        ("[1, \"two\", true, null]", #"[1, "two", true, null]"#),
        ("true", "the boolean true"),
        ("-12.5e-3", "the number -12.5e-3"),
    ])
    func summaries(_ json: String, _ found: String) {
        #expect(throws: SafeTensorsError.invalidFieldType(path: label, tensor: "a", field: "dtype", expected: "a string such as \"F32\"", found: found)) {
            try TestSupport.open(header: #"{"a":{"dtype":\#(json),"shape":[2],"data_offsets":[0,8]}}"#, data: eightBytes)
        }
    }

    @Test("a wrongly typed field throws invalidFieldType", arguments: [
        (#"{"a":{"dtype":32,"shape":[2],"data_offsets":[0,8]}}"#, "dtype", "the number 32"),
        (#"{"a":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}"#, "shape", #"the string "2""#),
        (#"{"a":{"dtype":"F32","shape":{},"data_offsets":[0,8]}}"#, "shape", "an empty object"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}"#, "data_offsets", "[0]"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,16]}}"#, "data_offsets", "[0, 8, 16]"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,-8]}}"#, "data_offsets", "[0, -8]"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8.0]}}"#, "data_offsets", "[0, 8.0]"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":["0","8"]}}"#, "data_offsets", #"["0", "8"]"#),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":null}}"#, "data_offsets", "null"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551616]}}"#, "data_offsets", "[0, 18446744073709551616]"),
    ])
    func invalidFieldType(_ header: String, _ field: String, _ found: String) {
        let expected = switch field {
        case "dtype": "a string such as \"F32\""
        case "shape": "an array of non-negative integers"
        default: "an array of two non-negative integers [begin, end]"
        }
        #expect(throws: SafeTensorsError.invalidFieldType(path: label, tensor: "a", field: field, expected: expected, found: found)) {
            try TestSupport.open(header: header, data: eightBytes)
        }
    }

    @Test("an unknown dtype throws unknownDType", arguments: ["F128", "f32", "FLOAT", "", "F32 "])
    func unknownDType(_ dtype: String) {
        #expect(throws: SafeTensorsError.unknownDType(path: label, tensor: "a", dtype: dtype)) {
            try TestSupport.open(header: #"{"a":\#(entry(dtype: "\"\(dtype)\""))}"#, data: eightBytes)
        }
    }

    @Test("a negative or non-integer dimension throws invalidShapeDimension", arguments: [
        ("[-1]", 0, "-1"), ("[2,2.5]", 1, "2.5"), ("[1e2]", 0, "1e2"), ("[2.0]", 0, "2.0"), ("[-0]", 0, "-0"),
        (#"["2"]"#, 0, #"the string "2""#), ("[null]", 0, "null"), ("[[2]]", 0, "[2]"),
        ("[1,99999999999999999999]", 1, "99999999999999999999"),
        ("[9223372036854775808]", 0, "9223372036854775808"),  // Int.max + 1
    ] as [(String, Int, String)])
    func invalidShapeDimension(_ shape: String, _ index: Int, _ value: String) {
        #expect(throws: SafeTensorsError.invalidShapeDimension(path: label, tensor: "a", index: index, value: value)) {
            try TestSupport.open(header: #"{"a":\#(entry(shape: shape))}"#, data: eightBytes)
        }
    }

    @Test("a shape whose element or bit count overflows throws elementCountOverflow")
    func elementCountOverflow() {
        #expect(throws: SafeTensorsError.elementCountOverflow(path: label, tensor: "a", shape: [4_294_967_296, 4_294_967_296])) {
            try TestSupport.open(header: #"{"a":\#(entry(shape: "[4294967296,4294967296]"))}"#, data: eightBytes)
        }
        // 2^60 elements fit in Int, but 2^60 x 32 bits do not.
        #expect(throws: SafeTensorsError.elementCountOverflow(path: label, tensor: "a", shape: [1 << 60])) {
            try TestSupport.open(header: #"{"a":\#(entry(shape: "[1152921504606846976]"))}"#, data: eightBytes)
        }
        #expect(throws: SafeTensorsError.elementCountOverflow(path: label, tensor: "a", shape: [Int.max, 2, 0])) {
            try TestSupport.open(header: #"{"a":\#(entry(shape: "[9223372036854775807,2,0]"))}"#, data: eightBytes)
        }
    }

    @Test("a packed tensor that does not fill whole bytes throws packedSizeNotWholeBytes")
    func packedSizeNotWholeBytes() {
        #expect(throws: SafeTensorsError.packedSizeNotWholeBytes(path: label, tensor: "a", dtype: .f4, elementCount: 3)) {
            try TestSupport.open(header: #"{"a":\#(entry(dtype: #""F4""#, shape: "[3]", offsets: "[0,2]"))}"#, data: [0, 0])
        }
    }

    // MARK: Data layout

    @Test("begin > end throws offsetsReversed")
    func offsetsReversed() {
        #expect(throws: SafeTensorsError.offsetsReversed(path: label, tensor: "a", begin: 8, end: 4)) {
            try TestSupport.open(header: #"{"a":\#(entry(offsets: "[8,4]"))}"#, data: eightBytes)
        }
    }

    @Test("offsets past the data section throw offsetsOutOfRange")
    func offsetsOutOfRange() {
        #expect(throws: SafeTensorsError.offsetsOutOfRange(path: label, tensor: "a", end: 16, dataSize: 8)) {
            try TestSupport.open(header: #"{"a":\#(entry(shape: "[4]", offsets: "[0,16]"))}"#, data: eightBytes)
        }
        #expect(throws: SafeTensorsError.offsetsOutOfRange(path: label, tensor: "a", end: UInt64.max, dataSize: 8)) {
            try TestSupport.open(header: #"{"a":\#(entry(offsets: "[18446744073709551607,18446744073709551615]"))}"#, data: eightBytes)
        }
    }

    @Test("a byte length that does not match shape x dtype throws byteLengthMismatch")
    func byteLengthMismatch() {
        #expect(throws: SafeTensorsError.byteLengthMismatch(path: label, tensor: "a", dtype: .f32, shape: [2], expectedBytes: 8, actualBytes: 12)) {
            try TestSupport.open(header: #"{"a":\#(entry(offsets: "[0,12]"))}"#, data: eightBytes + [0, 0, 0, 0])
        }
        #expect(throws: SafeTensorsError.byteLengthMismatch(path: label, tensor: "a", dtype: .f16, shape: [2], expectedBytes: 4, actualBytes: 8)) {
            try TestSupport.open(header: #"{"a":\#(entry(dtype: #""F16""#))}"#, data: eightBytes)
        }
        #expect(throws: SafeTensorsError.byteLengthMismatch(path: label, tensor: "a", dtype: .f32, shape: [0], expectedBytes: 0, actualBytes: 8)) {
            try TestSupport.open(header: #"{"a":\#(entry(shape: "[0]"))}"#, data: eightBytes)
        }
    }

    @Test("tensors sharing bytes throw overlappingTensors")
    func overlapping() {
        let header = #"{"a":\#(entry()),"b":\#(entry(offsets: "[4,12]"))}"#
        #expect(throws: SafeTensorsError.overlappingTensors(path: label, tensor: "b", begin: 4, previousTensor: "a", previousEnd: 8)) {
            try TestSupport.open(header: header, data: eightBytes + [0, 0, 0, 0])
        }
        let identical = #"{"a":\#(entry()),"b":\#(entry())}"#
        #expect(throws: SafeTensorsError.overlappingTensors(path: label, tensor: "b", begin: 0, previousTensor: "a", previousEnd: 8)) {
            try TestSupport.open(header: identical, data: eightBytes)
        }
    }

    @Test("a hole in the data section throws gapBeforeTensor")
    func gaps() {
        let header = #"{"a":\#(entry()),"b":\#(entry(offsets: "[12,20]"))}"#
        #expect(throws: SafeTensorsError.gapBeforeTensor(path: label, tensor: "b", begin: 12, expectedBegin: 8)) {
            try TestSupport.open(header: header, data: [UInt8](repeating: 0, count: 20))
        }
        #expect(throws: SafeTensorsError.gapBeforeTensor(path: label, tensor: "a", begin: 4, expectedBegin: 0)) {
            try TestSupport.open(header: #"{"a":\#(entry(offsets: "[4,12]"))}"#, data: [UInt8](repeating: 0, count: 12))
        }
    }

    @Test("bytes after the last tensor throw trailingBytes")
    func trailing() {
        #expect(throws: SafeTensorsError.trailingBytes(path: label, coveredBytes: 8, dataSize: 12)) {
            try TestSupport.open(header: #"{"a":\#(entry())}"#, data: eightBytes + [1, 2, 3, 4])
        }
        #expect(throws: SafeTensorsError.trailingBytes(path: label, coveredBytes: 0, dataSize: 4)) {
            try TestSupport.open(header: "{}", data: [1, 2, 3, 4])
        }
    }

    @Test("a name that is not in the file throws tensorNotFound")
    func tensorNotFound() throws {
        let file = try TestSupport.open(header: #"{"a":\#(entry())}"#, data: eightBytes)
        #expect(throws: SafeTensorsError.tensorNotFound(path: label, name: "b")) { try file.floats(named: "b") }
        #expect(throws: SafeTensorsError.tensorNotFound(path: label, name: "A")) { try file.int64s(named: "A") }
        #expect(throws: SafeTensorsError.tensorNotFound(path: label, name: "__metadata__")) { try file.rawBytes(named: "__metadata__") }
    }

    // MARK: Valid oddities

    @Test("valid but unusual headers open", arguments: [
        // Keys out of offset order (the reference sorts by offsets).
        #"{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
        // Whitespace everywhere, padding, unknown extra fields, empty metadata.
        " \n{ \"__metadata__\" : { } , \"a\" : { \"extra\": [1, {\"x\": null}], \"dtype\" : \"I32\" , \"shape\" : [ 2 ] , \"data_offsets\" : [ 0 , 8 ] } }\t\r\n   ",
        // Zero-sized tensors, including several at the same offset, and a scalar.
        #"{"z1":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"z2":{"dtype":"F16","shape":[3,0],"data_offsets":[0,0]},"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"z3":{"dtype":"U8","shape":[0],"data_offsets":[8,8]}}"#,
    ])
    func validOddities(_ header: String) throws {
        let file = try TestSupport.open(header: header, data: eightBytes)
        #expect(!file.tensors.isEmpty)
        for info in file.tensors where info.dtype.isConvertibleToFloat {
            #expect(try file.floats(named: info.name).count == info.elementCount)
        }
    }

    // MARK: Never crash

    @Test("every truncation of a valid file fails cleanly")
    func truncations() throws {
        let original = try [UInt8](Data(contentsOf: TestSupport.fixtureURL("input.safetensors")))
        for length in 0..<original.count {
            #expect(throws: SafeTensorsError.self) {
                try SafeTensorsFile(data: Data(original[0..<length]))
            }
        }
    }

    @Test("random corruption never crashes and every accessor stays safe")
    func randomMutations() throws {
        let original = try [UInt8](Data(contentsOf: TestSupport.fixtureURL("lora_adapter_model.safetensors")))
        let headerEnd = 8 + Int(original[0]) + Int(original[1]) << 8
        var generator = SplitMix64(seed: 20_240_601)
        var opened = 0
        for iteration in 0..<3000 {
            var bytes = original
            let mutations = 1 + Int(generator.next() % 4)
            for _ in 0..<mutations {
                // Mostly hit the prefix and header, where the parsing is.
                let limit = iteration % 4 == 0 ? bytes.count : headerEnd
                let index = Int(generator.next() % UInt64(limit))
                switch generator.next() % 4 {
                case 0: bytes[index] = UInt8(truncatingIfNeeded: generator.next())
                case 1: bytes[index] ^= 1 << UInt8(generator.next() % 8)
                case 2: bytes[index] = Array("{}[],:\"0123456789-.e\\ ".utf8)[Int(generator.next() % 22)]
                default: bytes.remove(at: index)
                }
            }
            guard let file = try? SafeTensorsFile(data: Data(bytes)) else { continue }
            opened += 1
            for info in file.tensors {
                _ = try? file.floats(named: info.name)
                _ = try? file.int64s(named: info.name)
                _ = try? file.rawBytes(named: info.name)
            }
        }
        // Some mutations (inside the data section) leave the file valid.
        #expect(opened > 0)
    }

    @Test("random headers never crash")
    func randomHeaders() {
        var generator = SplitMix64(seed: 7)
        let alphabet = Array(#"{}[],:"0123456789-+.eE\u abfnrt"#.utf8) + [0x00, 0x0A, 0xC3, 0xA9, 0xFF]
        for _ in 0..<3000 {
            let length = Int(generator.next() % 64)
            let header = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            let data = [UInt8](repeating: 0, count: Int(generator.next() % 16))
            _ = try? SafeTensorsFile(data: TestSupport.file(headerBytes: header, data: data))
        }
    }

    // MARK: Descriptions

    @Test("every error description is a sentence with a hint and names the file or tensor")
    func descriptions() {
        let errors: [SafeTensorsError] = [
            .cannotOpen(path: "p", reason: "No such file or directory (errno 2)"),
            .fileTooSmall(path: "p", size: 1),
            .headerTooLarge(path: "p", declaredLength: 1 << 40, limit: 100_000_000),
            .headerLengthExceedsFile(path: "p", declaredLength: 100, fileSize: 10),
            .headerNotUTF8(path: "p", byteOffset: 3),
            .headerNotJSON(path: "p", byteOffset: 3, reason: "unexpected 'x'"),
            .headerNotObject(path: "p", found: "[]"),
            .duplicateKey(path: "p", key: "k", parent: nil),
            .duplicateKey(path: "p", key: "k", parent: "__metadata__"),
            .duplicateKey(path: "p", key: "k", parent: "t"),
            .invalidMetadata(path: "p", key: nil, found: "[]"),
            .invalidMetadata(path: "p", key: "k", found: "the number 3"),
            .entryNotObject(path: "p", tensor: "t", found: "[1]"),
            .missingField(path: "p", tensor: "t", field: "dtype"),
            .invalidFieldType(path: "p", tensor: "t", field: "shape", expected: "an array", found: "null"),
            .unknownDType(path: "p", tensor: "t", dtype: "F128"),
            .invalidShapeDimension(path: "p", tensor: "t", index: 0, value: "-1"),
            .elementCountOverflow(path: "p", tensor: "t", shape: [1 << 40, 1 << 40]),
            .packedSizeNotWholeBytes(path: "p", tensor: "t", dtype: .f4, elementCount: 3),
            .offsetsReversed(path: "p", tensor: "t", begin: 8, end: 4),
            .offsetsOutOfRange(path: "p", tensor: "t", end: 16, dataSize: 8),
            .byteLengthMismatch(path: "p", tensor: "t", dtype: .f32, shape: [2], expectedBytes: 8, actualBytes: 12),
            .overlappingTensors(path: "p", tensor: "t", begin: 4, previousTensor: "s", previousEnd: 8),
            .gapBeforeTensor(path: "p", tensor: "t", begin: 12, expectedBegin: 8),
            .trailingBytes(path: "p", coveredBytes: 8, dataSize: 12),
            .tensorNotFound(path: "p", name: "t"),
            .unsupportedConversion(path: "p", tensor: "t", dtype: .c64, target: "Float"),
            .integerOutOfRange(path: "p", tensor: "t", index: 1, value: .max),
            .destinationSizeMismatch(path: "p", tensor: "t", expected: 4, actual: 3),
            .invalidTensorName(name: "t", reason: "reserved"),
            .duplicateTensorName(name: "t"),
            .invalidShape(tensor: "t", shape: [-1]),
            .valueCountMismatch(tensor: "t", shape: [2], expected: 2, actual: 3),
            .unsupportedWriteType(tensor: "t", dtype: .i32, source: "Float"),
            .writeFailed(path: "p", operation: "rename", reason: "Is a directory (errno 21)"),
        ]
        for error in errors {
            let text = error.description
            #expect(text.first?.isUppercase == true, "\(text)")
            #expect(text.contains(". Hint: "), "\(text)")
            #expect(text.hasSuffix("."), "\(text)")
            #expect(text.contains("'p'") || text.contains("'t'"), "\(text)")
        }
    }
}
