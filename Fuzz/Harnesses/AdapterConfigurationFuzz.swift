// libFuzzer target: the PEFT adapter configuration parser,
// `PEFTAdapterConfiguration.configuration(fromJSON:path:)` (the `adapter_config.json` of an
// adapter directory).
//
// A configuration that parses must satisfy what the parser documents (rank a positive
// integer, alpha a positive finite number, dropout in [0, 1), at least one target module
// or a compilable pattern), must survive a round trip through
// `PEFTAdapterConfiguration.json(for:)` unchanged (up to the order of the target modules), and its `targets(path:)` must answer for
// a few module paths of the shape the library uses. Violations call `fatalError`, which
// libFuzzer reports as a crash.
import Adapters
import Foundation

private let samplePaths = ["layers.0", "layers.2", "layers.4", "base_model.model.layers.0", "lora_A", ""]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAdapterConfiguration(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Data(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    let configuration: LoRAConfiguration
    do {
        configuration = try PEFTAdapterConfiguration.configuration(fromJSON: bytes, path: "adapter_config.json")
    } catch {
        _ = error.description
        return 0
    }

    check(configuration.rank >= 1, "rank \(configuration.rank) is not positive")
    check(configuration.alpha > 0 && configuration.alpha.isFinite, "alpha \(configuration.alpha) is not a positive finite number")
    check(configuration.dropout >= 0 && configuration.dropout < 1, "dropout \(configuration.dropout) is not in [0, 1)")
    check(configuration.scale.isFinite, "scale \(configuration.scale) is not finite")
    if let pattern = configuration.targetModulePattern {
        check((try? NSRegularExpression(pattern: pattern)) != nil, "the accepted pattern does not compile")
    } else {
        check(!configuration.targetModules.isEmpty, "no target modules")
    }
    for path in samplePaths {
        _ = configuration.targets(path: path)
    }

    let json = PEFTAdapterConfiguration.json(for: configuration)
    do {
        let reread = try PEFTAdapterConfiguration.configuration(fromJSON: Data(json.utf8), path: "rewritten.json")
        // json(for:) writes target_modules sorted, as PEFT does (it keeps them as a set).
        var expected = configuration
        expected.targetModules.sort()
        check(reread == expected, "the configuration changed in a round trip:\n\(expected)\n\(reread)")
    } catch {
        fail("the written configuration does not parse: \(error)\n\(json)")
    }
    return 0
}

private func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fail(message()) }
}

private func fail(_ message: String) -> Never {
    fatalError("adapter-config fuzz: \(message)")
}
