import Foundation
import RegistrySweep

/// The store lock: an object created with a conditional write.
extension S3Backend {
    /// The lock object's path, beside `docker/` under the root (the registry never reads it).
    public static let lockPath = ".regsweep.lock"

    /// What a lock object holds.
    struct LockRecord: Codable {
        var host: String
        var pid: Int32
        var started: String
        var expires: String
        var expiresAt: Double
        var token: String
    }

    /// Takes the lock: `PutObject` of ``lockPath`` with `If-None-Match: *`, holding host, pid,
    /// start and expiry, renewed every third of ``S3Configuration/lockLifetime`` while held and
    /// deleted on release. Then a second conditional write of the same key must fail: a store
    /// that lets it through does not honour conditional writes, and the run refuses (`--no-lock`
    /// overrides, at the operator's risk).
    ///
    /// - Throws: `.locked` naming the holder (and whether its lock has expired: a crashed run's
    ///   lock is never taken over; delete the key once that run is known gone); `.invalidConfig`
    ///   when the store ignores conditional writes; request errors.
    public func lock() async throws(SweepError) -> StoreLockHandle {
        if lockingDisabled {
            return StoreLockHandle("no lock (--no-lock) on \(displayName)") {}
        }
        let key = self.key(Self.lockPath)
        let token = UUID().uuidString
        let record = Self.record(token: token, lifetime: configuration.lockLifetime)
        let created = try await client.putObject(key, body: record, ifNoneMatch: true, path: Self.lockPath)
        if created.status == 412 || created.status == 409 {
            let held = try? await client.getObject(key, limit: 64 << 10, path: Self.lockPath)
            let holder = held.flatMap { try? JSONDecoder().decode(LockRecord.self, from: Data($0)) }
            if holder?.token != token {
                throw SweepError(.locked, Self.lockedMessage(holder, key: key, store: displayName), path: Self.lockPath)
            }
        } else if !created.isSuccess {
            throw created.error("PutObject (lock)", path: Self.lockPath)
        }
        // The store must refuse a second creation of the same key.
        let probe = Self.record(token: UUID().uuidString, lifetime: configuration.lockLifetime)
        let second = try await client.putObject(key, body: probe, ifNoneMatch: true, path: Self.lockPath)
        if second.isSuccess {
            try? await client.deleteObject(key, path: Self.lockPath)
            throw SweepError(
                .invalidConfig,
                "the S3 store does not honour conditional writes (If-None-Match), so the lock cannot keep two runs apart; "
                    + "nothing was changed: run with --no-lock if no other regsweep run can touch this store",
                path: displayName)
        }
        let client = self.client
        let lifetime = configuration.lockLifetime
        let renewal = Task {
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(lifetime / 3 * 1e9))
                if Task.isCancelled { return }
                _ = try? await client.putObject(
                    key, body: Self.record(token: token, lifetime: lifetime), ifNoneMatch: false, path: Self.lockPath)
            }
        }
        return StoreLockHandle("\(displayName)/\(Self.lockPath)") {
            renewal.cancel()
            _ = client.deleteObjectBlocking(key)
        }
    }

    /// A lock object's body.
    static func record(token: String, lifetime: Double) -> [UInt8] {
        let now = Timestamp.now()
        let record = LockRecord(
            host: ProcessInfo.processInfo.hostName, pid: ProcessInfo.processInfo.processIdentifier,
            started: Timestamp.formatRFC3339(now), expires: Timestamp.formatRFC3339(now + lifetime),
            expiresAt: now + lifetime, token: token)
        return Array((try? JSONEncoder().encode(record)) ?? Data())
    }

    /// Who holds the lock, for the `.locked` error.
    static func lockedMessage(_ holder: LockRecord?, key: String, store: String) -> String {
        guard let holder else {
            return "another regsweep run holds the lock of \(store) (object \(key), unreadable); nothing was changed"
        }
        let expired = holder.expiresAt < Timestamp.now()
        return
            "another regsweep run holds the lock of \(store): host \(holder.host), pid \(holder.pid), since \(holder.started)"
            + (expired
                ? "; it expired at \(holder.expires) (the run crashed?): delete the object \(key) once that run is known to be gone"
                : ", until \(holder.expires) unless renewed")
            + "; nothing was changed"
    }
}
