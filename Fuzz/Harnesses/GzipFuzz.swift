// libFuzzer target: `Gzip.decompress` on its own (multi-member streams, zero padding,
// trailing garbage, truncation, the output limit), plus two properties:
//
// * the output limit is exact: a stream that decompresses to n bytes fails with
//   `outputTooLarge` under a limit of n - 1 and succeeds under a limit of n;
// * compression round-trips: `decompress(compress(x)) == x` for whatever a valid input
//   decompressed to (`Gzip.compress` is used by the tests to make gzip files).
//
// Both are checked for outputs up to 64 KiB. Decompression of the raw input is capped at
// 8 MiB so that gzip bombs hit the library's limit rather than the fuzzer's memory limit.
import Datasets

private let decompressionLimit = 8 << 20

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGzip(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = [UInt8](UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))

    do {
        let output = try Gzip.decompress(input, maxOutputBytes: decompressionLimit)
        check(Gzip.isCompressed(input), "a stream without the gzip magic decompressed")
        check(output.count <= decompressionLimit, "output above the limit")
        // The checks below decompress twice more and compress once: only for outputs up to
        // 64 KiB, so that mutated bombs do not slow the fuzzer down.
        guard output.count <= 1 << 16 else { return 0 }
        if !output.isEmpty {
            do {
                _ = try Gzip.decompress(input, maxOutputBytes: output.count - 1)
                fail("a limit one byte below the output size (\(output.count)) did not throw")
            } catch GzipError.outputTooLarge(let limit) {
                check(limit == output.count - 1, "outputTooLarge reports \(limit)")
            } catch {
                fail("a limit one byte below the output size threw \(error) instead of outputTooLarge")
            }
        }
        check((try? Gzip.decompress(input, maxOutputBytes: output.count)) == output, "an exact limit failed")
        roundTrip(output)
    } catch {
        _ = error.description
        if input.isEmpty {
            check(error == .truncated, "an empty input threw \(error)")
        }
    }
    return 0
}

private func roundTrip(_ bytes: [UInt8]) {
    do {
        let compressed = try Gzip.compress(bytes, level: bytes.count % 2 == 0 ? -1 : 1)
        check(Gzip.isCompressed(compressed), "compress output lacks the gzip magic")
        check(try Gzip.decompress(compressed) == bytes, "decompress(compress(x)) != x")
    } catch {
        fail("round trip threw \(error)")
    }
}

private func check(_ condition: @autoclosure () throws -> Bool, _ message: @autoclosure () -> String) {
    let holds: Bool
    do { holds = try condition() } catch { fail("\(message()): threw \(error)") }
    if !holds { fail(message()) }
}

private func fail(_ message: String) -> Never {
    fatalError("gzip fuzz: \(message)")
}
