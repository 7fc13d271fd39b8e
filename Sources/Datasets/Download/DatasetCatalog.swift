import Foundation

/// The data sets known by name, all in the MNIST IDX layout (four files, see
/// `MNISTFormatDataset`), with their canonical download locations and checksums.
///
/// | name | contents | files from |
/// |---|---|---|
/// | `fashion-mnist` | Zalando's Fashion-MNIST: 60,000 + 10,000 28 x 28 clothing images, 10 classes | Zalando's S3 bucket, or the package `dataset-fashion-mnist` |
/// | `mnist` | LeCun, Cortes and Burges's MNIST digits: 60,000 + 10,000, 10 classes | the PyTorch and TensorFlow mirrors, then yann.lecun.com |
/// | `mnist-sample` | 5,000 real MNIST digits shipped with this module (4,000 + 1,000) | the module's resources, never downloaded |
///
/// Checksums. The SHA-256 of each canonical `.gz` file is the one published by both
/// torchvision (`torchvision/prototype/datasets/_builtin/mnist.py`, `_CHECKSUMS`) and
/// TensorFlow Datasets (`tensorflow_datasets/url_checksums/mnist.txt` and `fashion_mnist.txt`,
/// which also give the sizes); Flux.jl's `src/data/fashion-mnist.jl` agrees for Fashion-MNIST.
/// The Fashion-MNIST digests were also checked against real bytes: the Debian package's files
/// are the canonical deflate streams behind a header stripped of its file name and time stamp,
/// and restoring that header (file name, modification time 2017-08-31 10:50:06/27 UTC,
/// OS 3) rebuilds files whose MD5s are Zalando's published ones and whose SHA-256s are the
/// ones below. The Debian files' own digests are accepted as `alternativeSHA256`.
public struct DatasetCatalog: Sendable, Equatable {
    /// The data sets, in listing order.
    public var datasets: [DatasetDescriptor]

    public init(_ datasets: [DatasetDescriptor]) {
        self.datasets = datasets
    }

    /// The built-in catalog: `fashion-mnist`, `mnist` and `mnist-sample`.
    public static let standard = DatasetCatalog([.fashionMNIST, .mnist, .mnistSample])

    /// The names, in listing order.
    public var names: [String] { datasets.map(\.name) }

    /// The data set called `name` (exact match).
    ///
    /// - Throws: `DatasetDownloadError.unknownDataset`, listing the known names.
    public func dataset(named name: String) throws(DatasetDownloadError) -> DatasetDescriptor {
        guard let match = datasets.first(where: { $0.name == name }) else {
            throw .unknownDataset(name: name, known: names)
        }
        return match
    }
}

extension DatasetDescriptor {
    /// Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017, MIT licence), the canonical Zalando files.
    ///
    /// | file | bytes | MD5 (Zalando's README) |
    /// |---|---|---|
    /// | train-images-idx3-ubyte.gz | 26,421,880 | 8d4fb7e6c68d591d4c3dfef9ec88bf0d |
    /// | train-labels-idx1-ubyte.gz | 29,515 | 25c81989df183df01b3e8a0aad5dffbe |
    /// | t10k-images-idx3-ubyte.gz | 4,422,102 | bef4ecab320f06d8554ea6380940ec79 |
    /// | t10k-labels-idx1-ubyte.gz | 5,148 | bb300cfdad3c16e7a12a480ee83cd310 |
    public static let fashionMNIST = DatasetDescriptor(
        name: "fashion-mnist",
        summary: "Fashion-MNIST (Zalando): 60,000 training and 10,000 test 28 x 28 images of clothing, 10 classes",
        files: [
            DatasetFile(name: "train-images-idx3-ubyte.gz",
                        sha256: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                        alternativeSHA256: ["b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"],
                        byteCount: 26_421_880),
            DatasetFile(name: "train-labels-idx1-ubyte.gz",
                        sha256: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                        alternativeSHA256: ["0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"],
                        byteCount: 29_515),
            DatasetFile(name: "t10k-images-idx3-ubyte.gz",
                        sha256: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                        alternativeSHA256: ["cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"],
                        byteCount: 4_422_102),
            DatasetFile(name: "t10k-labels-idx1-ubyte.gz",
                        sha256: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                        alternativeSHA256: ["8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"],
                        byteCount: 5_148),
        ],
        baseURLs: urls([
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com",
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion",
        ]),
        systemDirectories: ["/usr/share/datasets/fashion-mnist"],
        systemPackage: "dataset-fashion-mnist")

    /// MNIST (LeCun, Cortes and Burges), the original `.gz` files.
    ///
    /// | file | bytes | MD5 (torchvision) |
    /// |---|---|---|
    /// | train-images-idx3-ubyte.gz | 9,912,422 | f68b3c2dcbeaaa9fbdd348bbdeb94873 |
    /// | train-labels-idx1-ubyte.gz | 28,881 | d53e105ee54ea40749a09fcbcd1e9432 |
    /// | t10k-images-idx3-ubyte.gz | 1,648,877 | 9fb629c4189551a2d022fa330f9573f3 |
    /// | t10k-labels-idx1-ubyte.gz | 4,542 | ec29112dd5afa0611ce80d1b7f02629c |
    ///
    /// yann.lecun.com, the original home, no longer serves the files reliably, so the mirrors
    /// that PyTorch and TensorFlow use come first.
    public static let mnist = DatasetDescriptor(
        name: "mnist",
        summary: "MNIST (LeCun, Cortes and Burges): 60,000 training and 10,000 test 28 x 28 handwritten digits, 10 classes",
        files: [
            DatasetFile(name: "train-images-idx3-ubyte.gz",
                        sha256: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                        byteCount: 9_912_422),
            DatasetFile(name: "train-labels-idx1-ubyte.gz",
                        sha256: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                        byteCount: 28_881),
            DatasetFile(name: "t10k-images-idx3-ubyte.gz",
                        sha256: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                        byteCount: 1_648_877),
            DatasetFile(name: "t10k-labels-idx1-ubyte.gz",
                        sha256: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                        byteCount: 4_542),
        ],
        baseURLs: urls([
            "https://ossci-datasets.s3.amazonaws.com/mnist",
            "https://storage.googleapis.com/cvdf-datasets/mnist",
            "http://yann.lecun.com/exdb/mnist",
        ]))

    /// The 5,000-digit MNIST sample shipped in this module's resources (see its README.md
    /// and `MNISTFormatDataset.mnistSample()`); its checksums are those of its SHA256SUMS file.
    public static let mnistSample = DatasetDescriptor(
        name: "mnist-sample",
        summary: "5,000 real MNIST digits shipped with swift-lora: 4,000 training and 1,000 test, 10 classes",
        files: [
            DatasetFile(name: "train-images-idx3-ubyte.gz",
                        sha256: "77e0faa034327aa247100f4fe67a9a497b757c6d6784fecb5d5e8a9a68b77183",
                        byteCount: 651_259),
            DatasetFile(name: "train-labels-idx1-ubyte.gz",
                        sha256: "83aaa65d86a8b48406426885c5ba911270109080b92f96f27bbb9c8eb7ae6a06",
                        byteCount: 2_083),
            DatasetFile(name: "t10k-images-idx3-ubyte.gz",
                        sha256: "b4bc0a7e5f92f0a3f5f62a7cdd596f1674f8f9cc38dc86f8c6b43bed3a81e38c",
                        byteCount: 163_720),
            DatasetFile(name: "t10k-labels-idx1-ubyte.gz",
                        sha256: "ffb56b3a41309811167e692e41c88327f74b28e1c2fc2669a2be8cfb99bd0984",
                        byteCount: 548),
        ],
        isBundled: true)
}

/// The URLs of `strings`; every literal above is a valid URL (a test checks the counts).
private func urls(_ strings: [String]) -> [URL] {
    strings.compactMap { URL(string: $0) }
}
