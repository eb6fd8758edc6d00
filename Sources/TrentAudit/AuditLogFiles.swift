public import Foundation
import Crypto
import TrentModel
public import TrentCore
public import TrentCrypto

/// Delivers audit records as CloudTrail does: gzip'd `{"Records":[…]}` log files under
/// `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/…json.gz`, and for each delivery a signed
/// digest file under `AWSLogs/<account>/CloudTrail-Digest/<region>/…` that lists the log files'
/// SHA-256 and links to the previous digest (hash chain). Signatures are SHA256withRSA over
/// CloudTrail's signing string; the signature sits beside the digest in `<digest>.sig` (hex), and
/// the public key in `public-keys/<fingerprint>.der`.
public struct AuditLogFiles: Sendable {
    public let directory: String
    let store: any KeyStore
    let signingKey: AsymmetricKey
    public let fingerprint: String
    let rootKey: RootKey
    let signingKeyPath: String
    /// This process, as a holder of the delivery lease.
    let nodeID = UUID().uuidString
    /// One roll at a time in this process (the roller and the test-only roll endpoint): the lease
    /// keeps other nodes out, not this one.
    private let rolls = SerialGate()
    /// The buffers log files are rendered and compressed in, kept from one delivery to the next
    /// (used under `rolls`, one log file at a time).
    private let scratch: LogFileScratch
    static let signingKeyContext = "trent/audit-signing-key/v1"

    /// Opens the audit directory; the signing key is created on first use, sealed under the root key.
    public init(directory: String, store: any KeyStore, rootKey: RootKey, signingKeyPath: String) throws {
        self.directory = directory
        self.store = store
        self.rootKey = rootKey
        self.signingKeyPath = signingKeyPath
        scratch = try LogFileScratch()
        let fm = FileManager.default
        if fm.fileExists(atPath: signingKeyPath) {
            let sealed = try Data(contentsOf: URL(fileURLWithPath: signingKeyPath))
            signingKey = try AsymmetricKey(pkcs8DER: try rootKey.open(sealed, context: "trent/audit-signing-key/v1"), spec: .rsa2048)
        } else {
            let key = try AsymmetricKey.generate(.rsa2048)
            let sealed = try rootKey.seal(try key.pkcs8DER(), context: "trent/audit-signing-key/v1")
            try Self.writeDurably(sealed, to: signingKeyPath)
            signingKey = key
        }
        let publicDER = try signingKey.publicKeyDER()
        fingerprint = KeyMaterialID.hex(Array(SHA256.hash(data: publicDER)))
        let publicPath = "\(directory)/public-keys/\(fingerprint).der"
        if !fm.fileExists(atPath: publicPath) { try Self.writeDurably(publicDER, to: publicPath) }
    }

    /// Re-seals the signing key file under the newest root key version (root key rotation).
    public func resealSigningKey() throws {
        let sealed = try Data(contentsOf: URL(fileURLWithPath: signingKeyPath))
        guard !rootKey.isCurrent(sealed, context: Self.signingKeyContext) else { return }
        try Self.writeDurably(try rootKey.seal(try rootKey.open(sealed, context: Self.signingKeyContext), context: Self.signingKeyContext), to: signingKeyPath)
    }

    /// Audit events recorded but not yet in a log file.
    public func pendingRecords() async throws -> Int {
        try await store.read { try $0.undeliveredAuditEventCount() }
    }

    /// Which node delivers: one at a time holds this lease (several nodes share one store); a
    /// node that dies holding it leaves the work to another when it expires.
    static let deliveryLease = "audit-delivery"
    static let leaseDuration: TimeInterval = 30

    /// Writes every audit event not yet in a log file; returns how many files it wrote (none
    /// while another node is delivering).
    @discardableResult
    public func roll(now: Date) async throws -> Int {
        try await rolls.run { try await rollAlone(now: now) }
    }

    private func rollAlone(now: Date) async throws -> Int {
        let holder = nodeID
        guard try await holdLease() else { return 0 }
        do {
            try await recoverStaged()
            // In parts, so a backlog never sits in memory at once.
            var written = 0
            while true {
                let (files, events) = try await deliver(now: now)
                written += files
                if events < Self.deliveryBatch { break }
            }
            try await store.write { tx in try tx.releaseLease(Self.deliveryLease, holder: holder) }
            return written
        } catch {
            _ = try? await store.write { tx in try tx.releaseLease(Self.deliveryLease, holder: holder) }
            throw error
        }
    }

    /// Takes or renews the delivery lease; the lease runs on the machine's own clock, whatever
    /// clock names the files.
    private func holdLease() async throws -> Bool {
        let holder = nodeID
        return try await store.write { tx in
            try tx.takeLease(Self.deliveryLease, holder: holder, now: Date(), until: Date().addingTimeInterval(Self.leaseDuration))
        }
    }

    /// The most records one delivery reads (each roll delivers as many as it takes).
    static let deliveryBatch = 5_000

    /// Delivers up to `deliveryBatch` records: how many files it wrote, and how many records.
    private func deliver(now: Date) async throws -> (files: Int, events: Int) {
        let pending = try await store.read { try $0.undeliveredAuditEvents(limit: Self.deliveryBatch) }
        guard !pending.isEmpty else { return (0, 0) }
        var groups: [String: [SequencedAuditEvent]] = [:]
        var order: [String] = []
        for item in pending {
            let scope = "\(item.event.account)|\(item.event.region)"
            if groups[scope] == nil { order.append(scope) }
            groups[scope, default: []].append(item)
        }
        var written = 0
        for scope in order {
            // A delivery that outlasts its lease stops rather than race a node that took over.
            guard try await holdLease() else { break }
            let items = groups[scope]!
            let account = items[0].event.account, region = items[0].event.region
            let log = try await BlockingWork.run { try writeLogFile(items, account: account, region: region, now: now) }
            let previous = try await store.read { try $0.lastAuditFile(kind: .digest, account: account, region: region) }
            let digest = try await BlockingWork.run { try writeDigest(log: log, events: items, previous: previous, account: account, region: region, now: now) }
            try await store.write { tx in
                try tx.insert(log)
                try tx.insert(digest)
                try tx.markDelivered(auditSequences: items.map(\.sequence))
            }
            // Committed: the files go into place (a crash before this leaves them to `recoverStaged`).
            try await BlockingWork.run {
                for name in [log.name, digest.name, digest.name + ".sig"] { try publish(name) }
            }
            written += 2
        }
        return (written, written == 2 * order.count ? pending.count : 0)
    }

    private func writeLogFile(_ items: [SequencedAuditEvent], account: String, region: String, now: Date) throws -> AuditFile {
        let scratch = scratch
        scratch.records.removeAll()
        scratch.records.beginObject()
        scratch.records.member("Records")
        scratch.records.beginArray()
        for item in items { CloudTrailRecord.write(item.event, to: &scratch.records) }
        scratch.records.endArray()
        scratch.records.endObject()
        let day = AuditDates.dayPath(now)
        let random = (0..<16).map { _ in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".randomElement()! }
        let name = "AWSLogs/\(account)/CloudTrail/\(region)/\(day)/\(account)_CloudTrail_\(region)_\(AuditDates.fileStamp(now, seconds: false))_\(String(random)).json.gz"
        // Written and hashed where it was compressed: the bytes are not copied out first.
        let sha256 = try scratch.records.withBytes { json in
            try scratch.gzip.compress(json) { gzip in
                try stage(Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: gzip.baseAddress!), count: gzip.count, deallocator: .none), as: name)
                return KeyMaterialID.hex(Array(SHA256.hash(data: gzip)))
            }
        }
        return AuditFile(
            name: name, kind: .log, account: account, region: region, firstSequence: items.first!.sequence,
            lastSequence: items.last!.sequence, sha256: sha256, signature: nil, createdAt: now
        )
    }

    private func writeDigest(
        log: AuditFile, events: [SequencedAuditEvent], previous: AuditFile?, account: String, region: String, now: Date
    ) throws -> AuditFile {
        let name = "AWSLogs/\(account)/CloudTrail-Digest/\(region)/\(AuditDates.dayPath(now))/"
            + "\(account)_CloudTrail-Digest_\(region)_trent_\(region)_\(AuditDates.fileStamp(now, seconds: true))_\(log.lastSequence).json.gz"
        let times = events.map(\.event.eventTime)
        let digest: [String: JSONValue] = [
            "awsAccountId": .string(account),
            "digestStartTime": .string(AuditDates.iso8601(previous?.createdAt ?? times.min()!)),
            "digestEndTime": .string(AuditDates.iso8601(now)),
            "digestS3Bucket": .string("trent-audit"),
            "digestS3Object": .string(name),
            "digestPublicKeyFingerprint": .string(fingerprint),
            "digestSignatureAlgorithm": .string("SHA256withRSA"),
            "newestEventTime": .string(AuditDates.iso8601(times.max()!)),
            "oldestEventTime": .string(AuditDates.iso8601(times.min()!)),
            "previousDigestS3Bucket": previous == nil ? .null : .string("trent-audit"),
            "previousDigestS3Object": previous.map { .string($0.name) } ?? .null,
            "previousDigestHashValue": previous.map { .string($0.sha256) } ?? .null,
            "previousDigestHashAlgorithm": previous == nil ? .null : .string("SHA-256"),
            "previousDigestSignature": previous?.signature.map(JSONValue.string) ?? .null,
            "logFiles": .array([.object([
                "s3Bucket": .string("trent-audit"), "s3Object": .string(log.name), "hashValue": .string(log.sha256),
                "hashAlgorithm": .string("SHA-256"), "newestEventTime": .string(AuditDates.iso8601(times.max()!)),
                "oldestEventTime": .string(AuditDates.iso8601(times.min()!)),
            ])]),
        ]
        let bytes = try Gzip.compress(JSONValue.object(digest).serialized())
        let sha = KeyMaterialID.hex(Array(SHA256.hash(data: bytes)))
        let signingString = Self.signingString(endTime: AuditDates.iso8601(now), object: name, digestSHA256: sha, previousSignature: previous?.signature)
        let signature = KeyMaterialID.hex(Array(try signingKey.sign(Data(signingString.utf8), type: .raw, algorithm: .rsassaPKCS1SHA256)))
        try stage(bytes, as: name)
        try stage(Data(signature.utf8), as: name + ".sig")
        return AuditFile(
            name: name, kind: .digest, account: account, region: region, firstSequence: log.firstSequence,
            lastSequence: log.lastSequence, sha256: sha, signature: signature, createdAt: now
        )
    }

    // MARK: Staging

    /// A delivery's files wait here until the store has committed the delivery, then move into
    /// place. So a delivery cut short (a crash, a failed commit) never leaves a log file whose
    /// records the next delivery writes again: before its commit its files stay here and the next
    /// roll deletes them; after it, the next roll moves them into place. Names are the files' own
    /// with `/` written as `!`.
    var stagingDirectory: String { "\(directory)/.staging" }

    private func stagedPath(_ name: String) -> String {
        "\(stagingDirectory)/\(name.replacingOccurrences(of: "/", with: "!"))"
    }

    private func stage(_ data: Data, as name: String) throws {
        try Self.writeDurably(data, to: stagedPath(name))
    }

    /// Moves a staged file into place (rename(2): a crash leaves it staged or placed, never neither).
    private func publish(_ name: String) throws {
        let path = "\(directory)/\(name)"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard rename(stagedPath(name), path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// What a delivery cut short left staged (run with the lease held, before delivering): the
    /// files of a committed delivery — those the store lists — go into place, the others (and
    /// half-written temporaries) are deleted.
    private func recoverStaged() async throws {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: stagingDirectory)) ?? []
        for entry in entries.sorted() {
            let name = entry.replacingOccurrences(of: "!", with: "/")
            let file = name.hasSuffix(".sig") ? String(name.dropLast(4)) : name
            var committed = false
            if !name.hasSuffix(".tmp"), name.hasPrefix("AWSLogs/") {
                committed = try await store.read { try $0.auditFile(named: file) } != nil
            }
            if committed {
                try publish(name)
            } else {
                unlink("\(stagingDirectory)/\(entry)")
            }
        }
    }

    /// CloudTrail's data signing string.
    static func signingString(endTime: String, object: String, digestSHA256: String, previousSignature: String?) -> String {
        "\(endTime)\ntrent-audit/\(object)\n\(digestSHA256)\n\(previousSignature ?? "null")"
    }

    /// Writes to a temporary file, syncs it, and renames it into place.
    static func writeDurably(_ data: Data, to path: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let temporary = path + ".tmp"
        guard fm.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forUpdatingAtPath: temporary)
        else { throw CocoaError(.fileWriteUnknown) }
        try handle.synchronize()
        try handle.close()
        // rename(2) replaces the old file atomically: a crash leaves the old or the new, never neither.
        guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}

/// What a log file is rendered and compressed in (see `AuditLogFiles.scratch`). A busy server
/// delivers several log files a second of megabytes each; fresh buffers for each took a page
/// fault per 4 KiB they touched.
final class LogFileScratch: @unchecked Sendable {
    var records = JSONOutput(capacity: 64 * 1024)
    let gzip: Gzip.Reusable

    init() throws {
        gzip = try Gzip.Reusable()
    }
}

/// Runs one body at a time, in the order they arrive (an async lock: a body may suspend).
final class SerialGate: @unchecked Sendable {
    private let lock = NSLock()
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func run<T>(_ body: () async throws -> T) async throws -> T {
        await enter()
        defer { leave() }
        return try await body()
    }

    private func enter() async {
        let entered = lock.withLock {
            if busy { return false }
            busy = true
            return true
        }
        if entered { return }
        await withCheckedContinuation { continuation in
            // Free again since the check above: go ahead; else wait for `leave` to pass the turn.
            let enter = lock.withLock {
                if busy {
                    waiting.append(continuation)
                    return false
                }
                busy = true
                return true
            }
            if enter { continuation.resume() }
        }
    }

    private func leave() {
        let next: CheckedContinuation<Void, Never>? = lock.withLock {
            if waiting.isEmpty {
                busy = false
                return nil
            }
            return waiting.removeFirst()
        }
        next?.resume()  // still busy: the turn passes to the next body
    }
}
