import Benchmark
import RegistrySweep

/// Digest text parsing and formatting, and the interning table at a million digests.
enum DigestBenchmarks {
    /// A million distinct, uniformly spread digests (as SHA-256 output is).
    static let million: [Digest] = makeDigests(1_000_000, seed: 7)
    /// ``million``, interned.
    static let millionTable: DigestTable = {
        var table = DigestTable(capacity: million.count)
        for digest in million { table.intern(digest) }
        return table
    }()

    static func makeDigests(_ count: Int, seed: UInt64) -> [Digest] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in
            Digest(w0: random.next(), w1: random.next(), w2: random.next(), w3: random.next())
        }
    }

    static func register() {
        let texts = makeDigests(1000, seed: 3).map { Array($0.description.utf8) }
        Benchmark("Digest.parse (link text)", configuration: .init(scalingFactor: .kilo)) { benchmark in
            for index in benchmark.scaledIterations {
                texts[index].withUnsafeBytes { blackHole(Digest.parse($0)) }
            }
        }

        let digests = makeDigests(1000, seed: 4)
        Benchmark("Digest.description (format)", configuration: .init(scalingFactor: .kilo)) { benchmark in
            for index in benchmark.scaledIterations {
                blackHole(digests[index].description)
            }
        }

        Benchmark(
            "DigestTable.intern 1M new",
            configuration: .init(maxDuration: .seconds(10), maxIterations: 10)
        ) { benchmark in
            var table = DigestTable(capacity: 1024)
            for digest in million { blackHole(table.intern(digest)) }
            blackHole(table.count)
        }

        Benchmark(
            "DigestTable.id(of:) 1M hits",
            configuration: .init(warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 20)
        ) { benchmark in
            // The table is built once, on first use (the warm-up iteration).
            var found = 0
            for digest in million where millionTable.id(of: digest) != nil { found += 1 }
            precondition(found == million.count)
            blackHole(found)
        }
    }
}
