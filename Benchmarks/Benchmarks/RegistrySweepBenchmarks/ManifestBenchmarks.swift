import Benchmark
import RegistryStoreGenerator
import RegistrySweep

/// Manifest parsing throughput over a corpus shaped like what registries hold: Docker
/// schema 2 as `docker push` writes it (indented), OCI images with annotations, OCI
/// indexes with attestation entries, Docker lists, referrers and signed schema 1.
enum ManifestBenchmarks {
    static let corpus: [[UInt8]] = makeCorpus(count: 2000)
    static let corpusBytes = corpus.reduce(0) { $0 + $1.count }

    static func register() {
        let megabytesPerSecond = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)
        Benchmark(
            "ManifestParser.parse corpus (2000 manifests)",
            configuration: .init(metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident, megabytesPerSecond])
        ) { benchmark in
            let start = ContinuousClock.now
            var references = 0
            for manifest in corpus {
                let parsed = try ManifestParser.parse(manifest)
                references += parsed.blobs.count + parsed.children.count
            }
            let seconds = (ContinuousClock.now - start) / .seconds(1)
            blackHole(references)
            benchmark.measurement(megabytesPerSecond, Int(Double(corpusBytes) / 1e6 / seconds))
        }
    }

    static func makeCorpus(count: Int) -> [[UInt8]] {
        var random = SeededRandom(seed: 11)
        func digest() -> String {
            Digest(w0: random.next(), w1: random.next(), w2: random.next(), w3: random.next()).description
        }
        var corpus: [[UInt8]] = []
        for index in 0..<count {
            let text: String
            switch index % 20 {
            case 0..<10: text = schema2(layers: 3 + index % 8, digest: digest)
            case 10..<14: text = ociImage(layers: 2 + index % 10, digest: digest)
            case 14, 15: text = ociIndex(digest: digest)
            case 16, 17: text = dockerList(digest: digest)
            case 18: text = referrer(digest: digest)
            default: text = schema1(layers: 4 + index % 6, digest: digest)
            }
            corpus.append(Array(text.utf8))
        }
        return corpus
    }

    static func schema2(layers: Int, digest: () -> String) -> String {
        let list = (0..<layers).map { _ in
            """
                  {
                     "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                     "size": 31357624,
                     "digest": "\(digest())"
                  }
            """
        }.joined(separator: ",\n")
        return """
            {
               "schemaVersion": 2,
               "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
               "config": {
                  "mediaType": "application/vnd.docker.container.image.v1+json",
                  "size": 7023,
                  "digest": "\(digest())"
               },
               "layers": [
            \(list)
               ]
            }
            """
    }

    static func ociImage(layers: Int, digest: () -> String) -> String {
        let list = (0..<layers).map { _ in
            "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"\(digest())\",\"size\":2811478}"
        }.joined(separator: ",")
        return "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"\(digest())\",\"size\":1472},"
            + "\"layers\":[\(list)],\"annotations\":{\"org.opencontainers.image.created\":\"2024-05-01T10:00:00Z\","
            + "\"org.opencontainers.image.source\":\"https://example.com/team/app\",\"org.opencontainers.image.revision\":\"3f1c0b2\"}}"
    }

    static func ociIndex(digest: () -> String) -> String {
        var entries: [String] = []
        for arch in ["amd64", "arm64", "arm", "ppc64le"] {
            let image = digest()
            entries.append(
                "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"\(image)\",\"size\":1613,"
                    + "\"platform\":{\"architecture\":\"\(arch)\",\"os\":\"linux\"}}")
            entries.append(
                "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"\(digest())\",\"size\":566,"
                    + "\"annotations\":{\"vnd.docker.reference.digest\":\"\(image)\",\"vnd.docker.reference.type\":\"attestation-manifest\"},"
                    + "\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}}")
        }
        return
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[\(entries.joined(separator: ","))]}"
    }

    static func dockerList(digest: () -> String) -> String {
        let entries = ["amd64", "arm64", "s390x"].map { arch in
            """
                  {
                     "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                     "size": 1570,
                     "digest": "\(digest())",
                     "platform": {
                        "architecture": "\(arch)",
                        "os": "linux"
                     }
                  }
            """
        }.joined(separator: ",\n")
        return """
            {
               "schemaVersion": 2,
               "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
               "manifests": [
            \(entries)
               ]
            }
            """
    }

    static func referrer(digest: () -> String) -> String {
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + "\"artifactType\":\"application/vnd.dev.cosign.artifact.sig.v1+json\","
            + "\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"\(digest())\",\"size\":2},"
            + "\"layers\":[{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"digest\":\"\(digest())\",\"size\":242,"
            + "\"annotations\":{\"dev.cosignproject.cosign/signature\":\"MEUCIQDx2Z5n1kz0yq1nq7c2X4u9Qh3Zq6l8Qm0eUuR3q0gKpQIgY8S3Q9T0x\"}}],"
            + "\"subject\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"\(digest())\",\"size\":1613}}"
    }

    static func schema1(layers: Int, digest: () -> String) -> String {
        let sums = (0..<layers).map { _ in "      {\n         \"blobSum\": \"\(digest())\"\n      }" }.joined(
            separator: ",\n")
        let history = (0..<layers).map { index in
            "      {\n         \"v1Compatibility\": \"{\\\"id\\\":\\\"\(index)e4c2b3a\\\",\\\"created\\\":\\\"2016-05-01T10:00:00Z\\\","
                + "\\\"container_config\\\":{\\\"Cmd\\\":[\\\"/bin/sh -c #(nop) ADD file:\(index) in / \\\"]}}\"\n      }"
        }.joined(separator: ",\n")
        return """
            {
               "schemaVersion": 1,
               "name": "team/app",
               "tag": "latest",
               "architecture": "amd64",
               "fsLayers": [
            \(sums)
               ],
               "history": [
            \(history)
               ],
               "signatures": [
                  {
                     "header": {
                        "jwk": {
                           "crv": "P-256",
                           "kid": "ZKQX:TNUD:XQ3W:QBXX:2M4J:ZJPN:VQ3T:3N2Q:3BTH:6NDP:AHUK:B5TK",
                           "kty": "EC",
                           "x": "m0Xf5Jw0FQHrM2eT3QbG6sRt3gAJ8l6tZxWq1zZ9Bq8",
                           "y": "1bZ2v1Q8yYkq0mJr6m7P0p7x4o9bVx0Jx6m2w7Q3bQ0"
                        },
                        "alg": "ES256"
                     },
                     "signature": "8Bq3r3q2Qf9s8Y5lYwq3Zb0b3tH0a2e3x4k2m1n9p8o7i6u5y4t3r2e1w0q9a8s7d6f5g4h3j2k1l0z9x8c7v6b5n4m3",
                     "protected": "eyJmb3JtYXRMZW5ndGgiOjY2MjgsImZvcm1hdFRhaWwiOiJDbjAiLCJ0aW1lIjoiMjAxNi0wNS0wMVQxMDowMDowMFoifQ"
                  }
               ]
            }
            """
    }
}
