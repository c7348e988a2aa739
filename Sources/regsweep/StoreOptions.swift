import ArgumentParser
import Foundation
import RegistrySweep

/// The store to work on: ROOT or `--config FILE`.
struct StoreOptions: ParsableArguments {
    @Argument(help: "The registry's storage rootdirectory (the folder holding docker/registry/v2).")
    var root: String?

    @Option(name: .long, help: "Read the rootdirectory from the registry's config.yml instead of ROOT.")
    var config: String?

    func validate() throws {
        if root == nil && config == nil { throw ValidationError("give ROOT or --config FILE") }
        if root != nil && config != nil { throw ValidationError("give ROOT or --config FILE, not both") }
        if let root, root.isEmpty { throw ValidationError("ROOT is empty: give the registry's storage rootdirectory") }
    }

    /// Flag hints for the errors of commands that open a store (see ``ExitStatus/fail(_:hints:)``).
    static let hints: [SweepError.Code: String] = [
        .invalidStore:
            "if ROOT is not the store: give the registry's storage rootdirectory (the folder holding docker/), "
            + "or --config with its config.yml"
    ]

    /// Opens the store: ROOT as a filesystem store, or the store `--config FILE` describes
    /// (its storage driver and parameters), and whether the registry has a blob descriptor
    /// cache configured.
    func open() throws(SweepError) -> (backend: any StorageBackend, cached: Bool) {
        guard let config else { return (try FileSystemBackend(root: root ?? "."), false) }
        let parsed = try RegistryConfig.load(path: config)
        do {
            return (try parsed.storage.makeBackend(), parsed.hasBlobDescriptorCache)
        } catch {
            var error = error
            if error.path == nil { error.path = config }
            throw error
        }
    }
}

/// Exit codes shared by every subcommand (documented in the root command's help).
enum ExitStatus {
    static let problems = ExitCode(1)
    static let unusable = ExitCode(3)
    static let unknownReference = ExitCode(4)

    /// Prints an error to standard error and returns the matching exit code.
    ///
    /// - Parameter hints: a line to print after errors of a given code, naming the command's flags
    ///   (the library's messages speak of options, not of flags).
    static func fail(_ error: SweepError, hints: [SweepError.Code: String] = [:]) -> ExitCode {
        printError("regsweep: \(error)")
        if let hint = hints[error.code] { printError("regsweep: hint: \(hint)") }
        switch error.code {
        case .unknownReference: return unknownReference
        case .cancelled: return Interruption.exitCode
        case .invalidArgument, .invalidName: return ExitCode(64)
        default: return unusable
        }
    }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    var stderr = StandardError()
    print(line, to: &stderr)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleShim.writeStderr(string)
    }
}

/// Prints a value as pretty, key-sorted JSON (the format every `--json` uses).
func printJSON<Value: Encodable>(_ value: Value) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
