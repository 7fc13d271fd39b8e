// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "swift-lora",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TensorCore", targets: ["TensorCore"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "Optimizers", targets: ["Optimizers"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "SafeTensors", targets: ["SafeTensors"]),
        .library(name: "Collectives", targets: ["Collectives"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "Adapters", targets: ["Adapters"]),
        .library(name: "Tokenizers", targets: ["Tokenizers"]),
        .library(name: "Transformers", targets: ["Transformers"]),
        .library(name: "TextClassification", targets: ["TextClassification"]),
        .executable(name: "lora", targets: ["lora"]),
        .executable(name: "lora-bench", targets: ["lora-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C micro-kernels (GEMM inner loops, panel packing) with run-time CPU dispatch.
        .target(name: "CKernels"),
        // The system zlib, for gzip-compressed data files.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Tensors, shapes, ops and reverse-mode autodiff; the GEMM driver.
        .target(name: "TensorCore", dependencies: ["CKernels"]),
        // Module protocol, Linear, activations, losses, initialisers.
        .target(name: "NN", dependencies: ["TensorCore"]),
        // SGD, Adam, AdamW.
        .target(name: "Optimizers", dependencies: ["TensorCore", "CKernels"]),
        // IDX data sets (MNIST and its relatives), batching; labelled text files (CSV, JSON Lines).
        .target(name: "Datasets", dependencies: ["CZlib", "CKernels"], resources: [.copy("Resources/mnist-sample")]),
        // The safetensors file format.
        .target(name: "SafeTensors"),
        // LoRA and DoRA adapters, injection by module path, merging, PEFT's file format.
        .target(name: "Adapters", dependencies: ["NN", "SafeTensors"]),
        // BERT's WordPiece tokenizer from vocab.txt or tokenizer.json (Foundation only).
        .target(name: "Tokenizers"),
        // Pretrained transformer encoders from Hugging Face model folders (config.json, model.safetensors).
        .target(name: "Transformers", dependencies: ["TensorCore", "NN", "SafeTensors", "Adapters"]),
        // Process groups for data-parallel training: one process, or Open MPI's ranks with the
        // library opened at run time (nothing links MPI at build time).
        .target(name: "Collectives"),
        // Training loop and evaluation.
        .target(name: "Training", dependencies: ["NN", "Optimizers", "Datasets", "Adapters", "SafeTensors", "Collectives"]),
        // Labelled texts tokenised once and cut into padded encoder batches (TrainingData).
        .target(name: "TextClassification", dependencies: ["TensorCore", "Datasets", "Tokenizers", "Transformers", "Training"]),

        // Text classification on a pretrained encoder: training sessions over token batches
        // (linear probe, LoRA, DoRA), evaluation, the probe/LoRA/DoRA experiment, embeddings.
        .target(name: "TextTraining", dependencies: ["Training", "TextClassification", "Transformers", "Tokenizers", "Adapters", "NN",
                                                    "Optimizers", "TensorCore", "Collectives"]),

        // Metrics files, HTML/SVG reports, terminal progress.
        .target(name: "Reporting"),
        // The `lora` command line: parse, validate, call the library; no math here.
        .target(name: "LoRACLI", dependencies: [
            "Training", "Optimizers", "Adapters", "Datasets", "SafeTensors", "Reporting", "Collectives",
            "TextTraining", "TextClassification", "Transformers", "Tokenizers",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "lora", dependencies: ["LoRACLI"]),
        .executableTarget(
            name: "lora-bench",
            dependencies: ["TensorCore", "NN", "Optimizers", "Datasets", "Training", "Adapters", "Transformers", "Tokenizers"],
            path: "Benchmarks/lora-bench"),

        .target(name: "TestSupport", dependencies: ["TensorCore", "Datasets", "SafeTensors"], path: "Tests/TestSupport",
                resources: [.copy("Fixtures/minilm"), .copy("Fixtures/minilm-extra"), .copy("Fixtures/tiny-bert-seqcls")]),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "TestSupport", "CKernels"]),
        // TensorCore's public API as a user sees it (no `@testable`): custom operations.
        .testTarget(name: "TensorCoreAPITests", dependencies: ["TensorCore", "TestSupport"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "TestSupport"]),
        .testTarget(name: "OptimizersTests", dependencies: ["Optimizers", "NN", "TestSupport", "CKernels"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "TestSupport"]),
        .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Collectives", "TestSupport"]),
        .testTarget(name: "CollectivesTests", dependencies: ["Collectives"]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting"]),
        .testTarget(name: "LoRACLITests", dependencies: ["LoRACLI", "lora", "SafeTensors", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers", "TestSupport"]),
        .testTarget(name: "TransformersTests", dependencies: ["Transformers", "NN", "Adapters", "Tokenizers", "SafeTensors", "TestSupport"]),
        .testTarget(name: "TextTrainingTests", dependencies: ["TextTraining", "TextClassification", "Training", "Transformers", "Tokenizers", "Adapters",
                                                            "NN", "SafeTensors", "TestSupport"]),
        .testTarget(name: "TextClassificationTests", dependencies: ["TextClassification", "Datasets", "Tokenizers", "Transformers", "Training", "NN", "Optimizers", "TensorCore", "TestSupport"]),
        .testTarget(name: "AdaptersTests", dependencies: ["Adapters", "TestSupport"], resources: [.copy("Fixtures")]),
    ]
)
