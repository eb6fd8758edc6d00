public import Foundation

/// Where time comes from, so tests can move it.
public protocol Clock: Sendable {
    func now() -> Date
}

public struct SystemClock: Clock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that the test harness can move; only reachable through flags named `unsafe`.
public final class ManualClock: Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var offset: TimeInterval

    public init(offset: TimeInterval = 0) {
        self.offset = offset
    }

    public func now() -> Date {
        lock.lock()
        defer { lock.unlock() }
        return Date().addingTimeInterval(offset)
    }

    public func setOffset(_ seconds: TimeInterval) {
        lock.lock()
        offset = seconds
        lock.unlock()
    }

    public func advance(by seconds: TimeInterval) {
        lock.lock()
        offset += seconds
        lock.unlock()
    }
}

/// One material version's place in the store.
public struct MaterialReference: Sendable, Equatable {
    public let keyID: String
    public let id: String
    public init(keyID: String, id: String) {
        self.keyID = keyID
        self.id = id
    }
}

/// Reads of the store. Loading never changes anything.
public protocol KeyStoreReader {
    /// The key with this storage id (`Key.storageID`).
    func key(id: String) throws -> Key?
    /// Every key of a multi-Region set (primary and replicas), by key id.
    func multiRegionKeys(id: String, account: String) throws -> [Key]
    func keys(account: String, region: String, after: String?, limit: Int) throws -> [Key]
    func materials(keyID: String) throws -> [KeyMaterial]
    /// Every stored material version, by (key id, material id), after a position of that order.
    func materialReferences(after: MaterialReference?, limit: Int) throws -> [MaterialReference]
    /// The token ids of every stored set of import parameters.
    func importParameterTokenIDs() throws -> [String]
    func alias(account: String, region: String, name: String) throws -> Alias?
    func aliases(account: String, region: String, targetKeyID: String?, after: String?, limit: Int) throws -> [Alias]
    func importParameters(tokenID: String) throws -> ImportParameters?
    func auditEvents(_ query: AuditQuery) throws -> [AuditEvent]
    /// Keys with imported material that has passed `ValidTo` but is still stored.
    func keyIDsWithExpiredMaterial(at now: Date, limit: Int) throws -> [String]
    func keyIDsDueForDeletion(at now: Date, limit: Int) throws -> [String]
    func keyIDsDueForRotation(at now: Date, limit: Int) throws -> [String]
    func keyIDs(in state: KeyState, limit: Int) throws -> [String]
    /// Grants of a key (or, with `retiringPrincipal`, every grant that principal may retire), by id.
    func grants(account: String, region: String, keyID: String?, retiringPrincipal: String?, after: String?, limit: Int) throws -> [Grant]
    func grant(id: String) throws -> Grant?
    /// Audit events not yet in a log file, in the order they were recorded. (Transactions on
    /// several connections commit in any order, so an event may arrive after later-numbered ones
    /// were delivered: delivery marks what it delivered rather than remembering a position.)
    func undeliveredAuditEvents(limit: Int) throws -> [SequencedAuditEvent]
    /// How many audit events are not yet in a log file.
    func undeliveredAuditEventCount() throws -> Int
    /// Every key of every account and region, by storage id (copying a store).
    func allKeys(after: String?, limit: Int) throws -> [Key]
    /// Every audit event, delivered or not, in the order recorded (copying a store).
    func auditEvents(afterSequence: Int64, limit: Int) throws -> [SequencedAuditEvent]
    /// Every audit file recorded, in the order recorded (copying a store).
    func auditFiles() throws -> [AuditFile]
    /// The audit log or digest file last recorded for an account and region.
    func lastAuditFile(kind: AuditFile.Kind, account: String, region: String) throws -> AuditFile?
    /// The audit file recorded under this name, if any.
    func auditFile(named name: String) throws -> AuditFile?
    /// The newest successful event of one of `eventNames` about a key in `region` (the replicas
    /// of a multi-Region key share its id, not their use).
    func latestSuccessfulEvent(keyID: String, region: String, eventNames: [String]) throws -> AuditEvent?
}

/// One store transaction: everything in it commits together or not at all.
public protocol KeyStoreTransaction: KeyStoreReader {
    func insert(_ key: Key) throws
    func update(_ key: Key) throws
    func deleteKey(id: String) throws
    func save(_ material: KeyMaterial) throws
    /// Replaces the sealed private key of a set of import parameters (root key rotation).
    func updateSealedPrivateKey(tokenID: String, sealed: Data) throws
    func insert(_ alias: Alias) throws
    func update(_ alias: Alias) throws
    func deleteAlias(account: String, region: String, name: String) throws
    func insert(_ parameters: ImportParameters) throws
    func deleteImportParameters(tokenID: String) throws
    func deleteImportParameters(expiredAt now: Date) throws
    func append(_ event: AuditEvent, delivered: Bool) throws
    func insert(_ grant: Grant) throws
    func insert(_ file: AuditFile) throws
    /// Marks audit events as delivered in a log file.
    func markDelivered(auditSequences: [Int64]) throws
    /// Takes (or renews) the lease `name` for `holder` until `until`, if no other holder has an
    /// unexpired one; returns whether `holder` holds it. One node at a time does leased work.
    func takeLease(_ name: String, holder: String, now: Date, until: Date) throws -> Bool
    func releaseLease(_ name: String, holder: String) throws
    func deleteGrant(id: String) throws
    /// Notes, in this transaction, that it changes what key caches hold (keys, material, aliases,
    /// grants): a shared store's `changeCount` grows by one when it commits. Nothing to do for a
    /// store only this process changes.
    func countChange() throws
}

extension KeyStoreTransaction {
    public func countChange() throws {}

    /// Records an audit event, to be delivered in a log file.
    public func append(_ event: AuditEvent) throws {
        try append(event, delivered: false)
    }
}

/// Storage of keys, material, aliases, import parameters and audit events.
public protocol KeyStore: Sendable {
    func write<T: Sendable>(_ body: @escaping @Sendable (any KeyStoreTransaction) throws -> T) async throws -> T
    func read<T: Sendable>(_ body: @escaping @Sendable (any KeyStoreReader) throws -> T) async throws -> T
    /// Appends the audit events of calls that changed nothing, in one transaction (`AuditBatcher`).
    /// A store may commit these without waiting for the disk: they survive the process, and the
    /// next state change's synced commit makes them durable too.
    func appendAuditEvents(_ events: [AuditEvent]) async throws
    /// Whether other nodes change the same state (PostgreSQL): then what is kept in memory is
    /// checked against `changeCount` before each use.
    var isShared: Bool { get }
    /// Whether `appendAuditEvents` returns at once (a journal): then calls hand their records
    /// straight over instead of through `AuditBatcher`.
    var appendsAuditEventsAtOnce: Bool { get }
    /// A shared store: how many committed transactions have changed what key caches hold
    /// (`countChange`), read in one statement. It only grows, and a read that starts after a commit
    /// counts it: a node whose cache was filled at a lower count drops it. Nil for a store only
    /// this process changes.
    func changeCount() async throws -> Int64?
}

extension KeyStore {
    public func appendAuditEvents(_ events: [AuditEvent]) async throws {
        try await write { tx in for event in events { try tx.append(event) } }
    }

    public var isShared: Bool { false }

    public var appendsAuditEventsAtOnce: Bool { false }

    public func changeCount() async throws -> Int64? { nil }
}

public struct AuditQuery: Sendable {
    public var eventName: String?
    public var keyID: String?
    public var from: Date?
    public var to: Date?
    public var limit: Int
    /// Newest first, as `lookup-events` answers.
    public var newestFirst: Bool
    public var region: String?
    public var eventID: String?
    /// A cursor: only events recorded before (newest first) or after (oldest first) this one.
    public var afterEventID: String?

    public init(
        eventName: String? = nil, keyID: String? = nil, from: Date? = nil, to: Date? = nil, limit: Int = 1000, newestFirst: Bool = false,
        region: String? = nil, eventID: String? = nil, afterEventID: String? = nil
    ) {
        self.newestFirst = newestFirst
        self.region = region
        self.eventID = eventID
        self.afterEventID = afterEventID
        self.eventName = eventName
        self.keyID = keyID
        self.from = from
        self.to = to
        self.limit = limit
    }
}
