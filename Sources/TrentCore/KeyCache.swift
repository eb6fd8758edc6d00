import Foundation
import TrentSync

/// What the hot calls (Encrypt, Decrypt, GenerateDataKey, GenerateMac, Sign, DescribeKey, …) read
/// about a key, kept in memory: the key, its material versions, the aliases that point at it and
/// its grants, with the material opened under the root key once used. Bounded (least recently
/// used out first); an opened secret is a `SymmetricKey` or private key whose storage is zeroed
/// when the last reference to it goes, so eviction and invalidation zero it.
///
/// Correctness rests on one rule: every change reaches the store through `InvalidatingStore`,
/// which drops what a committed transaction touched before the writer is answered. A reader that
/// read the store before a change cannot put its stale copy back: it fills only if no
/// invalidation happened since it began (`generation`).
///
/// A store that other nodes change too (PostgreSQL, `KeyStore.isShared`) counts its changes: every
/// transaction that changes cached state adds one to the store's `changeCount` as it commits, and
/// each call that uses the cache first reads that count (one statement) and drops everything if it
/// grew since the cache last saw it (`validate`). A call that starts after another node answered a
/// change therefore never uses what was read before that change.
public final class KeyCache: Sendable {
    /// A key and everything authorization and cryptography read about it. A class: a call takes
    /// the snapshot out of the cache several times, and a reference is one count to copy where
    /// the key and its lists are one per string.
    final class Snapshot: Sendable {
        let key: Key
        let materials: [KeyMaterial]
        let aliases: [Alias]
        let grants: [Grant]

        init(key: Key, materials: [KeyMaterial], aliases: [Alias], grants: [Grant]) {
            self.key = key
            self.materials = materials
            self.aliases = aliases
            self.grants = grants
        }
    }

    private final class Entry {
        let snapshot: Snapshot
        var lastUse: UInt64
        /// Opened secrets by material id (`SymmetricKey`, `AsymmetricKey`).
        var opened: [String: any Sendable] = [:]
        init(snapshot: Snapshot, lastUse: UInt64) {
            self.snapshot = snapshot
            self.lastUse = lastUse
        }
    }

    private struct AliasName: Hashable {
        let account: String
        let region: String
        let name: String
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var aliases: [AliasName: Alias] = [:]
        var generation: UInt64 = 0
        /// The shared store's change count the entries are valid for (`validate`).
        var changeCount: Int64?
        var clock: UInt64 = 0
        var hits = 0
        var misses = 0
    }

    /// The cache could not answer: the caller reads the store instead.
    struct Miss: Error {}

    public let capacity: Int
    private let lock = AdaptiveLock()
    nonisolated(unsafe) private var state = State()

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    private func locked<T>(_ body: (inout State) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }

    // MARK: - Reading

    /// Changes whenever anything is invalidated; a fill that began at another generation is dropped.
    var generation: UInt64 { locked { $0.generation } }

    /// How many keys are held, and how often a lookup was answered or not (for tests and stats).
    public var statistics: (keys: Int, hits: Int, misses: Int) { locked { ($0.entries.count, $0.hits, $0.misses) } }

    func snapshot(_ storageID: String) -> Snapshot? {
        locked { state in
            guard let entry = state.entries[storageID] else {
                state.misses += 1
                return nil
            }
            state.clock += 1
            entry.lastUse = state.clock
            state.hits += 1
            return entry.snapshot
        }
    }

    func alias(account: String, region: String, name: String) -> Alias? {
        locked { $0.aliases[AliasName(account: account, region: region, name: name)] }
    }

    /// The secret opened from `material`, opening it (once) if the cached key holds this very
    /// material; otherwise just opens it.
    func opened<T: Sendable>(_ material: KeyMaterial, as type: T.Type, open: () throws -> T) rethrows -> T {
        let found: T? = locked { state in
            guard let entry = state.entries[material.keyID] else { return nil }
            return entry.opened[material.id] as? T
        }
        if let found { return found }
        let value = try open()
        locked { state in
            guard let entry = state.entries[material.keyID],
                  entry.snapshot.materials.contains(where: { $0.id == material.id && $0.sealedMaterial == material.sealedMaterial && $0.sealedMaterial != nil })
            else { return }
            entry.opened[material.id] = value
        }
        return value
    }

    // MARK: - Filling

    func insert(_ snapshot: Snapshot, ifGeneration generation: UInt64) {
        locked { state in
            guard state.generation == generation else { return }
            if state.entries[snapshot.key.storageID] == nil, state.entries.count >= capacity { Self.evict(&state, capacity: capacity) }
            state.clock += 1
            state.entries[snapshot.key.storageID] = Entry(snapshot: snapshot, lastUse: state.clock)
        }
    }

    func insert(_ alias: Alias, ifGeneration generation: UInt64) {
        locked { state in
            guard state.generation == generation else { return }
            if state.aliases.count >= capacity { state.aliases.removeAll(keepingCapacity: true) }
            state.aliases[AliasName(account: alias.account, region: alias.region, name: alias.name)] = alias
        }
    }

    /// Drops the least recently used eighth (at least one).
    private static func evict(_ state: inout State, capacity: Int) {
        let count = max(1, capacity / 8)
        let oldest = state.entries.sorted { $0.value.lastUse < $1.value.lastUse }.prefix(count).map(\.key)
        for id in oldest { state.entries.removeValue(forKey: id) }
    }

    // MARK: - Invalidation

    /// Forgets these keys (their snapshots and opened secrets).
    public func invalidate(keys: Set<String>) {
        guard !keys.isEmpty else { return }
        locked { state in
            state.generation += 1
            for id in keys { state.entries.removeValue(forKey: id) }
        }
    }

    /// A shared store's change count, read at the start of a call: if it grew since the cache last
    /// saw it, another transaction changed cached state meanwhile and everything is dropped. (A
    /// count lower than the one seen is a read that started earlier: what the cache holds now is
    /// at least as new as that read.)
    public func validate(changeCount: Int64) {
        locked { state in
            if let seen = state.changeCount, changeCount <= seen { return }
            state.changeCount = changeCount
            state.generation += 1
            state.entries.removeAll()
            state.aliases.removeAll()
        }
    }

    /// Forgets everything.
    public func invalidateAll() {
        locked { state in
            state.generation += 1
            state.entries.removeAll()
            state.aliases.removeAll()
        }
    }
}

// MARK: - Readers

/// Answers from the cache only; anything it does not hold is a `KeyCache.Miss`.
struct CacheOnlyReader: KeyStoreReader {
    let cache: KeyCache

    private func snapshot(_ id: String) throws -> KeyCache.Snapshot {
        guard let snapshot = cache.snapshot(id) else { throw KeyCache.Miss() }
        return snapshot
    }

    func key(id: String) throws -> Key? { try snapshot(id).key }
    func materials(keyID: String) throws -> [KeyMaterial] { try snapshot(keyID).materials }

    func alias(account: String, region: String, name: String) throws -> Alias? {
        guard let alias = cache.alias(account: account, region: region, name: name) else { throw KeyCache.Miss() }
        return alias
    }

    func aliases(account: String, region: String, targetKeyID: String?, after: String?, limit: Int) throws -> [Alias] {
        guard let targetKeyID, after == nil else { throw KeyCache.Miss() }
        let snapshot = try snapshot(targetKeyID)
        guard snapshot.key.account == account, snapshot.key.region == region else { throw KeyCache.Miss() }
        return Array(snapshot.aliases.prefix(limit))
    }

    func grants(account: String, region: String, keyID: String?, retiringPrincipal: String?, after: String?, limit: Int) throws -> [Grant] {
        guard let keyID, retiringPrincipal == nil, after == nil else { throw KeyCache.Miss() }
        let snapshot = try snapshot(keyID)
        guard snapshot.key.account == account, snapshot.key.region == region else { throw KeyCache.Miss() }
        return Array(snapshot.grants.prefix(limit))
    }

    func multiRegionKeys(id: String, account: String) throws -> [Key] { throw KeyCache.Miss() }
    func keys(account: String, region: String, after: String?, limit: Int) throws -> [Key] { throw KeyCache.Miss() }
    func materialReferences(after: MaterialReference?, limit: Int) throws -> [MaterialReference] { throw KeyCache.Miss() }
    func importParameterTokenIDs() throws -> [String] { throw KeyCache.Miss() }
    func importParameters(tokenID: String) throws -> ImportParameters? { throw KeyCache.Miss() }
    func auditEvents(_ query: AuditQuery) throws -> [AuditEvent] { throw KeyCache.Miss() }
    func keyIDsWithExpiredMaterial(at now: Date, limit: Int) throws -> [String] { throw KeyCache.Miss() }
    func keyIDsDueForDeletion(at now: Date, limit: Int) throws -> [String] { throw KeyCache.Miss() }
    func keyIDsDueForRotation(at now: Date, limit: Int) throws -> [String] { throw KeyCache.Miss() }
    func keyIDs(in state: KeyState, limit: Int) throws -> [String] { throw KeyCache.Miss() }
    func grant(id: String) throws -> Grant? { throw KeyCache.Miss() }
    func undeliveredAuditEvents(limit: Int) throws -> [SequencedAuditEvent] { throw KeyCache.Miss() }
    func undeliveredAuditEventCount() throws -> Int { throw KeyCache.Miss() }
    func allKeys(after: String?, limit: Int) throws -> [Key] { throw KeyCache.Miss() }
    func auditEvents(afterSequence: Int64, limit: Int) throws -> [SequencedAuditEvent] { throw KeyCache.Miss() }
    func auditFiles() throws -> [AuditFile] { throw KeyCache.Miss() }
    func lastAuditFile(kind: AuditFile.Kind, account: String, region: String) throws -> AuditFile? { throw KeyCache.Miss() }
    func auditFile(named name: String) throws -> AuditFile? { throw KeyCache.Miss() }
    func latestSuccessfulEvent(keyID: String, region: String, eventNames: [String]) throws -> AuditEvent? { throw KeyCache.Miss() }
}

/// Reads the store, answering from the cache what it holds and filling it with the keys and
/// aliases it reads (unless something was invalidated since `generation`).
struct FillingReader: ForwardingReader {
    let base: any KeyStoreReader
    var readerBase: any KeyStoreReader { base }
    let cache: KeyCache
    let generation: UInt64

    func key(id: String) throws -> Key? {
        if let snapshot = cache.snapshot(id) { return snapshot.key }
        guard let key = try base.key(id: id) else { return nil }
        let snapshot = KeyCache.Snapshot(
            key: key, materials: try base.materials(keyID: id),
            aliases: try base.aliases(account: key.account, region: key.region, targetKeyID: id, after: nil, limit: .max),
            grants: try base.grants(account: key.account, region: key.region, keyID: id, retiringPrincipal: nil, after: nil, limit: .max)
        )
        cache.insert(snapshot, ifGeneration: generation)
        return key
    }

    func materials(keyID: String) throws -> [KeyMaterial] {
        try cache.snapshot(keyID)?.materials ?? base.materials(keyID: keyID)
    }

    func alias(account: String, region: String, name: String) throws -> Alias? {
        if let alias = cache.alias(account: account, region: region, name: name) { return alias }
        let alias = try base.alias(account: account, region: region, name: name)
        if let alias { cache.insert(alias, ifGeneration: generation) }
        return alias
    }

    func aliases(account: String, region: String, targetKeyID: String?, after: String?, limit: Int) throws -> [Alias] {
        if let targetKeyID, after == nil, let snapshot = cache.snapshot(targetKeyID), snapshot.key.account == account, snapshot.key.region == region {
            return Array(snapshot.aliases.prefix(limit))
        }
        return try base.aliases(account: account, region: region, targetKeyID: targetKeyID, after: after, limit: limit)
    }

    func grants(account: String, region: String, keyID: String?, retiringPrincipal: String?, after: String?, limit: Int) throws -> [Grant] {
        if let keyID, retiringPrincipal == nil, after == nil, let snapshot = cache.snapshot(keyID),
           snapshot.key.account == account, snapshot.key.region == region {
            return Array(snapshot.grants.prefix(limit))
        }
        return try base.grants(account: account, region: region, keyID: keyID, retiringPrincipal: retiringPrincipal, after: after, limit: limit)
    }

}

// MARK: - Invalidation on every write

/// The store as the key service sees it when it caches: every write transaction notes the keys
/// it touches, and once it has committed (or failed) they are dropped from the cache — before the
/// writer's caller hears back, so a client that saw a change succeed never reads the old state. On
/// a shared store a transaction that touched any also counts the change for every node's cache
/// (`countChange`), even on a node that caches nothing itself (`cache` nil).
struct InvalidatingStore: KeyStore {
    let base: any KeyStore
    let cache: KeyCache?

    /// What one transaction touched. Written on the store's thread, read after the write returns.
    final class Touched: @unchecked Sendable {
        var keys: Set<String> = []
        var everything = false
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any KeyStoreTransaction) throws -> T) async throws -> T {
        let touched = Touched()
        defer {
            if touched.everything { cache?.invalidateAll() } else { cache?.invalidate(keys: touched.keys) }
        }
        return try await base.write { tx in
            let result = try body(RecordingTransaction(base: tx, touched: touched))
            if touched.everything || !touched.keys.isEmpty { try tx.countChange() }
            return result
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any KeyStoreReader) throws -> T) async throws -> T {
        try await base.read(body)
    }

    func appendAuditEvents(_ events: [AuditEvent]) async throws {
        try await base.appendAuditEvents(events)
    }

    var isShared: Bool { base.isShared }

    var appendsAuditEventsAtOnce: Bool { base.appendsAuditEventsAtOnce }

    func changeCount() async throws -> Int64? { try await base.changeCount() }
}

/// A transaction that notes what it changes (see `InvalidatingStore`). Aliases and grants are rare
/// changes that touch several keys' snapshots: they drop everything.
struct RecordingTransaction: KeyStoreTransaction, ForwardingReader {
    let base: any KeyStoreTransaction
    var readerBase: any KeyStoreReader { base }
    let touched: InvalidatingStore.Touched

    func insert(_ key: Key) throws { touched.keys.insert(key.storageID); try base.insert(key) }
    func update(_ key: Key) throws { touched.keys.insert(key.storageID); try base.update(key) }
    func deleteKey(id: String) throws { touched.keys.insert(id); try base.deleteKey(id: id) }
    func save(_ material: KeyMaterial) throws { touched.keys.insert(material.keyID); try base.save(material) }
    func insert(_ alias: Alias) throws { touched.everything = true; try base.insert(alias) }
    func update(_ alias: Alias) throws { touched.everything = true; try base.update(alias) }
    func deleteAlias(account: String, region: String, name: String) throws {
        touched.everything = true
        try base.deleteAlias(account: account, region: region, name: name)
    }
    func insert(_ grant: Grant) throws { touched.everything = true; try base.insert(grant) }
    func deleteGrant(id: String) throws { touched.everything = true; try base.deleteGrant(id: id) }

    func updateSealedPrivateKey(tokenID: String, sealed: Data) throws { try base.updateSealedPrivateKey(tokenID: tokenID, sealed: sealed) }
    func insert(_ parameters: ImportParameters) throws { try base.insert(parameters) }
    func deleteImportParameters(tokenID: String) throws { try base.deleteImportParameters(tokenID: tokenID) }
    func deleteImportParameters(expiredAt now: Date) throws { try base.deleteImportParameters(expiredAt: now) }
    func append(_ event: AuditEvent, delivered: Bool) throws { try base.append(event, delivered: delivered) }
    func insert(_ file: AuditFile) throws { try base.insert(file) }
    func markDelivered(auditSequences: [Int64]) throws { try base.markDelivered(auditSequences: auditSequences) }
    func takeLease(_ name: String, holder: String, now: Date, until: Date) throws -> Bool {
        try base.takeLease(name, holder: holder, now: now, until: until)
    }
    func releaseLease(_ name: String, holder: String) throws { try base.releaseLease(name, holder: holder) }
    func countChange() throws { try base.countChange() }
}

/// A reader that hands every read to another (`readerBase`) unless it answers itself.
protocol ForwardingReader: KeyStoreReader {
    var readerBase: any KeyStoreReader { get }
}

extension ForwardingReader {
    func key(id: String) throws -> Key? { try readerBase.key(id: id) }
    func multiRegionKeys(id: String, account: String) throws -> [Key] { try readerBase.multiRegionKeys(id: id, account: account) }
    func keys(account: String, region: String, after: String?, limit: Int) throws -> [Key] {
        try readerBase.keys(account: account, region: region, after: after, limit: limit)
    }
    func materials(keyID: String) throws -> [KeyMaterial] { try readerBase.materials(keyID: keyID) }
    func materialReferences(after: MaterialReference?, limit: Int) throws -> [MaterialReference] {
        try readerBase.materialReferences(after: after, limit: limit)
    }
    func importParameterTokenIDs() throws -> [String] { try readerBase.importParameterTokenIDs() }
    func alias(account: String, region: String, name: String) throws -> Alias? { try readerBase.alias(account: account, region: region, name: name) }
    func aliases(account: String, region: String, targetKeyID: String?, after: String?, limit: Int) throws -> [Alias] {
        try readerBase.aliases(account: account, region: region, targetKeyID: targetKeyID, after: after, limit: limit)
    }
    func importParameters(tokenID: String) throws -> ImportParameters? { try readerBase.importParameters(tokenID: tokenID) }
    func auditEvents(_ query: AuditQuery) throws -> [AuditEvent] { try readerBase.auditEvents(query) }
    func keyIDsWithExpiredMaterial(at now: Date, limit: Int) throws -> [String] { try readerBase.keyIDsWithExpiredMaterial(at: now, limit: limit) }
    func keyIDsDueForDeletion(at now: Date, limit: Int) throws -> [String] { try readerBase.keyIDsDueForDeletion(at: now, limit: limit) }
    func keyIDsDueForRotation(at now: Date, limit: Int) throws -> [String] { try readerBase.keyIDsDueForRotation(at: now, limit: limit) }
    func keyIDs(in state: KeyState, limit: Int) throws -> [String] { try readerBase.keyIDs(in: state, limit: limit) }
    func grants(account: String, region: String, keyID: String?, retiringPrincipal: String?, after: String?, limit: Int) throws -> [Grant] {
        try readerBase.grants(account: account, region: region, keyID: keyID, retiringPrincipal: retiringPrincipal, after: after, limit: limit)
    }
    func grant(id: String) throws -> Grant? { try readerBase.grant(id: id) }
    func undeliveredAuditEvents(limit: Int) throws -> [SequencedAuditEvent] { try readerBase.undeliveredAuditEvents(limit: limit) }
    func undeliveredAuditEventCount() throws -> Int { try readerBase.undeliveredAuditEventCount() }
    func allKeys(after: String?, limit: Int) throws -> [Key] { try readerBase.allKeys(after: after, limit: limit) }
    func auditEvents(afterSequence: Int64, limit: Int) throws -> [SequencedAuditEvent] {
        try readerBase.auditEvents(afterSequence: afterSequence, limit: limit)
    }
    func auditFiles() throws -> [AuditFile] { try readerBase.auditFiles() }
    func lastAuditFile(kind: AuditFile.Kind, account: String, region: String) throws -> AuditFile? {
        try readerBase.lastAuditFile(kind: kind, account: account, region: region)
    }
    func auditFile(named name: String) throws -> AuditFile? { try readerBase.auditFile(named: name) }
    func latestSuccessfulEvent(keyID: String, region: String, eventNames: [String]) throws -> AuditEvent? {
        try readerBase.latestSuccessfulEvent(keyID: keyID, region: region, eventNames: eventNames)
    }
}
