import Foundation

/// One file of a downloadable data set: its name, its SHA-256 and its size.
///
/// `sha256` is the digest of the canonical file as its publisher distributes it (64 lower-case
/// hexadecimal digits, as `sha256sum` prints them). `alternativeSHA256` lists digests of known
/// repackagings with the same content, which are accepted as well: for example the Debian
/// package `dataset-fashion-mnist` installs the Zalando `.gz` files with their gzip header's
/// file name and time stamp removed, so its bytes (not its data) differ from the canonical files.
public struct DatasetFile: Sendable, Equatable, Hashable {
    /// The file name, also the last path component of its URL (`train-images-idx3-ubyte.gz`).
    public let name: String
    /// SHA-256 of the canonical file, lower-case hexadecimal.
    public let sha256: String
    /// SHA-256s of other known packagings of the same data, lower-case hexadecimal.
    public let alternativeSHA256: [String]
    /// The canonical file's size in bytes, when known: the download stops (and the file is
    /// discarded) if a server sends more, and a shorter complete response counts as cut off.
    public let byteCount: Int64?

    /// - Precondition: `name` is a plain file name (no `/`, not `.` or `..`, not empty), and
    ///   every digest is 64 hexadecimal digits.
    public init(name: String, sha256: String, alternativeSHA256: [String] = [], byteCount: Int64? = nil) {
        precondition(!name.isEmpty && name != "." && name != ".." && !name.contains("/"),
                     "a data set file name must be a plain file name")
        for digest in [sha256] + alternativeSHA256 {
            precondition(digest.utf8.count == 64 && digest.utf8.allSatisfy { isHexDigit($0) },
                         "a SHA-256 must be 64 hexadecimal digits")
        }
        precondition(byteCount.map { $0 >= 0 } ?? true, "byteCount must not be negative")
        self.name = name
        self.sha256 = sha256.lowercased()
        self.alternativeSHA256 = alternativeSHA256.map { $0.lowercased() }
        self.byteCount = byteCount
    }

    /// Every digest accepted for this file: the canonical one first.
    public var acceptedSHA256: [String] { [sha256] + alternativeSHA256 }

    /// Whether `digest` (hexadecimal, either case) is one of the accepted digests.
    public func accepts(sha256 digest: String) -> Bool {
        acceptedSHA256.contains(digest.lowercased())
    }
}

/// A data set in the MNIST IDX layout (see `MNISTFormatDataset`) and where to get it.
///
/// A data set is found, in order, in a directory named by the user, in the module's shipped
/// resources (`isBundled`), in a directory a system package installs (`systemDirectories`,
/// installed by `systemPackage`), or in the download cache, which `DatasetDownloader` fills
/// from `baseURLs`: file `f` is fetched from `baseURL + "/" + f.name`, trying each base URL
/// in order.
public struct DatasetDescriptor: Sendable, Equatable {
    /// The name users type (`fashion-mnist`), also the cache directory's name.
    public let name: String
    /// A one-line description for listings.
    public let summary: String
    /// Number of classes (labels are `0..<classes`).
    public let classes: Int
    /// The files, in the order they are fetched.
    public let files: [DatasetFile]
    /// Download locations, best first; empty when the data set cannot be downloaded.
    public let baseURLs: [URL]
    /// Directories where a system package installs the files (checked before the cache).
    public let systemDirectories: [String]
    /// The Debian/Ubuntu package that installs the files, if there is one.
    public let systemPackage: String?
    /// Whether the files ship with this module as a resource (the MNIST sample).
    public let isBundled: Bool

    /// - Precondition: `name` is not empty and uses only `a-z`, `0-9`, `.`, `_` and `-`
    ///   (it becomes a directory name), and does not start with `.`; `classes` >= 1.
    public init(
        name: String, summary: String, classes: Int = 10, files: [DatasetFile], baseURLs: [URL] = [],
        systemDirectories: [String] = [], systemPackage: String? = nil, isBundled: Bool = false
    ) {
        precondition(!name.isEmpty && !name.hasPrefix(".")
                     && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2e || $0 == 0x5f || $0 == 0x2d },
                     "a data set name uses only a-z, 0-9, '.', '_' and '-' and does not start with '.'")
        precondition(classes >= 1, "classes must be at least 1")
        self.name = name
        self.summary = summary
        self.classes = classes
        self.files = files
        self.baseURLs = baseURLs
        self.systemDirectories = systemDirectories
        self.systemPackage = systemPackage
        self.isBundled = isBundled
    }

    /// The file names, in order, as one English list ("a, b, c and d").
    var fileNameList: String { englishList(files.map(\.name)) }
}

/// "a", "a and b", "a, b and c".
func englishList(_ items: [String]) -> String {
    englishList(items, conjunction: "and")
}

private func isHexDigit(_ c: UInt8) -> Bool {
    (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)
}
