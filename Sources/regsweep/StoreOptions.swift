import ArgumentParser
import Foundation
import RegistrySweep
import S3Storage

/// The store to work on: ROOT or `--config FILE`.
struct StoreOptions: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "The registry's storage rootdirectory (the folder holding docker/registry/v2), or s3://BUCKET[/ROOTDIRECTORY] for a store in S3.",
            discussion:
                "For s3:// give --endpoint and --region for a store other than AWS S3; credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN."
        ))
    var root: String?

    @Option(
        name: .long,
        help:
            "Read the storage driver (filesystem or s3) and its settings from the registry's config.yml instead of ROOT."
    )
    var config: String?

    @Option(
        name: .long, help: "S3 endpoint URL for s3:// ROOTs (e.g. http://127.0.0.1:8333); default: AWS S3 in --region.")
    var endpoint: String?

    @Option(name: .long, help: "S3 signing region for s3:// ROOTs (default: AWS_REGION, else us-east-1).")
    var region: String?

    @Option(name: .long, help: "S3: requests in flight at most (default 32).")
    var concurrency: Int?

    @Flag(
        name: .long,
        help:
            "S3: run without the lock object, for stores that ignore conditional writes. Risk: two runs at once can delete what the other still needs."
    )
    var noLock = false

    @Flag(
        name: .long,
        help:
            "S3: read every link object with a GET, even one whose listed ETag is the MD5 of the exact link the registry writes (by default such a link is taken as read; for stores whose ETags are not what they say)."
    )
    var readEveryLink = false

    func validate() throws {
        if root == nil && config == nil { throw ValidationError("give ROOT or --config FILE") }
        if root != nil && config != nil { throw ValidationError("give ROOT or --config FILE, not both") }
        if let root, root.isEmpty { throw ValidationError("ROOT is empty: give the registry's storage rootdirectory") }
        if let concurrency, !(1...1024).contains(concurrency) {
            throw ValidationError("--concurrency must be 1 to 1024")
        }
        let isS3 = root?.hasPrefix("s3://") == true
        if !isS3 && (endpoint != nil || region != nil) {
            throw ValidationError(
                "--endpoint and --region apply to s3:// ROOTs only (a --config file gives them in storage.s3)")
        }
    }

    /// Flag hints for the errors of commands that open a store (see ``ExitStatus/fail(_:hints:)``).
    static let hints: [SweepError.Code: String] = [
        .invalidStore:
            "if ROOT is not the store: give the registry's storage rootdirectory (the folder holding docker/), "
            + "or --config with its config.yml"
    ]

    /// Opens the store: ROOT as a filesystem store or an `s3://` URL, or the store `--config
    /// FILE` describes (its storage driver and parameters), and whether the registry has a blob
    /// descriptor cache configured.
    func open() throws(SweepError) -> (backend: any StorageBackend, cached: Bool) {
        let environment = ProcessInfo.processInfo.environment
        guard let config else {
            let root = root ?? "."
            if root.hasPrefix("s3://") {
                return (
                    s3(try S3Configuration(url: root, endpoint: endpoint, region: region, environment: environment)),
                    false
                )
            }
            return (try FileSystemBackend(root: root), false)
        }
        let parsed = try RegistryConfig.load(path: config)
        do {
            if parsed.storage.driver == "s3" {
                return (
                    s3(try S3Configuration(storage: parsed.storage, environment: environment)),
                    parsed.hasBlobDescriptorCache
                )
            }
            return (try parsed.storage.makeBackend(), parsed.hasBlobDescriptorCache)
        } catch {
            var error = error
            if error.path == nil { error.path = config }
            throw error
        }
    }

    /// The S3 backend with this command's settings.
    private func s3(_ configuration: S3Configuration) -> S3Backend {
        var configuration = configuration
        if let concurrency { configuration.concurrency = concurrency }
        if readEveryLink { configuration.linkProofs = false }
        var backend = S3Backend(configuration)
        backend.lockingDisabled = noLock
        return backend
    }

    /// How many calls the library should run at once on `backend`: an object store's requests
    /// in flight, else the library's default.
    static func concurrency(for backend: any StorageBackend, default value: Int) -> Int {
        (backend as? S3Backend)?.configuration.concurrency ?? value
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

/// Writes a line to standard error, after erasing and ending the progress line.
func printError(_ line: String) {
    ProgressLine.finishActive()
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
