import Foundation
import Testing
import SafeTensors

/// Atomic replacement: no temporary files left behind, and a failed write never damages
/// the previous file.
@Suite("Atomic writing")
struct AtomicWriteTests {

    private struct InjectedFailure: Error, Equatable {}

    private func contents(of directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    private func smallWriter(_ value: Float) throws -> SafeTensorsWriter {
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        try writer.addTensor(named: "w", shape: [2, 2], floats: [value, value, value, value])
        return writer
    }

    @Test("writing creates exactly the destination file and replaces an existing one")
    func createAndReplace() throws {
        let directory = try TestSupport.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")

        try smallWriter(1).write(to: url)
        #expect(try contents(of: directory) == ["model.safetensors"])
        #expect(try SafeTensorsFile(url: url).floats(named: "w") == [1, 1, 1, 1])

        try smallWriter(2).write(to: url)
        #expect(try contents(of: directory) == ["model.safetensors"])
        #expect(try SafeTensorsFile(url: url).floats(named: "w") == [2, 2, 2, 2])
        #expect(try Data(contentsOf: url) == smallWriter(2).serialized())
    }

    @Test("a file opened before a replacement keeps reading its own contents")
    func replacementDoesNotDisturbMappedReaders() throws {
        let directory = try TestSupport.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("model.safetensors").path
        try smallWriter(1).write(toPath: path)
        let before = try SafeTensorsFile(path: path)
        try smallWriter(2).write(toPath: path)
        #expect(try before.floats(named: "w") == [1, 1, 1, 1])
        #expect(try SafeTensorsFile(path: path).floats(named: "w") == [2, 2, 2, 2])
    }

    @Test("a failure during the write leaves the old file intact and no temporary file")
    func failureKeepsOldFile() throws {
        let directory = try TestSupport.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("model.safetensors").path
        try smallWriter(1).write(toPath: path)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))

        #expect(throws: InjectedFailure()) {
            try AtomicFileWriter.write(toPath: path) { sink in
                try sink.write([UInt8](repeating: 0xAB, count: 1000))
                #expect(sink.bytesWritten == 1000)
                throw InjectedFailure()
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == original)
        #expect(try contents(of: directory) == ["model.safetensors"])
        #expect(try SafeTensorsFile(path: path).floats(named: "w") == [1, 1, 1, 1])
    }

    @Test("a writer error before writing leaves the old file intact")
    func headerTooLargeKeepsOldFile() throws {
        let directory = try TestSupport.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("model.safetensors").path
        try smallWriter(1).write(toPath: path)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))

        // A metadata value bigger than the 100 MB header limit.
        var writer = try smallWriter(2)
        writer.metadata["huge"] = String(decoding: [UInt8](repeating: 0x78, count: 100_000_001), as: UTF8.self)
        let error = #expect(throws: SafeTensorsError.self) { try writer.write(toPath: path) }
        guard case .headerTooLarge(let errorPath, let declared, 100_000_000) = error else {
            Issue.record("expected headerTooLarge, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
        #expect(declared > 100_000_000)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == original)
        #expect(try contents(of: directory) == ["model.safetensors"])
    }

    @Test("an unwritable destination throws writeFailed naming the path", arguments: [
        "missing-directory/model.safetensors",   // parent does not exist
        "regular-file/model.safetensors",        // parent is a file
        "a-directory",                           // destination is an existing directory
        "a-directory/",                          // path names a directory
    ])
    func unwritableDestination(_ relative: String) throws {
        let directory = try TestSupport.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data([1]).write(to: directory.appendingPathComponent("regular-file"))
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("a-directory/inner"), withIntermediateDirectories: true)
        let before = try contents(of: directory)
        let path = directory.path + "/" + relative

        let error = #expect(throws: SafeTensorsError.self) { try smallWriter(1).write(toPath: path) }
        guard case .writeFailed(let errorPath, let operation, let reason) = error else {
            Issue.record("expected writeFailed, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
        #expect(!operation.isEmpty && !reason.isEmpty)
        #expect(error?.description.contains(path) == true)
        // Nothing was created or removed.
        #expect(try contents(of: directory) == before)
        #expect(try contents(of: directory.appendingPathComponent("a-directory")) == ["inner"])
    }

    @Test("an empty path throws writeFailed")
    func emptyPath() {
        #expect(throws: SafeTensorsError.writeFailed(path: "", operation: "resolve the destination", reason: "the path is empty")) {
            try smallWriter(1).write(toPath: "")
        }
    }
}
