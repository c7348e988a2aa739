extension StoreScanner {
    /// Lists `blobs/sha256/<xx>/` shards concurrently; a blob is a directory named by its
    /// hex digest. Each shard's digests are loaded into the table, in shard order, as its
    /// listing arrives, so no list of all blob digests is ever held besides the table; the
    /// table is sized from the first shard (digests are uniform over the shards). The blobs
    /// are the table's sorted base, ids `0..<count` in digest order.
    ///
    /// - Parameters:
    ///   - digests: receives every blob digest.
    ///   - blobs: receives the ids of the blobs.
    /// - Returns: problems for anything else found, and whether `blobs/sha256` is absent
    ///   (`ENOENT`: no blobs; the caller decides whether that is believable).
    /// - Throws: the error listing `blobs/sha256` itself when it is there but cannot be listed
    ///   (unreadable, or of the wrong type).
    func listBlobs(into digests: inout DigestTable, blobs: inout BitSet) async throws(SweepError) -> (
        [StoreProblem], Bool
    ) {
        let shards: [DirectoryEntry]
        do {
            shards = try await backend.list(StorePath.blobShards)
        } catch  where error.code == .notFound {
            return ([], true)
        }
        var problems: [StoreProblem] = []
        var names: [String] = []
        for shard in shards {
            if shard.kind == .directory && shard.name.utf8.count == 2
                && Digest.parseHex(shard.name + String(repeating: "0", count: 62)) != nil
            {
                names.append(shard.name)
            } else {
                problems.append(
                    StoreProblem(
                        .invalidStore, "unexpected entry in blobs/sha256 (left alone)",
                        path: "\(StorePath.blobShards)/\(shard.name)"))
            }
        }
        // Loaded into the table in shard order, each shard sorted: the blobs become the
        // table's sorted base, which needs no hash slots.
        names.sort()
        let backend = self.backend
        let width = options.concurrency
        let shardCount = names.count
        problems += await withTaskGroup(of: (Int, [Digest], [StoreProblem]).self) { group in
            var problems: [StoreProblem] = []
            var started = 0
            var running = 0
            var sized = false
            // Shards that finished before an earlier one, held until it is loaded (a few at most).
            var early: [Int: ([Digest], [StoreProblem])] = [:]
            var nextToLoad = 0
            var finished = 0
            func startNext() {
                guard started < shardCount else { return }
                let index = started
                let shard = names[index]
                started += 1
                running += 1
                group.addTask {
                    let (found, problems) = await Self.listShard(backend, shard)
                    return (index, found, problems)
                }
            }
            while running < width && started < shardCount { startNext() }
            while let (index, found, shardProblems) = await group.next() {
                running -= 1
                if !Task.isCancelled { startNext() }
                finished += 1
                options.progress.send(.init(phase: .listBlobs, done: finished, total: shardCount))
                early[index] = (found, shardProblems)
                while let (found, shardProblems) = early.removeValue(forKey: nextToLoad) {
                    if !sized && !found.isEmpty {
                        // 3% over the estimate: shards of a large store differ by far less (a
                        // shard of n digests varies by about sqrt(n)); more would only cost memory.
                        digests.reserveCapacity(found.count * shardCount * 103 / 100 + 1024)
                        sized = true
                    }
                    let first = UInt32(digests.count)
                    digests.load(sorted: found)
                    for id in first..<UInt32(digests.count) { blobs.insert(id) }
                    problems.append(contentsOf: shardProblems)
                    nextToLoad += 1
                }
            }
            return problems
        }
        digests.finishLoading()
        return (problems, false)
    }

    private static func listShard(_ backend: any StorageBackend, _ shard: String) async -> ([Digest], [StoreProblem]) {
        let path = "\(StorePath.blobShards)/\(shard)"
        var listing: DigestListing
        do {
            listing = try await backend.listDigests(path)
        } catch {
            return ([], [StoreProblem(error)])
        }
        var problems: [StoreProblem] = []
        let prefix = Digest.parseHex(shard + String(repeating: "0", count: 62))?.w0 ?? 0
        // A digest in the wrong shard is not where the registry looks for it: not a blob.
        if listing.digests.contains(where: { $0.w0 >> 56 != prefix >> 56 }) {
            for digest in listing.digests where digest.w0 >> 56 != prefix >> 56 {
                problems.append(
                    StoreProblem(
                        .invalidStore, "unexpected entry in a blob shard (left alone)", path: "\(path)/\(digest.hex)"))
            }
            listing.digests.removeAll { $0.w0 >> 56 != prefix >> 56 }
        }
        for entry in listing.others {
            problems.append(
                StoreProblem(
                    .invalidStore, "unexpected entry in a blob shard (left alone)", path: "\(path)/\(entry.name)"))
        }
        // Sorted here, on a worker: the table takes each shard as a sorted run of distinct
        // digests (a backend listing a name twice must not give a blob two ids).
        listing.digests.sortDigests()
        var unique = 0
        for index in listing.digests.indices where unique == 0 || listing.digests[unique - 1] != listing.digests[index]
        {
            listing.digests[unique] = listing.digests[index]
            unique += 1
        }
        listing.digests.removeLast(listing.digests.count - unique)
        return (listing.digests, problems)
    }

    /// Stats every blob's `data` concurrently.
    ///
    /// - Returns: sizes by digest id, and the problems plus one per blob without `data` and
    ///   one (`.wrongType`) per blob whose `data` is not a regular file.
    func statBlobs(_ blobDigests: [Digest], digests: DigestTable, problems: [StoreProblem]) async -> (
        [UInt32: Int], [StoreProblem]
    ) {
        let backend = self.backend
        let chunk = max(256, blobDigests.count / (options.concurrency * 4) + 1)
        var sizes: [UInt32: Int] = [:]
        sizes.reserveCapacity(blobDigests.count)
        var problems = problems
        // Each chunk gives back its blobs' sizes (-1: none) and its problems, 8 bytes a blob
        // rather than a stat result each.
        await withTaskGroup(of: (start: Int, sizes: [Int], problems: [StoreProblem]).self) { group in
            for start in stride(from: 0, to: blobDigests.count, by: chunk) {
                let slice = blobDigests[start..<min(start + chunk, blobDigests.count)]
                group.addTask {
                    var sizes: [Int] = []
                    sizes.reserveCapacity(slice.count)
                    var problems: [StoreProblem] = []
                    for digest in slice {
                        do throws(SweepError) {
                            let info = try await backend.stat(StorePath.blobData(digest))
                            if info.isFile {
                                sizes.append(info.size)
                                continue
                            }
                            // A symbolic link (never followed), a directory, a FIFO or a device.
                            problems.append(
                                StoreProblem(
                                    .wrongType, "blob data is not a regular file (a symbolic link is never followed)",
                                    path: StorePath.blobData(digest), digest: digest))
                        } catch  where error.code == .notFound {
                            problems.append(
                                StoreProblem(
                                    .missingBlob, "blob directory has no data file", path: StorePath.blobData(digest),
                                    digest: digest))
                        } catch {
                            problems.append(StoreProblem(error))
                        }
                        sizes.append(-1)
                    }
                    return (start, sizes, problems)
                }
            }
            var done = 0
            for await result in group {
                done += result.sizes.count
                options.progress.send(.init(phase: .statBlobs, done: done, total: blobDigests.count))
                for (offset, size) in result.sizes.enumerated() where size >= 0 {
                    guard let id = digests.id(of: blobDigests[result.start + offset]) else { continue }
                    sizes[id] = size
                }
                problems += result.problems
            }
        }
        return (sizes, problems)
    }
}
