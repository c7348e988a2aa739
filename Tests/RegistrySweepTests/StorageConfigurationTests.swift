import Foundation
import RegistrySweep
import Testing

/// The `storage` section of `config.yml`: any driver parses with its parameters; opening a
/// store names an unsupported driver; the file itself may be a symbolic link.
@Suite struct StorageConfigurationTests {
    static let s3Config = """
        version: 0.1
        storage:
          s3:
            accesskey: AKIAEXAMPLE
            secretkey: secret
            region: us-east-1
            regionendpoint: http://127.0.0.1:8333
            bucket: registry
            rootdirectory: /prefix
            secure: false
            chunksize: 5242880
          cache:
            blobdescriptor: inmemory
          maintenance:
            uploadpurging:
              enabled: false
          redirect:
            disable: true
          delete:
            enabled: true
        """

    @Test func s3ParametersParse() throws {
        let config = try RegistryConfig.parse(Self.s3Config)
        #expect(config.storage.driver == "s3")
        #expect(config.storage["bucket"] == "registry")
        #expect(config.storage["region"] == "us-east-1")
        #expect(config.storage["regionendpoint"] == "http://127.0.0.1:8333")
        #expect(config.storage["rootdirectory"] == "/prefix")
        #expect(config.storage["accesskey"] == "AKIAEXAMPLE")
        #expect(config.storage["secure"] == "false")
        #expect(config.storage["chunksize"] == "5242880")
        #expect(config.storage.parameters.count == 8, "the non-driver keys are not parameters")
        #expect(config.hasBlobDescriptorCache)
    }

    @Test func nestedParametersKeepTheirShape() throws {
        let config = try RegistryConfig.parse(
            "storage:\n  swift:\n    authurl: https://a\n    domains: [one, two]\n    headers:\n      X-A: b\n  tag:\n    concurrencylimit: 8\n"
        )
        #expect(config.storage.driver == "swift")
        #expect(config.storage.parameters["domains"] == .list([.string("one"), .string("two")]))
        #expect(config.storage.parameters["headers"] == .map(["X-A": .string("b")]))
        #expect(config.storage["headers"] == nil, "not a scalar")
        let bare = try RegistryConfig.parse("storage:\n  filesystem:\n")
        #expect(bare.storage == StorageConfiguration(driver: "filesystem"))
        #expect(try bare.rootDirectory == "/var/lib/registry")
    }

    @Test(arguments: ["azure", "s3", "gcs", "inmemory"])
    func unsupportedDriverIsNamed(_ driver: String) throws {
        let config = try RegistryConfig.parse("storage:\n  \(driver):\n    bucket: b\n")
        #expect(config.storage.driver == driver)
        let error = #expect(throws: SweepError.self) { _ = try config.storage.makeBackend() }
        #expect(error?.code == .invalidConfig)
        #expect(error?.message == "storage driver \"\(driver)\" is not supported; supported: filesystem")
        #expect(throws: SweepError.self) { _ = try config.rootDirectory }
    }

    @Test func twoDriversOrNoneAreErrors() throws {
        let two = #expect(throws: SweepError.self) {
            try RegistryConfig.parse("storage:\n  filesystem: {}\n  s3:\n    bucket: b\n", path: "c.yml")
        }
        #expect(two?.code == .invalidConfig && two?.path == "c.yml")
        #expect(two?.message.contains("\"filesystem\"") == true && two?.message.contains("\"s3\"") == true)
        let none = #expect(throws: SweepError.self) {
            try RegistryConfig.parse("storage:\n  cache:\n    blobdescriptor: inmemory\n  delete:\n    enabled: true\n")
        }
        #expect(none?.code == .invalidConfig)
        #expect(none?.message.contains("no driver") == true)
    }

    /// `/etc/docker/registry` is often a link into a config-management tree: the config file
    /// and the directories above it may be symbolic links (the store's no-link rule is the store's).
    @Test func symlinkedConfigIsRead() throws {
        let store = try FixtureStore()
        let real = try store.writeOutside(
            "managed/registry/config.yml", "storage:\n  filesystem:\n    rootdirectory: \(store.root.path)\n")
        let links = store.outside.appendingPathComponent("etc")
        try FileManager.default.createDirectory(at: links, withIntermediateDirectories: true)
        let fileLink = links.appendingPathComponent("config.yml")
        try FileManager.default.createSymbolicLink(atPath: fileLink.path, withDestinationPath: real.path)
        let directoryLink = links.appendingPathComponent("registry")
        try FileManager.default.createSymbolicLink(
            atPath: directoryLink.path, withDestinationPath: real.deletingLastPathComponent().path)

        for path in [fileLink.path, directoryLink.appendingPathComponent("config.yml").path] {
            let config = try RegistryConfig.load(path: path)
            #expect(try config.rootDirectory == store.root.path)
            let backend = try config.storage.makeBackend()
            #expect(backend.displayName == store.root.path)
        }
    }

    @Test func aFIFOConfigFailsWithoutBlocking() throws {
        let store = try FixtureStore()
        let fifo = store.outside.appendingPathComponent("config.yml").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let error = #expect(throws: SweepError.self) { try RegistryConfig.load(path: fifo) }
        #expect(error?.code == .invalidConfig)
        #expect(error?.path == fifo)
    }
}
