// libFuzzer target: the safetensors reader.
//
// The input is a whole safetensors file. It is opened with `SafeTensorsFile(data:label:)`;
// when that throws (the usual case) the error's description is built, and that is all.
// When it opens, every accessor is exercised on every tensor and the results are checked
// against what the header promised; then the file is written again with
// `SafeTensorsWriter` and re-read, and both must describe the same tensors and metadata.
// Any violated expectation calls `fatalError`, which libFuzzer reports as a crash.
import Foundation
import SafeTensors

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Data(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    let file: SafeTensorsFile
    do {
        file = try SafeTensorsFile(data: bytes, label: "fuzz.safetensors")
    } catch {
        _ = error.description
        return 0
    }
    check(file.fileSize == size, "fileSize \(file.fileSize) != input size \(size)")
    check(file.dataSectionOffset == 8 + file.headerLength, "dataSectionOffset")

    // Names are unique and sorted by UTF-8 bytes; tensors tile the data section exactly.
    let names = file.names
    check(Set(names).count == names.count, "duplicate tensor names")
    check(zip(names, names.dropFirst()).allSatisfy { $0.utf8.lexicographicallyPrecedes($1.utf8) }, "names not sorted")
    var covered = 0
    for info in file.tensors.sorted(by: { ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound) }) {
        check(info.dataOffsets.lowerBound == covered, "tensors do not tile the data section")
        covered = info.dataOffsets.upperBound
    }
    check(covered == size - file.dataSectionOffset, "tensors do not cover the data section")

    for info in file.tensors {
        read(info, of: file)
    }
    _ = try? file.info(named: "__fuzz_missing__")
    _ = try? file.floats(named: "__fuzz_missing__")

    roundTrip(file)
    return 0
}

/// Every accessor on one tensor, with the results checked against its header entry.
private func read(_ info: SafeTensorInfo, of file: SafeTensorsFile) {
    let name = info.name
    check(file.contains(name), "contains(\(name)) is false")
    check((try? file.info(named: name)) == info, "info(named:) differs")
    check(info.elementCount == info.shape.reduce(1, *), "elementCount")
    check(info.byteCount * 8 == info.elementCount * info.dtype.bitWidth, "byteCount")
    check(info.fileByteRange.count == info.byteCount
          && info.fileByteRange.lowerBound == file.dataSectionOffset + info.dataOffsets.lowerBound, "fileByteRange")
    _ = info.description

    let raw: [UInt8]
    do {
        raw = try file.rawBytes(named: name)
    } catch {
        fail("rawBytes(named:) threw \(error)")
    }
    check(raw.count == info.byteCount, "rawBytes count \(raw.count) != \(info.byteCount)")
    let viewed = try? file.withUnsafeBytes(ofTensor: name) { Array($0) }
    check(viewed == raw, "withUnsafeBytes differs from rawBytes")

    if info.dtype.isConvertibleToFloat {
        do {
            let floats = try file.floats(named: name)
            check(floats.count == info.elementCount, "floats count")
            var copied = [Float](repeating: 0, count: info.elementCount)
            try copied.withUnsafeMutableBufferPointer { try file.copyFloats(named: name, into: $0) }
            check(zip(floats, copied).allSatisfy { $0.bitPattern == $1.bitPattern }, "copyFloats differs from floats")
            if info.dtype == .f32 {
                check(floats.withUnsafeBytes { Array($0) } == raw, "F32 floats differ from raw bytes")
            }
        } catch {
            fail("floats(named:) of a \(info.dtype) tensor threw \(error)")
        }
        if info.elementCount > 0 {
            var wrongSize = [Float](repeating: 0, count: info.elementCount - 1)
            do {
                try wrongSize.withUnsafeMutableBufferPointer { try file.copyFloats(named: name, into: $0) }
                fail("copyFloats into a too small buffer did not throw")
            } catch {}
        }
    } else {
        check((try? file.floats(named: name)) == nil, "floats(named:) of a \(info.dtype) tensor did not throw")
    }

    if info.dtype.isInteger {
        do {
            let integers = try file.int64s(named: name)
            check(integers.count == info.elementCount, "int64s count")
        } catch SafeTensorsError.integerOutOfRange {
            check(info.dtype == .u64, "integerOutOfRange for \(info.dtype)")
        } catch {
            fail("int64s(named:) of a \(info.dtype) tensor threw \(error)")
        }
    } else {
        check((try? file.int64s(named: name)) == nil, "int64s(named:) of a \(info.dtype) tensor did not throw")
    }
}

/// Writes the file's tensors and metadata again and reads them back.
private func roundTrip(_ file: SafeTensorsFile) {
    var writer = SafeTensorsWriter(metadata: file.metadata)
    do {
        for info in file.tensors {
            try writer.addTensor(named: info.name, shape: info.shape, dtype: info.dtype, rawBytes: file.rawBytes(named: info.name))
        }
    } catch {
        fail("the writer refused a tensor the reader accepted: \(error)")
    }
    let rewritten: SafeTensorsFile
    do {
        rewritten = try SafeTensorsFile(data: writer.serialized(), label: "rewritten")
    } catch {
        fail("the reader refused what the writer wrote: \(error)")
    }
    check(rewritten.metadata == file.metadata, "metadata changed in a round trip")
    check(rewritten.names == file.names, "names changed in a round trip")
    for (before, after) in zip(file.tensors, rewritten.tensors) {
        check(before.dtype == after.dtype && before.shape == after.shape, "\(before.name) changed in a round trip")
        check((try? rewritten.rawBytes(named: after.name)) == (try? file.rawBytes(named: before.name)),
              "\(before.name)'s bytes changed in a round trip")
    }
}

private func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fail(message()) }
}

private func fail(_ message: String) -> Never {
    fatalError("safetensors fuzz: \(message)")
}
