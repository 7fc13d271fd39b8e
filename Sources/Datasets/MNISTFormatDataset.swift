import Foundation

/// A train/test pair in the MNIST file layout, as used by MNIST, Fashion-MNIST, KMNIST and
/// EMNIST: a directory holding four IDX files with the standard names
///
/// | file | contents |
/// |---|---|
/// | `train-images-idx3-ubyte` | training images, magic 0x00000803 |
/// | `train-labels-idx1-ubyte` | training labels, magic 0x00000801 |
/// | `t10k-images-idx3-ubyte`  | test images |
/// | `t10k-labels-idx1-ubyte`  | test labels |
///
/// each either raw or gzip-compressed with a `.gz` suffix (the raw name is tried first;
/// compression is detected from the content either way).
public struct MNISTFormatDataset: Sendable, Equatable {
    public static let trainImagesFileName = "train-images-idx3-ubyte"
    public static let trainLabelsFileName = "train-labels-idx1-ubyte"
    public static let testImagesFileName = "t10k-images-idx3-ubyte"
    public static let testLabelsFileName = "t10k-labels-idx1-ubyte"

    /// The training split.
    public let train: LabeledImages
    /// The test split.
    public let test: LabeledImages

    public init(train: LabeledImages, test: LabeledImages) {
        self.train = train
        self.test = test
    }

    /// Loads the four files from `directory`.
    ///
    /// - Parameter classes: the number of classes (10 for MNIST, Fashion-MNIST and KMNIST).
    /// - Throws: `IDXError.missingDatasetFile` naming the first file absent under both names,
    ///   or any other `IDXError` from reading and validating the files.
    public init(directory: String, classes: Int = 10) throws(IDXError) {
        let trainImages = try Self.locate(Self.trainImagesFileName, in: directory)
        let trainLabels = try Self.locate(Self.trainLabelsFileName, in: directory)
        let testImages = try Self.locate(Self.testImagesFileName, in: directory)
        let testLabels = try Self.locate(Self.testLabelsFileName, in: directory)
        self.train = try LabeledImages(imagesPath: trainImages, labelsPath: trainLabels, classes: classes)
        self.test = try LabeledImages(imagesPath: testImages, labelsPath: testLabels, classes: classes)
    }

    /// The directory of the MNIST sample shipped with this module (see its README.md):
    /// 5,000 real MNIST digits, 4,000 for training and 1,000 for testing, 28 x 28, with
    /// 400 (train) and 100 (test) of each of the 10 classes.
    public static var mnistSampleDirectory: String? {
        if let url = Bundle.module.url(forResource: "mnist-sample", withExtension: nil) { return url.path }
        return Bundle.module.resourceURL?.appendingPathComponent("mnist-sample").path
    }

    /// Loads the MNIST sample shipped with this module (see `mnistSampleDirectory`).
    public static func mnistSample() throws(IDXError) -> MNISTFormatDataset {
        guard let directory = mnistSampleDirectory else {
            throw .fileNotFound(path: "mnist-sample (resource of the Datasets module)")
        }
        return try MNISTFormatDataset(directory: directory)
    }

    /// The path of `fileName` or `fileName.gz` in `directory`, whichever exists (raw first).
    static func locate(_ fileName: String, in directory: String) throws(IDXError) -> String {
        let base = URL(fileURLWithPath: directory, isDirectory: true)
        for candidate in [fileName, fileName + ".gz"] {
            let path = base.appendingPathComponent(candidate).path
            if DataFile.exists(atPath: path) { return path }
        }
        throw .missingDatasetFile(directory: directory, fileName: fileName)
    }
}
