import TestSupport
import Foundation
import Testing
@testable import Datasets

// MARK: - SHA-256

@Suite("SHA-256")
struct SHA256Tests {
    /// FIPS 180-4 examples (NIST CSRC "SHA256.pdf" and "SHA2_Additional.pdf").
    @Test func nistVectors() {
        #expect(SHA256.hexDigest(Array("abc".utf8))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hexDigest([])
            == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hexDigest(Array(("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                                        + "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu").utf8))
            == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    @Test func oneMillionAs() {
        var hasher = SHA256()
        let thousand = [UInt8](repeating: 0x61, count: 1000)
        for _ in 0..<1000 { hasher.update(thousand) }
        #expect(hasher.count == 1_000_000)
        #expect(hasher.hexDigest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Padding edge cases: lengths around one and two blocks, fed in uneven pieces, equal the
    /// one-shot digest; `finalize` does not disturb a hasher that keeps going.
    @Test func streamingMatchesOneShot() {
        var generator = SplitMix64(seed: 7)
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4099] {
            let message = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = SHA256.hexDigest(message)
            for piece in [1, 3, 63, 64, 100] {
                var hasher = SHA256()
                var offset = 0
                while offset < message.count {
                    let end = min(offset + piece, message.count)
                    hasher.update(message[offset..<end])
                    offset = end
                }
                #expect(hasher.hexDigest() == expected, "length \(length), pieces of \(piece)")
            }
        }
        var hasher = SHA256()
        hasher.update(Array("ab".utf8))
        _ = hasher.finalize()
        hasher.update(Array("c".utf8))
        #expect(hasher.hexDigest() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    /// The shipped sample's SHA256SUMS was written by `sha256sum`; each file hashes to it.
    @Test func matchesShippedSHA256SUMS() throws {
        let directory = try #require(MNISTFormatDataset.mnistSampleDirectory)
        let sums = try sampleChecksums()
        #expect(sums.count == 4)
        for (name, digest) in sums {
            #expect(try SHA256.hexDigest(ofFileAtPath: directory + "/" + name) == digest, "\(name)")
        }
    }

    /// A file of 1,000,003 pseudo-random bytes hashes to what the system's `sha256sum` prints.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum")))
    func matchesSystemSha256sum() throws {
        try withTemporaryDirectory { directory in
            var generator = SplitMix64(seed: 2024)
            let bytes = (0..<1_000_003).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let path = try writeFile(bytes, named: "random.bin", in: directory)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            process.arguments = [path]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let expected = String(decoding: output, as: UTF8.self).split(separator: " ").first.map(String.init)
            #expect(process.terminationStatus == 0)
            #expect(try SHA256.hexDigest(ofFileAtPath: path) == expected)
            #expect(SHA256.hexDigest(bytes) == expected)
        }
    }

    @Test func missingFileIsReported() {
        #expect(throws: IDXError.fileNotFound(path: "/nonexistent/file.gz")) {
            try SHA256.hexDigest(ofFileAtPath: "/nonexistent/file.gz")
        }
    }
}

// MARK: - Catalog

@Suite("Dataset catalog")
struct DatasetCatalogTests {
    static let canonicalNames = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]

    @Test func knownDatasets() throws {
        #expect(DatasetCatalog.standard.names == ["fashion-mnist", "mnist", "mnist-sample"])
        for dataset in DatasetCatalog.standard.datasets {
            #expect(dataset.files.map(\.name) == Self.canonicalNames)
            #expect(dataset.classes == 10)
            #expect(Set(dataset.files.map(\.sha256)).count == 4)
            #expect(dataset.files.allSatisfy { $0.byteCount != nil })
        }
        #expect(DatasetDescriptor.fashionMNIST.baseURLs.count == 2)
        #expect(DatasetDescriptor.mnist.baseURLs.count == 3)
        #expect(DatasetDescriptor.mnistSample.baseURLs.isEmpty && DatasetDescriptor.mnistSample.isBundled)
        #expect(DatasetDescriptor.fashionMNIST.systemPackage == "dataset-fashion-mnist")
        #expect(try DatasetCatalog.standard.dataset(named: "mnist") == .mnist)
    }

    @Test func unknownNameListsKnownOnes() {
        do throws(DatasetDownloadError) {
            _ = try DatasetCatalog.standard.dataset(named: "kmnist")
            Issue.record("expected an error")
        } catch {
            #expect(error == .unknownDataset(name: "kmnist", known: ["fashion-mnist", "mnist", "mnist-sample"]))
            #expect(error.description.contains("'kmnist'"))
            #expect(error.description.contains("fashion-mnist, mnist and mnist-sample"))
            #expect(error.description.contains("--data DIR"))
        }
    }

    /// The MNIST digests, as published by torchvision and TensorFlow Datasets.
    @Test func mnistDigests() {
        #expect(DatasetDescriptor.mnist.files.map(\.sha256) == [
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        ])
        #expect(DatasetDescriptor.mnist.files.map(\.byteCount) == [9_912_422, 28_881, 1_648_877, 4_542])
    }

    @Test func sampleEntryMatchesSHA256SUMS() throws {
        let sums = try sampleChecksums()
        for file in DatasetDescriptor.mnistSample.files {
            #expect(sums[file.name] == file.sha256)
        }
    }

    /// The Debian package's Fashion-MNIST files are the canonical deflate streams behind a
    /// gzip header without file name and time stamp. Putting the original header back
    /// (FLG = FNAME, the 2017 MTIME, XFL 0, OS 3, the file name) must give back exactly the
    /// canonical files, whose SHA-256s are the catalog's. Labels only, to keep the test fast
    /// in debug builds; the Debian files' own digests are the catalog's alternatives.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")))
    func fashionDigestsMatchDebianFilesWithRestoredHeader() throws {
        let modificationTimes: [String: UInt32] = [
            "train-labels-idx1-ubyte.gz": 1_504_176_606, "t10k-labels-idx1-ubyte.gz": 1_504_176_627,
        ]
        for file in DatasetDescriptor.fashionMNIST.files where modificationTimes[file.name] != nil {
            let debian = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist/" + file.name)))
            #expect(file.alternativeSHA256 == [SHA256.hexDigest(debian)])
            try #require(debian.count > 10 && debian[3] == 0)
            let mtime = try #require(modificationTimes[file.name])
            var canonical: [UInt8] = [0x1f, 0x8b, 0x08, 0x08]
            canonical += (0..<4).map { UInt8(truncatingIfNeeded: mtime >> (8 * $0)) }
            canonical += [0x00, 0x03] + Array(file.name.dropLast(3).utf8) + [0]
            canonical += debian[10...]
            #expect(Int64(canonical.count) == file.byteCount)
            #expect(SHA256.hexDigest(canonical) == file.sha256, "\(file.name)")
        }
    }
}

// MARK: - Downloader

/// The four shipped sample files' SHA-256s, read from the sample's SHA256SUMS.
func sampleChecksums() throws -> [String: String] {
    let directory = try #require(MNISTFormatDataset.mnistSampleDirectory)
    let text = try String(contentsOfFile: directory + "/SHA256SUMS", encoding: .utf8)
    var sums: [String: String] = [:]
    for line in text.split(separator: "\n") {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        if fields.count == 2 { sums[String(fields[1])] = String(fields[0]) }
    }
    return sums
}

/// A catalog entry for the shipped sample served by `server`, with the SHA256SUMS checksums.
func sampleEntry(baseURL: URL, systemPackage: String? = nil) throws -> DatasetDescriptor {
    let sums = try sampleChecksums()
    let directory = try #require(MNISTFormatDataset.mnistSampleDirectory)
    let files = try DatasetCatalogTests.canonicalNames.map { name in
        DatasetFile(name: name, sha256: try #require(sums[name]),
                    byteCount: CacheFiles.size(atPath: directory + "/" + name))
    }
    return DatasetDescriptor(name: "served-sample", summary: "the shipped sample, served locally",
                             files: files, baseURLs: [baseURL], systemPackage: systemPackage)
}

/// Collects events from the downloader's background threads.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [DownloadEvent] = []
    func append(_ event: DownloadEvent) { lock.lock(); events.append(event); lock.unlock() }
    var all: [DownloadEvent] { lock.lock(); defer { lock.unlock() }; return events }
}

/// Names in `directory`, sorted.
func listing(_ directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
}

@Suite("Dataset downloader", .serialized)
struct DatasetDownloaderTests {
    let sampleDirectory: String

    init() throws {
        sampleDirectory = try #require(MNISTFormatDataset.mnistSampleDirectory)
    }

    @Test func fetchesAndLoadsTheSample() throws {
        let server = try LocalHTTPServer(directory: sampleDirectory)
        defer { server.stop() }
        try withTemporaryDirectory { cache in
            let events = EventLog()
            let downloader = DatasetDownloader(requestTimeout: 5, onEvent: { events.append($0) })
            let report = try downloader.fetch(dataset: try sampleEntry(baseURL: server.baseURL), into: cache)
            #expect(report.directory == cache)
            #expect(report.downloaded == DatasetCatalogTests.canonicalNames)
            #expect(report.alreadyPresent.isEmpty)
            #expect(report.bytesDownloaded == 651_259 + 2_083 + 163_720 + 548)
            #expect(listing(cache) == DatasetCatalogTests.canonicalNames.sorted())
            #expect(server.requests.map(\.path) == DatasetCatalogTests.canonicalNames.map { "/data/" + $0 })
            #expect(server.requests.allSatisfy { $0.range == nil })

            let loaded = try MNISTFormatDataset(directory: cache)
            #expect(loaded == (try sharedSample.get()))

            let all = events.all
            #expect(all.contains(.finished(file: "t10k-labels-idx1-ubyte.gz", bytes: 548)))
            #expect(all.contains(.progress(file: "train-images-idx3-ubyte.gz", bytes: 651_259, total: 651_259)))
            #expect(all.first == .started(file: "train-images-idx3-ubyte.gz",
                                          url: server.baseURL.absoluteString + "/train-images-idx3-ubyte.gz", resumingAt: 0))

            // A second fetch finds every file present and verified, and asks the server nothing.
            let again = try downloader.fetch(dataset: try sampleEntry(baseURL: server.baseURL), into: cache)
            #expect(again.downloaded.isEmpty)
            #expect(again.alreadyPresent == DatasetCatalogTests.canonicalNames)
            #expect(again.bytesDownloaded == 0)
            #expect(server.requests.count == 4)
        }
    }

    /// The first response is cut after 100,000 bytes. With one attempt per URL the fetch fails
    /// with the network error and keeps the bytes; the next fetch asks for the rest with a
    /// Range request and completes the file.
    @Test func resumesAfterADroppedConnection() throws {
        var options = LocalHTTPServer.Options()
        options.cutAfterBytes = 100_000
        let server = try LocalHTTPServer(directory: sampleDirectory, options: options)
        defer { server.stop() }
        try withTemporaryDirectory { cache in
            let entry = try sampleEntry(baseURL: server.baseURL)
            let once = DatasetDownloader(requestTimeout: 5, attemptsPerURL: 1)
            do throws(DatasetDownloadError) {
                _ = try once.fetch(dataset: entry, into: cache)
                Issue.record("expected the cut connection to fail the fetch")
            } catch {
                guard case .networkFailure(_, let file, _, _, _, _, _, let partialBytes) = error else {
                    Issue.record("unexpected error \(error)"); return
                }
                #expect(file == "train-images-idx3-ubyte.gz")
                #expect(partialBytes == 100_000)
                #expect(error.description.contains("resumes from there"))
            }
            #expect(listing(cache) == ["train-images-idx3-ubyte.gz.partial"])
            #expect(CacheFiles.size(atPath: cache + "/train-images-idx3-ubyte.gz.partial") == 100_000)

            let events = EventLog()
            let report = try DatasetDownloader(requestTimeout: 5, onEvent: { events.append($0) }).fetch(dataset: entry, into: cache)
            #expect(report.downloaded == DatasetCatalogTests.canonicalNames)
            #expect(report.bytesDownloaded == 651_259 - 100_000 + 2_083 + 163_720 + 548)
            #expect(server.requests.count == 5)
            #expect(server.requests[1] == .init(path: "/data/train-images-idx3-ubyte.gz", range: "bytes=100000-"))
            #expect(events.all.contains(.started(file: "train-images-idx3-ubyte.gz",
                                                 url: server.baseURL.absoluteString + "/train-images-idx3-ubyte.gz",
                                                 resumingAt: 100_000)))
            #expect(listing(cache) == DatasetCatalogTests.canonicalNames.sorted())
            #expect(try MNISTFormatDataset(directory: cache) == (try sharedSample.get()))
        }
    }

    /// With the default attempts, one fetch survives two dropped connections by resuming.
    @Test func retriesWithinOneFetch() throws {
        var options = LocalHTTPServer.Options()
        options.cutAfterBytes = 200_000
        options.cutResponses = 2
        let server = try LocalHTTPServer(directory: sampleDirectory, options: options)
        defer { server.stop() }
        try withTemporaryDirectory { cache in
            let report = try DatasetDownloader(requestTimeout: 5).fetch(dataset: try sampleEntry(baseURL: server.baseURL), into: cache)
            #expect(report.downloaded.count == 4)
            let ranges = server.requests.prefix(3).map(\.range)
            #expect(ranges == [nil, "bytes=200000-", "bytes=400000-"])
            #expect(try MNISTFormatDataset(directory: cache) == (try sharedSample.get()))
        }
    }

    /// A server that ignores Range sends the whole file with 200; the partial file (here
    /// deliberately filled with wrong bytes) is replaced, not appended to.
    @Test func serverIgnoringRangeStillGivesACorrectFile() throws {
        var options = LocalHTTPServer.Options()
        options.ignoreRange = true
        let server = try LocalHTTPServer(directory: sampleDirectory, options: options)
        defer { server.stop() }
        try withTemporaryDirectory { cache in
            try writeFile([UInt8](repeating: 0xAB, count: 5_000), named: "train-images-idx3-ubyte.gz.partial", in: cache)
            let report = try DatasetDownloader(requestTimeout: 5).fetch(dataset: try sampleEntry(baseURL: server.baseURL), into: cache)
            #expect(report.downloaded.count == 4)
            #expect(server.requests.first?.range == "bytes=5000-")
            #expect(listing(cache) == DatasetCatalogTests.canonicalNames.sorted())
            #expect(try MNISTFormatDataset(directory: cache) == (try sharedSample.get()))
        }
    }

    /// A partial file that is already complete is checked and moved into place without a request.
    @Test func completePartialFileNeedsNoRequest() throws {
        let server = try LocalHTTPServer(directory: sampleDirectory)
        defer { server.stop() }
        try withTemporaryDirectory { cache in
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sampleDirectory + "/t10k-labels-idx1-ubyte.gz")))
            try writeFile(bytes, named: "t10k-labels-idx1-ubyte.gz.partial", in: cache)
            _ = try DatasetDownloader(requestTimeout: 5).fetch(dataset: try sampleEntry(baseURL: server.baseURL), into: cache)
            #expect(!server.requests.map(\.path).contains("/data/t10k-labels-idx1-ubyte.gz"))
            #expect(listing(cache) == DatasetCatalogTests.canonicalNames.sorted())
        }
    }

    /// Without a known size, a complete partial file is resumed past its end: the server
    /// answers 416, and the partial file is checked as it is and moved into place.
    @Test func rangePastTheEndIsChecked() throws {
        let server = try LocalHTTPServer(directory: sampleDirectory)
        defer { server.stop() }
        try withTemporaryDirectory { cache in
            let sized = try sampleEntry(baseURL: server.baseURL)
            let entry = DatasetDescriptor(name: sized.name, summary: sized.summary,
                                          files: sized.files.map { DatasetFile(name: $0.name, sha256: $0.sha256) },
                                          baseURLs: sized.baseURLs)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sampleDirectory + "/t10k-labels-idx1-ubyte.gz")))
            try writeFile(bytes, named: "t10k-labels-idx1-ubyte.gz.partial", in: cache)
            let report = try DatasetDownloader(requestTimeout: 5).fetch(dataset: entry, into: cache)
            #expect(report.downloaded.count == 4)
            #expect(server.requests.last == .init(path: "/data/t10k-labels-idx1-ubyte.gz", range: "bytes=548-"))
            #expect(listing(cache) == DatasetCatalogTests.canonicalNames.sorted())
            #expect(try MNISTFormatDataset(directory: cache) == (try sharedSample.get()))
        }
    }

    /// Wrong bytes are rejected: the error names the file and both digests, and nothing is
    /// left in the cache (neither the file nor its .partial).
    @Test func corruptFileIsRejectedAndDeleted() throws {
        var wrong = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sampleDirectory + "/train-images-idx3-ubyte.gz")))
        wrong[1000] ^= 0xFF
        let server = try LocalHTTPServer(directory: sampleDirectory, overrides: ["train-images-idx3-ubyte.gz": wrong])
        defer { server.stop() }
        try withTemporaryDirectory { cache in
            let entry = try sampleEntry(baseURL: server.baseURL)
            do throws(DatasetDownloadError) {
                _ = try DatasetDownloader(requestTimeout: 5).fetch(dataset: entry, into: cache)
                Issue.record("expected a checksum mismatch")
            } catch {
                let expected = entry.files[0].sha256
                let actual = SHA256.hexDigest(wrong)
                #expect(error == .checksumMismatch(file: "train-images-idx3-ubyte.gz",
                                                   source: server.baseURL.absoluteString + "/train-images-idx3-ubyte.gz",
                                                   expected: expected, actual: actual))
                #expect(error.description.contains("'train-images-idx3-ubyte.gz'"))
                #expect(error.description.contains(expected) && error.description.contains(actual))
                #expect(error.description.contains("deleted"))
            }
            #expect(listing(cache).isEmpty)
        }
    }

    /// A damaged file already in the cache is not trusted: it is replaced by a verified download.
    @Test func damagedCachedFileIsReplaced() throws {
        let server = try LocalHTTPServer(directory: sampleDirectory)
        defer { server.stop() }
        try withTemporaryDirectory { cache in
            try writeFile([1, 2, 3], named: "t10k-labels-idx1-ubyte.gz", in: cache)
            let report = try DatasetDownloader(requestTimeout: 5).fetch(dataset: try sampleEntry(baseURL: server.baseURL), into: cache)
            #expect(report.downloaded == DatasetCatalogTests.canonicalNames)
            #expect(try MNISTFormatDataset(directory: cache) == (try sharedSample.get()))
        }
    }

    /// A server that sends more than the known size is cut off and its bytes deleted.
    @Test func oversizedFileIsStopped() throws {
        let big = [UInt8](repeating: 7, count: 10_000)
        let server = try LocalHTTPServer(directory: sampleDirectory, overrides: ["t10k-labels-idx1-ubyte.gz": big])
        defer { server.stop() }
        try withTemporaryDirectory { cache in
            let entry = try sampleEntry(baseURL: server.baseURL)
            do throws(DatasetDownloadError) {
                _ = try DatasetDownloader(requestTimeout: 5).fetch(dataset: entry, into: cache)
                Issue.record("expected tooLarge")
            } catch {
                #expect(error == .tooLarge(file: "t10k-labels-idx1-ubyte.gz",
                                           url: server.baseURL.absoluteString + "/t10k-labels-idx1-ubyte.gz", limit: 548))
            }
            #expect(!listing(cache).contains { $0.hasPrefix("t10k-labels") })
        }
    }

    /// A closed port on 127.0.0.1 gives the network error, which says how else to get the
    /// data. The real Fashion-MNIST entry is used with `mirror`, so its own URLs are never tried.
    @Test func refusedConnectionGivesTheOfflineHint() throws {
        let refusing = try RefusingPort()
        defer { refusing.release() }
        let mirror = try #require(URL(string: "http://127.0.0.1:\(refusing.port)/mirror/"))
        try withTemporaryDirectory { cache in
            let started = Date()
            do throws(DatasetDownloadError) {
                _ = try DatasetDownloader(requestTimeout: 5).fetch(dataset: .fashionMNIST, into: cache, mirror: mirror)
                Issue.record("expected a network failure")
            } catch {
                guard case .networkFailure(let dataset, let file, let url, _, let directory, _, let package, let partial) = error else {
                    Issue.record("unexpected error \(error)"); return
                }
                #expect(dataset == "fashion-mnist")
                #expect(file == "train-images-idx3-ubyte.gz")
                #expect(url == "http://127.0.0.1:\(refusing.port)/mirror/train-images-idx3-ubyte.gz")
                #expect(directory == cache)
                #expect(package == "dataset-fashion-mnist")
                #expect(partial == 0)
                let text = error.description
                #expect(text.contains("refused"))
                #expect(text.contains("apt-get install dataset-fashion-mnist"))
                #expect(text.contains("into '\(cache)'"))
                #expect(text.contains("train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz"))
                #expect(text.contains("--data DIR"))
                #expect(text.contains("--mirror URL"))
            }
            #expect(Date().timeIntervalSince(started) < 10)
            #expect(listing(cache).isEmpty)
        }
    }

    /// The MNIST entry has no system package, so its offline hint does not mention apt.
    @Test func offlineHintWithoutPackage() throws {
        let refusing = try RefusingPort()
        defer { refusing.release() }
        let mirror = try #require(URL(string: "http://127.0.0.1:\(refusing.port)"))
        try withTemporaryDirectory { cache in
            #expect {
                _ = try DatasetDownloader(requestTimeout: 5).fetch(dataset: .mnist, into: cache, mirror: mirror)
            } throws: { error in
                let text = (error as? DatasetDownloadError)?.description ?? ""
                return text.contains("--data DIR") && text.contains("--mirror URL") && !text.contains("apt-get")
            }
        }
    }

    /// A server that accepts the request and never answers is abandoned after the time-out.
    @Test func stalledServerTimesOut() throws {
        var options = LocalHTTPServer.Options()
        options.stall = true
        options.lifetime = 10
        let server = try LocalHTTPServer(directory: sampleDirectory, options: options)
        defer { server.stop() }
        try withTemporaryDirectory { cache in
            let started = Date()
            let entry = try sampleEntry(baseURL: server.baseURL)
            do throws(DatasetDownloadError) {
                _ = try DatasetDownloader(requestTimeout: 1).fetch(dataset: entry, into: cache)
                Issue.record("expected a time-out")
            } catch {
                guard case .networkFailure(_, _, _, let reason, _, _, _, _) = error else {
                    Issue.record("unexpected error \(error)"); return
                }
                #expect(reason.contains("timed out"))
            }
            #expect(Date().timeIntervalSince(started) < 8)
        }
    }

    @Test func missingFileGivesHTTPStatus() throws {
        let server = try LocalHTTPServer(directory: nil, overrides: [:])
        defer { server.stop() }
        try withTemporaryDirectory { cache in
            let entry = try sampleEntry(baseURL: server.baseURL)
            do throws(DatasetDownloadError) {
                _ = try DatasetDownloader(requestTimeout: 5).fetch(dataset: entry, into: cache)
                Issue.record("expected HTTP 404")
            } catch {
                #expect(error == .httpStatus(file: "train-images-idx3-ubyte.gz",
                                             url: server.baseURL.absoluteString + "/train-images-idx3-ubyte.gz", status: 404))
                #expect(error.description.contains("404 (Not Found)"))
            }
            #expect(listing(cache).isEmpty)
        }
    }

    /// The second base URL is used when the first one does not have the file.
    @Test func fallsBackToTheNextBaseURL() throws {
        let empty = try LocalHTTPServer(directory: nil)
        defer { empty.stop() }
        let full = try LocalHTTPServer(directory: sampleDirectory)
        defer { full.stop() }
        try withTemporaryDirectory { cache in
            let served = try sampleEntry(baseURL: empty.baseURL)
            let entry = DatasetDescriptor(name: served.name, summary: served.summary, files: served.files,
                                          baseURLs: [empty.baseURL, full.baseURL])
            let report = try DatasetDownloader(requestTimeout: 5).fetch(dataset: entry, into: cache)
            #expect(report.downloaded.count == 4)
            #expect(empty.requests.count == 4)
            #expect(full.requests.count == 4)
        }
    }

    @Test func mirrorURLComposition() throws {
        let base = try #require(URL(string: "https://example.org/data/"))
        #expect(DatasetDownloader.fileURL(base: base, fileName: "a.gz")?.absoluteString == "https://example.org/data/a.gz")
        let bare = try #require(URL(string: "http://example.org"))
        #expect(DatasetDownloader.fileURL(base: bare, fileName: "a.gz")?.absoluteString == "http://example.org/a.gz")
    }

    @Test func rejectsNonHTTPMirror() throws {
        let mirror = try #require(URL(string: "ftp://example.org/mnist"))
        #expect(throws: DatasetDownloadError.unsupportedURL(url: "ftp://example.org/mnist")) {
            _ = try DatasetDownloader().fetch(dataset: .mnist, into: "/nonexistent", mirror: mirror)
        }
    }

    /// The bundled sample is not downloaded: its shipped files are checked and returned.
    @Test func bundledSampleNeedsNoDownload() throws {
        let report = try DatasetDownloader().fetch(datasetNamed: "mnist-sample")
        #expect(report.directory == sampleDirectory)
        #expect(report.downloaded.isEmpty)
        #expect(report.alreadyPresent.count == 4)
    }

    @Test func defaultCacheDirectory() {
        #expect(DatasetDownloader.defaultCacheDirectory(for: "mnist", environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/home/u"])
            == "/x/cache/swift-lora/datasets/mnist")
        #expect(DatasetDownloader.defaultCacheDirectory(for: "mnist", environment: ["HOME": "/home/u"])
            == "/home/u/.cache/swift-lora/datasets/mnist")
        // A relative XDG_CACHE_HOME is invalid and ignored.
        #expect(DatasetDownloader.defaultCacheDirectory(for: "fashion-mnist", environment: ["XDG_CACHE_HOME": "rel", "HOME": "/h"])
            == "/h/.cache/swift-lora/datasets/fashion-mnist")
    }
}

// MARK: - Resolver

@Suite("Data source resolver")
struct DataSourceResolverTests {
    @Test func explicitDirectoryWins() throws {
        try withTemporaryDirectory { directory in
            let resolver = DataSourceResolver(cacheRoot: directory + "/cache")
            let resolution = try resolver.resolve(dataset: "mnist", explicitDirectory: directory)
            #expect(resolution == .init(directory: directory, origin: .explicitDirectory, dataset: .mnist))
            // Any name goes with an explicit directory.
            #expect(try resolver.resolve(dataset: "kmnist", explicitDirectory: directory).dataset == nil)
            #expect(throws: DatasetDownloadError.directoryNotFound(path: directory + "/missing")) {
                try resolver.resolve(dataset: "mnist", explicitDirectory: directory + "/missing")
            }
        }
    }

    @Test func sampleIsTheShippedResource() throws {
        let resolution = try DataSourceResolver(cacheRoot: "/nonexistent").resolve(dataset: "mnist-sample")
        #expect(resolution.origin == .bundledResource)
        #expect(resolution.directory == MNISTFormatDataset.mnistSampleDirectory)
    }

    @Test func unknownNameListsKnownOnes() {
        #expect(throws: DatasetDownloadError.unknownDataset(name: "emnist", known: ["fashion-mnist", "mnist", "mnist-sample"])) {
            try DataSourceResolver(cacheRoot: "/nonexistent").resolve(dataset: "emnist")
        }
    }

    /// System directory first, then the cache, then an error saying how to get the data.
    @Test func systemDirectoryThenCacheThenError() throws {
        try withTemporaryDirectory { root in
            let system = root + "/system"
            let cacheRoot = root + "/cache"
            let fashion = DatasetDescriptor.fashionMNIST
            let entry = DatasetDescriptor(name: fashion.name, summary: fashion.summary, files: fashion.files,
                                          baseURLs: fashion.baseURLs, systemDirectories: [system],
                                          systemPackage: fashion.systemPackage)
            let resolver = DataSourceResolver(catalog: DatasetCatalog([entry, .mnist]), cacheRoot: cacheRoot)
            do throws(DatasetDownloadError) {
                _ = try resolver.resolve(dataset: "fashion-mnist")
                Issue.record("expected notAvailable")
            } catch {
                #expect(error == .notAvailable(dataset: "fashion-mnist", searched: [system, cacheRoot + "/fashion-mnist"],
                                               cacheDirectory: cacheRoot + "/fashion-mnist", downloadable: true,
                                               systemPackage: "dataset-fashion-mnist"))
                #expect(error.description.contains("`lora data fetch fashion-mnist`"))
                #expect(error.description.contains("`apt-get install dataset-fashion-mnist`"))
                #expect(error.description.contains("--data DIR"))
            }
            // Files in the cache (three of four do not count; .partial does not count).
            try FileManager.default.createDirectory(atPath: cacheRoot + "/fashion-mnist", withIntermediateDirectories: true)
            for (index, file) in entry.files.enumerated() {
                try writeFile([0], named: index == 3 ? file.name + ".partial" : file.name, in: cacheRoot + "/fashion-mnist")
            }
            #expect(throws: DatasetDownloadError.self) { try resolver.resolve(dataset: "fashion-mnist") }
            try writeFile([0], named: entry.files[3].name, in: cacheRoot + "/fashion-mnist")
            #expect(try resolver.resolve(dataset: "fashion-mnist").origin == .cache)
            #expect(try resolver.resolve(dataset: "fashion-mnist").directory == cacheRoot + "/fashion-mnist")
            // The system directory wins once it holds the files (decompressed names count there).
            try FileManager.default.createDirectory(atPath: system, withIntermediateDirectories: true)
            for file in entry.files { try writeFile([0], named: String(file.name.dropLast(3)), in: system) }
            #expect(try resolver.resolve(dataset: "fashion-mnist") == .init(directory: system, origin: .systemPackage, dataset: entry))
        }
    }

    @Test func mnistNotFetchedSaysHowToFetch() throws {
        try withTemporaryDirectory { root in
            do throws(DatasetDownloadError) {
                _ = try DataSourceResolver(cacheRoot: root).resolve(dataset: "mnist")
                Issue.record("expected notAvailable")
            } catch {
                #expect(error.description.contains("`lora data fetch mnist`"))
                #expect(!error.description.contains("apt-get"))
                #expect(error.description.contains(root + "/mnist"))
            }
        }
    }

    /// On a machine with the Debian package, fashion-mnist resolves to its directory and loads.
    @Test(.enabled(if: DataSourceResolver.holdsAll(.fashionMNIST, in: "/usr/share/datasets/fashion-mnist", exactNames: false)))
    func debianFashionMNIST() throws {
        let resolution = try DataSourceResolver(cacheRoot: "/nonexistent").resolve(dataset: "fashion-mnist")
        #expect(resolution == .init(directory: "/usr/share/datasets/fashion-mnist", origin: .systemPackage, dataset: .fashionMNIST))
    }
}
