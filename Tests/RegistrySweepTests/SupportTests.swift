import Foundation
import RegistrySweep
import Testing

/// Small support types: RFC 3339 times, durations, byte counts, registry configuration.
@Suite struct SupportTests {
    // MARK: Timestamp

    /// Values checked with `date -u -d TEXT +%s`.
    static let times: [(String, Double)] = [
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59Z", -1),
        ("2024-11-29T10:15:00Z", 1_732_875_300),
        ("2024-11-29t10:15:00z", 1_732_875_300),
        ("2024-11-29T10:15:00+00:00", 1_732_875_300),
        ("2024-11-29T11:15:00+01:00", 1_732_875_300),
        ("2024-11-29T10:15:00-05:30", 1_732_895_100),
        ("2000-02-29T23:59:59Z", 951_868_799),
        ("2024-11-29T10:15:00.5Z", 1_732_875_300.5),
        ("2024-11-29T10:15:00.250+01:00", 1_732_871_700.25),
        ("2024-11-29T10:15:00Z\n", 1_732_875_300),
    ]

    @Test(arguments: times)
    func parsesRFC3339(_ text: String, _ seconds: Double) throws {
        let parsed = try #require(Timestamp.parseRFC3339(text), "\(text.debugDescription)")
        #expect(abs(parsed - seconds) < 1e-6, "\(text)")
    }

    @Test func fractionsKeepNanoseconds() throws {
        let parsed = try #require(Timestamp.parseRFC3339("2024-11-29T10:15:00.123456789Z"))
        #expect(abs(parsed - 1_732_875_300.123456789) < 1e-6)
    }

    static let notTimes = [
        "", "2024-11-29", "2024-11-29T10:15:00", "2024-11-29 10:15:00Z", "2024-11-29T10:15Z", "24-11-29T10:15:00Z",
        "2024-13-01T00:00:00Z", "2024-00-01T00:00:00Z", "2024-11-00T00:00:00Z", "2024-11-32T00:00:00Z",
        "2024-11-29T24:00:00Z", "2024-11-29T10:60:00Z", "2024-11-29T10:15:61Z", "2024-11-29T10:15:00.Z",
        "2024-11-29T10:15:00+0100", "2024-11-29T10:15:00+01", "2024-11-29T10:15:00Zjunk", "2024-11-29T10:15:00+01:00x",
        "2024/11/29T10:15:00Z", "2024-11-29X10:15:00Z", "2024-1a-29T10:15:00Z", "２０２４-11-29T10:15:00Z",
        "-024-11-29T10:15:00Z",
    ]

    @Test(arguments: notTimes)
    func rejectsNonRFC3339(_ text: String) {
        #expect(Timestamp.parseRFC3339(text) == nil, "\(text.debugDescription)")
    }

    @Test func formatRoundTrips() throws {
        #expect(Timestamp.formatRFC3339(0) == "1970-01-01T00:00:00Z")
        #expect(Timestamp.formatRFC3339(1_732_875_300.9) == "2024-11-29T10:15:00Z")
        #expect(Timestamp.formatRFC3339(951_868_799) == "2000-02-29T23:59:59Z")
        var random = SeededGenerator(seed: 31)
        for _ in 0..<2000 {
            let seconds = Double(Int.random(in: 0..<4_102_444_800, using: &random))
            let text = Timestamp.formatRFC3339(seconds)
            #expect(text.utf8.count == 20)
            #expect(Timestamp.parseRFC3339(text) == seconds, "\(text)")
        }
    }

    @Test func clocksMove() {
        let wall = Timestamp.now()
        #expect(abs(wall - Date().timeIntervalSince1970) < 5)
        let first = Timestamp.monotonic()
        #expect(Timestamp.monotonic() >= first)
    }

    // MARK: DurationText

    static let durations: [(String, Double)] = [
        ("0", 0), ("0s", 0), ("90s", 90), ("30m", 1800), ("1h30m", 5400), ("168h", 604_800), ("7d", 604_800),
        ("500ms", 0.5), ("1.5h", 5400), ("1h0m0s", 3600), ("2d12h", 216_000), ("1m30s", 90), ("10ms", 0.01),
    ]

    @Test(arguments: durations)
    func parsesDurations(_ text: String, _ seconds: Double) throws {
        let parsed = try #require(DurationText.parse(text), "\(text)")
        #expect(abs(parsed - seconds) < 1e-9)
    }

    static let notDurations = [
        "", "5", "h", "ms", "1x", "-1h", "1h30", "1 h", " 1h", "1h ", "1.2.3s", "1e3s", "1H", "s1", ".h",
    ]

    @Test(arguments: notDurations)
    func rejectsNonDurations(_ text: String) {
        #expect(DurationText.parse(text) == nil, "\(text.debugDescription)")
    }

    // MARK: ByteCount

    @Test func formatsByteCounts() {
        #expect(ByteCount.format(0) == "0 B")
        #expect(ByteCount.format(999) == "999 B")
        #expect(ByteCount.format(1000) == "1.0 kB (1000 bytes)")
        #expect(ByteCount.format(1_234_567) == "1.2 MB (1234567 bytes)")
        #expect(ByteCount.format(4_500_000_000) == "4.5 GB (4500000000 bytes)")
        #expect(ByteCount.format(2_000_000_000_000_000) == "2.0 PB (2000000000000000 bytes)")
        #expect(ByteCount.format(Int.max).hasSuffix("PB (\(Int.max) bytes)"))
    }

    // MARK: RegistryConfig

    static let debianConfig = """
        version: 0.1
        log:
          fields:
            service: registry
        storage:
          cache:
            blobdescriptor: inmemory
          filesystem:
            rootdirectory: /var/lib/docker-registry
          delete:
            enabled: true
        http:
          addr: :5000
          headers:
            X-Content-Type-Options: [nosniff]
        health:
          storagedriver:
            enabled: true
        """

    @Test func parsesTheDebianConfig() throws {
        let config = try RegistryConfig.parse(Self.debianConfig)
        #expect(try config.rootDirectory == "/var/lib/docker-registry")
        #expect(config.hasBlobDescriptorCache)
    }

    @Test func defaultsAndCache() throws {
        let plain = try RegistryConfig.parse("storage:\n  filesystem:\n    rootdirectory: /srv/registry\n")
        #expect(try plain.rootDirectory == "/srv/registry")
        #expect(!plain.hasBlobDescriptorCache)
        let noRoot = try RegistryConfig.parse("storage:\n  filesystem: {}\n")
        #expect(try noRoot.rootDirectory == "/var/lib/registry")
        let flow = try RegistryConfig.parse(
            "{storage: {filesystem: {rootdirectory: /data}, cache: {blobdescriptor: redis}}}")
        #expect(try flow.rootDirectory == "/data")
        #expect(flow.hasBlobDescriptorCache)
    }

    /// Unusable as configuration at all (unsupported drivers parse: see ConfigTests).
    static let badConfigs = [
        "", "version: 0.1\nhttp:\n  addr: :5000\n", "storage: [\n", "\t- not: [valid",
        "storage:\n  delete:\n    enabled: true\n", "storage:\n  filesystem: {}\n  s3:\n    bucket: b\n",
    ]

    @Test(arguments: badConfigs)
    func rejectsUnusableConfigs(_ text: String) {
        let error = #expect(throws: SweepError.self) {
            try RegistryConfig.parse(text, path: "/etc/docker/registry/config.yml")
        }
        #expect(error?.code == .invalidConfig)
        #expect(error?.path == "/etc/docker/registry/config.yml")
    }

    @Test func loadsFromAFileAndReportsMissingOnes() throws {
        let store = try FixtureStore()
        let file = store.outside.appendingPathComponent("config.yml")
        try Data(Self.debianConfig.utf8).write(to: file)
        #expect(try RegistryConfig.load(path: file.path).rootDirectory == "/var/lib/docker-registry")
        let missing = store.outside.appendingPathComponent("absent.yml").path
        let error = #expect(throws: SweepError.self) { try RegistryConfig.load(path: missing) }
        #expect(error?.code == .invalidConfig)
        #expect(error?.path == missing)
        #expect(error?.errno == ENOENT)
    }
}
