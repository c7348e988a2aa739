import ArgumentParser
import RegistrySweep

/// `regsweep`: reclaim disk space from registry stores and Docker hosts, safely.
@main
struct RegSweep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regsweep",
        abstract: "Reclaim disk space from container registries and Docker hosts, without losing an image in use.",
        discussion: """
            ROOT is the registry's storage rootdirectory: the folder that holds docker/registry/v2 (default for the registry: /var/lib/registry). --config reads it from the registry's config.yml.

            Exit codes: 0 success; 1 the run completed but found problems (scan, du, verify) or could not finish everything (gc, delete); 64 usage error; 3 the store or engine could not be used (not a store, locked, unreachable); 4 unknown repository or tag (delete).
            """,
        version: "0.1.0",
        subcommands: [
            ScanCommand.self, DuCommand.self, GCCommand.self, DeleteCommand.self, RetainCommand.self,
            VerifyCommand.self, ImagesCommand.self,
            GenerateCommand.self, DemoCommand.self,
        ]
    )
}
