public import Foundation
import Crypto
public import TrentCrypto
import TrentModel

/// The KMS operations, in domain terms. The server converts wire shapes to these calls; the
/// console (later) calls the same methods. Every successful call appends its audit event in the
/// same store transaction as the change it makes.
public final class KeyService: Sendable {
    public struct Configuration: Sendable {
        /// How long an import token and its wrapping key stay valid (AWS: 24 hours).
        public var importParametersLifetime: TimeInterval = 24 * 3600
        /// The furthest ahead `ValidTo` may be (AWS: 365 days).
        public var maximumValidToInterval: TimeInterval = 365 * 24 * 3600

        public init() {}
    }

    let store: any KeyStore
    /// Keys read by the hot calls, kept in memory (checked against a shared store's change count
    /// on every call); nil when `cacheCapacity` is 0.
    public let keyCache: KeyCache?
    /// The audit events of calls that change nothing, committed in batches (nil when the store
    /// takes them at once: its audit journal).
    let audit: AuditBatcher?
    let clock: any Clock
    let rootKey: RootKey
    /// The import-token MAC key: made with the newest root key version, checked against every one.
    var tokenMACKey: SymmetricKey { rootKey.derivedKey(purpose: Self.importTokenPurpose) }
    var tokenMACKeys: [SymmetricKey] { rootKey.derivedKeys(purpose: Self.importTokenPurpose) }
    static let importTokenPurpose = "trent/import-token-mac/v1"
    public let wrappingKeys: WrappingKeyPool
    /// The pairs of the latest import parameters, parsed: ImportKeyMaterial's shortcut.
    let issuedWrappingKeys = IssuedWrappingKeys()
    let configuration: Configuration

    /// `cacheCapacity`: how many keys the key cache holds (0: none).
    public init(
        store: any KeyStore, clock: any Clock, rootKey: RootKey, wrappingKeys: WrappingKeyPool, configuration: Configuration = .init(),
        cacheCapacity: Int = 10_000
    ) {
        let cache = cacheCapacity <= 0 ? nil : KeyCache(capacity: cacheCapacity)
        // A shared store counts the changes of every node, whether or not this one caches.
        let store: any KeyStore = cache != nil || store.isShared ? InvalidatingStore(base: store, cache: cache) : store
        self.keyCache = cache
        self.store = store
        self.audit = store.appendsAuditEventsAtOnce ? nil : AuditBatcher(store: store)
        self.clock = clock
        self.rootKey = rootKey
        self.wrappingKeys = wrappingKeys
        self.configuration = configuration
    }

    public func now() -> Date { clock.now() }

    // MARK: - Resolving `KeyId` parameters

    /// What a `KeyId` parameter may name for an operation.
    public enum KeyIDForm: Sendable {
        /// Key id or key ARN only (e.g. the import operations).
        case keyOnly
        /// Key id, key ARN, alias name or alias ARN.
        case keyOrAlias
    }

    /// Finds the key a `KeyId` parameter names in the caller's account and region.
    /// Finds the key a request names and checks that the caller may perform `action` (default:
    /// the call's own) on it; `authorizing: false` leaves authorization to the caller.
    func resolve(
        _ raw: String, form: KeyIDForm, call: CallContext, action: String? = nil, authorizing: Bool = true, in reader: any KeyStoreReader
    ) throws -> Key {
        let reference = KeyReference(parsing: raw)
        let storageID: String
        // Keys of other accounts are reached by ARN only (key or alias ARN), as in AWS; their
        // key policy then decides.
        var owner = call.account
        switch reference {
        case .keyID(let id):
            guard KeyReference.isWellFormedKeyID(id) else { throw KMSError.notFound("Invalid keyId '\(raw)'") }
            storageID = Key.storageID(id: id.lowercasedASCIIFirst, region: call.region)
        case .keyARN(let region, let account, let id):
            guard region == call.region else { throw KMSError.notFound("Invalid arn \(region)") }
            guard KeyReference.isWellFormedKeyID(id) else { throw KMSError.notFound("Invalid keyId '\(raw)'") }
            owner = account
            storageID = Key.storageID(id: id.lowercasedASCIIFirst, region: call.region)
        case .aliasName(let name), .aliasARN(_, _, let name):
            guard form == .keyOrAlias else { throw KMSError.notFound("Invalid keyId '\(raw)'") }
            if case .aliasARN(let region, let account, _) = reference {
                guard region == call.region else { throw KMSError.notFound("Invalid arn \(region)") }
                owner = account
            }
            guard let alias = try reader.alias(account: owner, region: call.region, name: name) else {
                throw KMSError.notFound("Alias \(ARN.alias(region: call.region, account: owner, aliasName: name)) is not found.")
            }
            storageID = alias.targetKeyID
        }
        guard let key = try reader.key(id: storageID), key.account == owner, key.region == call.region else {
            throw KMSError.keyNotFound(arn: ARN.key(region: call.region, account: owner, keyID: Key.keyID(fromStorageID: storageID)))
        }
        if authorizing { try authorize(call, key: key, action: action, in: reader) }
        return key
    }

    func currentMaterial(of key: Key, in reader: any KeyStoreReader) throws -> KeyMaterial? {
        guard let id = key.currentMaterialID else { return nil }
        return try reader.materials(keyID: key.storageID).first { $0.id == id }
    }

    /// Makes a passed `ValidTo` durable inside a write: deletes each expired material version,
    /// records AWS's `DeleteExpiredKeyMaterial` service event for it, and moves the key to
    /// `PendingImport` when the current material was among them. Returns the key as it now is.
    @discardableResult
    func settleExpiry(of key: Key, now: Date, in tx: any KeyStoreTransaction) throws -> Key {
        guard key.origin == .external else { return key }
        var key = key
        for var material in try tx.materials(keyID: key.storageID) {
            guard material.isPresent, let validTo = material.validTo, validTo <= now else { continue }
            material.sealedMaterial = nil
            try tx.save(material)
            if material.id == key.currentMaterialID {
                key.state = try KeyLifecycle.next(key.state, on: .materialDeleted, arn: key.arn)
                try tx.update(key)
            }
            try tx.append(Self.serviceEvent(
                "DeleteExpiredKeyMaterial", key: key, at: now, additional: .object(["keyMaterialId": .string(material.id)])
            ))
        }
        return key
    }

    // MARK: - Audit

    /// An event KMS itself initiates (`AwsServiceEvent`): expiry, deletion, rotation.
    static func serviceEvent(_ name: String, key: Key, at now: Date, additional: JSONValue? = nil) -> AuditEvent {
        AuditEvent(
            eventID: UUIDText.timeOrdered(), eventTime: now, eventName: name, eventType: .serviceEvent,
            account: key.account, region: key.region, requestID: nil, sourceIPAddress: nil, userAgent: nil,
            accessKeyID: nil, readOnly: false, requestParameters: nil, responseElements: nil,
            additionalEventData: additional, resourceARNs: [key.arn], errorCode: nil, errorMessage: nil, keyID: key.id
        )
    }

    func event(
        _ call: CallContext, at now: Date, key: Key?, response: JSONValue? = nil, additional: JSONValue? = nil
    ) -> AuditEvent {
        AuditEvent(
            eventID: UUIDText.timeOrdered(), eventTime: now, eventName: call.eventName, eventType: .apiCall,
            account: call.account, region: call.region, requestID: call.requestID,
            sourceIPAddress: call.sourceIPAddress, userAgent: call.userAgent, accessKeyID: call.accessKeyID,
            readOnly: AuditEvent.readOnlyEvents.contains(call.eventName),
            requestParameters: call.requestParameters, responseElements: response, additionalEventData: additional,
            resourceARNs: key.map { [$0.arn] } ?? [], errorCode: nil, errorMessage: nil, keyID: key?.id,
            principal: call.principal
        )
    }

    /// Records a call that failed (nothing changed, so it goes with the batched records).
    public func recordFailure(_ call: CallContext, errorCode: String, errorMessage: String) async {
        var record = event(call, at: now(), key: nil)
        record.errorCode = errorCode
        record.errorMessage = errorMessage
        try? await recordReadOnly(record)
    }

    /// The record of a call that changed nothing: answered once it is in the store's journal or
    /// committed with others.
    func recordReadOnly(_ record: AuditEvent) async throws {
        if let audit { try await audit.record(record) } else { try await store.appendAuditEvents([record]) }
    }

    // MARK: - Calls that change nothing

    /// Reads through the key cache: first from memory alone, and if that is not enough, from the
    /// store (filling the cache). `body` must only read, so running it twice is harmless. On a
    /// shared store the cache is first checked against the store's change count (`KeyCache`).
    func cachedRead<T: Sendable>(_ body: @escaping @Sendable (any KeyStoreReader) throws -> T) async throws -> T {
        guard let cache = keyCache else { return try await store.read(body) }
        if let count = try await store.changeCount() { cache.validate(changeCount: count) }
        do { return try body(CacheOnlyReader(cache: cache)) } catch is KeyCache.Miss {}
        let generation = cache.generation
        return try await store.read { reader in try body(FillingReader(base: reader, cache: cache, generation: generation)) }
    }

    /// A call that changes nothing: reads (see `cachedRead`), then waits until the audit event
    /// `body` returns is committed with others (`AuditBatcher`).
    func readOnly<T: Sendable>(_ body: @escaping @Sendable (any KeyStoreReader) throws -> (T, AuditEvent)) async throws -> T {
        let (value, record) = try await cachedRead(body)
        try await recordReadOnly(record)
        return value
    }

    // MARK: - Secrets

    /// The material's secret, from the key cache when it is there.
    func openMaterial(_ material: KeyMaterial) throws -> SymmetricKey {
        try openedMaterial(material).secret
    }

    /// The material's secret with the envelope's bytes for it and its key, from the key cache
    /// when it is there.
    func openedMaterial(_ material: KeyMaterial) throws -> OpenedMaterial {
        guard let keyCache else { return OpenedMaterial(material, secret: try unsealMaterial(material)) }
        return try keyCache.opened(material, as: OpenedMaterial.self) { OpenedMaterial(material, secret: try unsealMaterial(material)) }
    }

    func unsealMaterial(_ material: KeyMaterial) throws -> SymmetricKey {
        guard let sealed = material.sealedMaterial else {
            throw KMSError(.internal, "key material is not available")
        }
        do {
            let bytes = try rootKey.open(sealed, context: KeyMaterial.sealingContext(keyID: material.keyID, materialID: material.id))
            return SymmetricKey(data: bytes)
        } catch {
            throw KMSError(.internal, "stored key material does not open under the root key")
        }
    }

    func sealMaterial(_ material: SymmetricKey, keyID: String, materialID: String) throws -> Data {
        try material.withUnsafeBytes { bytes in
            try rootKey.seal(bytes, context: KeyMaterial.sealingContext(keyID: keyID, materialID: materialID))
        }
    }

    static func newKeyID() -> String { UUIDText.random() }
}
