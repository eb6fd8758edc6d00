import Foundation
import Testing
import TrentCore
import TrentCrypto
import TrentStore

/// The contract every `KeyStore` keeps: on SQLite always, and on PostgreSQL when
/// `TRENT_TEST_POSTGRES_URL` names a server (CI starts one), each test in a schema of its own.
@Suite struct KeyStoreContractTests {
    static func sqlite() throws -> any KeyStore {
        let directory = NSTemporaryDirectory() + "trent-store-\(UUID())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try SQLiteKeyStore(path: directory + "/trent.sqlite")
    }

    static let postgresURL = ProcessInfo.processInfo.environment["TRENT_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    static func postgres() async throws -> any KeyStore {
        guard let url = postgresURL else { throw StoreError(description: "TRENT_TEST_POSTGRES_URL is not set") }
        let schema = "contract_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        return try await PostgresKeyStore(url: url + (url.contains("?") ? "&" : "?") + "schema=" + schema, connections: 4)
    }

    static let stores: [@Sendable () async throws -> any KeyStore] = postgresURL == nil ? [sqlite] : [sqlite, postgres]

    static func key(_ id: String = UUID().uuidString.lowercased(), region: String = "us-east-1", state: KeyState = .enabled) -> Key {
        Key(id: id, account: "111122223333", region: region, createdAt: Date(timeIntervalSince1970: 1_800_000_000),
            description: "d", keySpec: .symmetricDefault, keyUsage: .encryptDecrypt, origin: .external, state: state,
            policy: "{}", tags: [Tag(key: "k", value: "v")])
    }

    /// Audit files are found by name (what a delivery cut short left staged is placed or deleted by it).
    @Test(arguments: 0..<stores.count)
    func auditFilesAreFoundByName(store index: Int) async throws {
        let store = try await Self.stores[index]()
        let file = AuditFile(
            name: "AWSLogs/111122223333/CloudTrail/us-east-1/2026/12/05/l.json.gz", kind: .log, account: "111122223333",
            region: "us-east-1", firstSequence: 1, lastSequence: 9, sha256: "00", signature: nil,
            createdAt: Date(timeIntervalSince1970: 1_800_000_000)
        )
        try await store.write { tx in try tx.insert(file) }
        #expect(try await store.read { try $0.auditFile(named: file.name) } == file)
        #expect(try await store.read { try $0.auditFile(named: file.name + "x") } == nil)
    }

    @Test(arguments: 0..<stores.count)
    func keysRoundTripAndUpdate(store index: Int) async throws {
        let store = try await Self.stores[index]()
        var key = Self.key()
        try await store.write { [key] tx in try tx.insert(key) }
        let loaded = try await store.read { [key] r in try r.key(id: key.id) }
        #expect(loaded == key)
        key.state = .disabled
        key.description = "changed"
        key.rotationPeriodInDays = 90
        key.nextRotationDate = Date(timeIntervalSince1970: 1_900_000_000)
        try await store.write { [key] tx in try tx.update(key) }
        let updated = try await store.read { [key] r in try r.key(id: key.id) }
        #expect(updated == key)
        try await store.write { [key] tx in try tx.deleteKey(id: key.id) }
        let deleted = try await store.read { [key] r in try r.key(id: key.id) }
        #expect(deleted == nil)
    }

    @Test(arguments: 0..<stores.count)
    func multiRegionKeysAreStoredPerRegion(store index: Int) async throws {
        let store = try await Self.stores[index]()
        let id = "mrk-" + String(repeating: "ab", count: 16)
        var east = Self.key(id, region: "us-east-1"), west = Self.key(id, region: "eu-west-1")
        east.primaryRegion = "us-east-1"
        west.primaryRegion = "us-east-1"
        try await store.write { [east, west] tx in try tx.insert(east); try tx.insert(west) }
        let set = try await store.read { try $0.multiRegionKeys(id: id, account: "111122223333") }
        #expect(Set(set.map(\.region)) == ["us-east-1", "eu-west-1"])
        #expect(try await store.read { try $0.key(id: Key.storageID(id: id, region: "eu-west-1"))?.region } == "eu-west-1")
    }

    @Test(arguments: 0..<stores.count)
    func failedTransactionsChangeNothing(store index: Int) async throws {
        struct Boom: Error {}
        let store = try await Self.stores[index]()
        let key = Self.key()
        await #expect(throws: Boom.self) {
            try await store.write { [key] tx in
                try tx.insert(key)
                try tx.append(AuditEvent(eventID: UUID().uuidString, eventTime: Date(), eventName: "CreateKey", eventType: .apiCall,
                                         account: key.account, region: key.region, requestID: nil, sourceIPAddress: nil, userAgent: nil,
                                         accessKeyID: nil, readOnly: false, requestParameters: nil, responseElements: nil,
                                         resourceARNs: [], errorCode: nil, errorMessage: nil, keyID: key.id))
                throw Boom()
            }
        }
        let none = try await store.read { [key] r in try r.key(id: key.id) }
        #expect(none == nil)
        #expect(try await store.read { try $0.auditEvents(AuditQuery()) }.isEmpty)
    }

    @Test(arguments: 0..<stores.count)
    func materialsAliasesGrantsAndImportParameters(store index: Int) async throws {
        let store = try await Self.stores[index]()
        let key = Self.key()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let material = KeyMaterial(keyID: key.storageID, id: String(repeating: "0", count: 64), origin: .imported,
                                   sealedMaterial: Data([1, 2, 3]), expirationModel: .keyMaterialExpires, validTo: now, importedAt: now,
                                   createdAt: now, pendingRotation: true, materialDescription: "m")
        let alias = Alias(account: key.account, region: key.region, name: "alias/a", targetKeyID: key.storageID, createdAt: now, updatedAt: now)
        let grant = Grant(id: String(repeating: "1", count: 64), keyID: key.storageID, account: key.account, region: key.region, name: "g",
                          granteePrincipal: "p", retiringPrincipal: "r", operations: ["Encrypt"],
                          constraints: .init(encryptionContextSubset: ["a": "b"]), createdAt: now)
        let parameters = ImportParameters(tokenID: String(repeating: "2", count: 32), keyID: key.storageID, algorithm: .rsaesOAEPSHA256,
                                          spec: .rsa2048, sealedPrivateKey: Data([9]), expiresAt: now)
        try await store.write { tx in
            try tx.insert(key)
            try tx.save(material)
            try tx.insert(alias)
            try tx.insert(grant)
            try tx.insert(parameters)
        }
        #expect(try await store.read { try $0.materials(keyID: key.storageID) } == [material])
        #expect(try await store.read { try $0.alias(account: key.account, region: key.region, name: "alias/a") } == alias)
        #expect(try await store.read { try $0.grant(id: grant.id) } == grant)
        #expect(try await store.read { try $0.importParameters(tokenID: parameters.tokenID) } == parameters)
        #expect(try await store.read { try $0.keyIDsWithExpiredMaterial(at: now, limit: 10) } == [key.storageID])
        // Deleting the key takes everything that hangs off it.
        try await store.write { tx in try tx.deleteKey(id: key.storageID) }
        #expect(try await store.read { try $0.materials(keyID: key.storageID) }.isEmpty)
        #expect(try await store.read { try $0.alias(account: key.account, region: key.region, name: "alias/a") } == nil)
        #expect(try await store.read { try $0.grant(id: grant.id) } == nil)
        #expect(try await store.read { try $0.importParameters(tokenID: parameters.tokenID) } == nil)
    }

    @Test(arguments: 0..<stores.count)
    func pagesAreOrderedAndScoped(store index: Int) async throws {
        let store = try await Self.stores[index]()
        let keys = (0..<5).map { _ in Self.key() } + [Self.key(region: "eu-west-1")]
        try await store.write { tx in for key in keys { try tx.insert(key) } }
        let first = try await store.read { try $0.keys(account: "111122223333", region: "us-east-1", after: nil, limit: 3) }
        let rest = try await store.read { try $0.keys(account: "111122223333", region: "us-east-1", after: first.last?.id, limit: 10) }
        #expect((first + rest).map(\.id) == keys.prefix(5).map(\.id).sorted())
    }

    @Test(arguments: 0..<stores.count)
    func auditEventsKeepTheirOrder(store index: Int) async throws {
        let store = try await Self.stores[index]()
        for (n, name) in ["A", "B", "A"].enumerated() {
            let event = AuditEvent(eventID: "e\(n)", eventTime: Date(timeIntervalSince1970: Double(n)), eventName: name, eventType: .apiCall,
                                   account: "111122223333", region: "us-east-1", requestID: "r\(n)", sourceIPAddress: nil, userAgent: nil,
                                   accessKeyID: nil, readOnly: true, requestParameters: .object(["n": .number(Double(n))]),
                                   responseElements: nil, resourceARNs: [], errorCode: n == 2 ? "X" : nil, errorMessage: nil, keyID: "k")
            try await store.write { tx in try tx.append(event) }
        }
        #expect(try await store.read { try $0.auditEvents(AuditQuery()) }.map(\.eventID) == ["e0", "e1", "e2"])
        #expect(try await store.read { try $0.auditEvents(AuditQuery(eventName: "A", newestFirst: true)) }.map(\.eventID) == ["e2", "e0"])
        #expect(try await store.read { try $0.latestSuccessfulEvent(keyID: "k", region: "us-east-1", eventNames: ["A"]) }?.eventID == "e0")
        #expect(try await store.read { try $0.latestSuccessfulEvent(keyID: "k", region: "eu-west-1", eventNames: ["A"]) } == nil)
    }

    /// An audit event of every shape: error or not, with or without a key, access key and resources.
    static func batchEvent(_ n: Int) -> AuditEvent {
        let keyID: String? = n % 7 == 0 ? nil : "k\(n % 4)"
        let failed = n % 4 == 1
        let parameters: JSONValue = .object(["keyId": .string("k\(n % 4)"), "n": .number(Double(n))])
        return AuditEvent(
            eventID: "b\(1000 + n)", eventTime: Date(timeIntervalSince1970: 1_800_000_000 + Double(n) / 8),
            eventName: n % 3 == 0 ? "Decrypt" : "Encrypt", eventType: .apiCall, account: "111122223333",
            region: n % 5 == 0 ? "eu-west-1" : "us-east-1", requestID: "r\(n)", sourceIPAddress: "127.0.0.1", userAgent: "ua/\(n)",
            accessKeyID: n % 2 == 0 ? "AKID" : nil, readOnly: true, requestParameters: parameters, responseElements: nil,
            resourceARNs: keyID.map { ["arn:aws:kms:us-east-1:111122223333:key/\($0)"] } ?? [],
            errorCode: failed ? "NotFoundException" : nil, errorMessage: failed ? "it's \"gone\" — ünïcode" : nil, keyID: keyID
        )
    }

    /// What `AuditBatcher` hands over: a batch in one go, every field kept (absent ones too), in order,
    /// waiting for delivery, and found by name, key and region.
    @Test(arguments: 0..<stores.count)
    func auditEventBatchesArriveWhole(store index: Int) async throws {
        let store = try await Self.stores[index]()
        let events = (0..<300).map(Self.batchEvent)
        try await store.appendAuditEvents(Array(events.prefix(1)))
        try await store.appendAuditEvents(Array(events.dropFirst()))
        let all = try await store.read { try $0.auditEvents(AuditQuery(limit: 1000)) }
        #expect(all == events)
        let waiting = try await store.read { try $0.undeliveredAuditEvents(limit: 1000) }
        #expect(waiting.map(\.event) == events)
        let decrypts = try await store.read { try $0.auditEvents(AuditQuery(eventName: "Decrypt", keyID: "k2", limit: 1000)) }
        #expect(decrypts == events.filter { $0.eventName == "Decrypt" && $0.keyID == "k2" })
        let west = try await store.read { try $0.auditEvents(AuditQuery(limit: 1000, region: "eu-west-1")) }
        #expect(west == events.filter { $0.region == "eu-west-1" })
    }

    /// Every condition of a lookup, alone and together: time range, event id, the cursor both
    /// ways, order and limit.
    @Test(arguments: 0..<stores.count)
    func lookupConditions(store index: Int) async throws {
        let store = try await Self.stores[index]()
        let events = (0..<40).map(Self.batchEvent)
        try await store.appendAuditEvents(events)
        func lookup(_ query: AuditQuery) async throws -> [String] { try await store.read { try $0.auditEvents(query) }.map(\.eventID) }
        let from = events[10].eventTime, to = events[20].eventTime
        #expect(try await lookup(AuditQuery(from: from, to: to)) == events[10...20].map(\.eventID))
        #expect(try await lookup(AuditQuery(from: from, to: to, limit: 3, newestFirst: true)) == ["b1020", "b1019", "b1018"])
        #expect(try await lookup(AuditQuery(eventID: "b1007")) == ["b1007"])
        #expect(try await lookup(AuditQuery(keyID: "k1", eventID: "b1007")).isEmpty)
        #expect(try await lookup(AuditQuery(limit: 2, newestFirst: true, afterEventID: "b1005")) == ["b1004", "b1003"])
        #expect(try await lookup(AuditQuery(limit: 2, afterEventID: "b1005")) == ["b1006", "b1007"])
        #expect(try await lookup(AuditQuery(afterEventID: "nothing")).isEmpty)
        let expected = events.filter { $0.keyID == "k2" && $0.region == "us-east-1" && $0.eventTime >= from }.map(\.eventID).reversed()
        #expect(try await lookup(AuditQuery(keyID: "k2", from: from, newestFirst: true, region: "us-east-1")) == Array(expected))
    }
}

/// Concurrent transactions on one key end as if they ran one after another.
@Suite struct KeyStoreConcurrencyTests {
    @Test(arguments: 0..<KeyStoreContractTests.stores.count)
    func concurrentReadModifyWriteLosesNothing(store index: Int) async throws {
        let store = try await KeyStoreContractTests.stores[index]()
        let key = { var key = KeyStoreContractTests.key(); key.description = "0"; return key }()
        try await store.write { tx in try tx.insert(key) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<24 {
                group.addTask {
                    try await store.write { tx in
                        guard var current = try tx.key(id: key.id), let count = Int(current.description) else { throw StoreError(description: "lost") }
                        current.description = String(count + 1)
                        try tx.update(current)
                    }
                }
            }
            try await group.waitForAll()
        }
        let final = try await store.read { r in try r.key(id: key.id)?.description }
        #expect(final == "24")
    }

    @Test(arguments: 0..<KeyStoreContractTests.stores.count)
    func oneOfManyTakesAnAliasName(store index: Int) async throws {
        let store = try await KeyStoreContractTests.stores[index]()
        let keys = (0..<8).map { _ in KeyStoreContractTests.key() }
        try await store.write { tx in for key in keys { try tx.insert(key) } }
        let now = Date()
        let taken = try await withThrowingTaskGroup(of: Bool.self) { group in
            for key in keys {
                group.addTask {
                    try await store.write { tx in
                        guard try tx.alias(account: key.account, region: key.region, name: "alias/contended") == nil else { return false }
                        try tx.insert(Alias(account: key.account, region: key.region, name: "alias/contended", targetKeyID: key.id, createdAt: now, updatedAt: now))
                        return true
                    }
                }
            }
            return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(taken == 1)
    }
}

/// Audit delivery: what a log file holds is marked, whatever order transactions committed in; one
/// holder of a lease at a time.
@Suite struct KeyStoreDeliveryTests {
    static func event(_ n: Int) -> AuditEvent {
        AuditEvent(eventID: "d\(n)", eventTime: Date(timeIntervalSince1970: Double(n)), eventName: "Encrypt", eventType: .apiCall,
                   account: "111122223333", region: "us-east-1", requestID: nil, sourceIPAddress: nil, userAgent: nil, accessKeyID: nil,
                   readOnly: true, requestParameters: nil, responseElements: nil, resourceARNs: [], errorCode: nil, errorMessage: nil, keyID: "k")
    }

    @Test(arguments: 0..<KeyStoreContractTests.stores.count)
    func deliveredEventsAreMarkedOthersWait(store index: Int) async throws {
        let store = try await KeyStoreContractTests.stores[index]()
        try await store.write { tx in for n in 0..<4 { try tx.append(Self.event(n)) } }
        let pending = try await store.read { try $0.undeliveredAuditEvents(limit: 100) }
        #expect(pending.map(\.event.eventID) == ["d0", "d1", "d2", "d3"])
        // Deliver the 2nd and 4th only (as if the others committed late): the rest still wait.
        try await store.write { tx in try tx.markDelivered(auditSequences: [pending[1].sequence, pending[3].sequence]) }
        #expect(try await store.read { try $0.undeliveredAuditEvents(limit: 100) }.map(\.event.eventID) == ["d0", "d2"])
        #expect(try await store.read { try $0.undeliveredAuditEventCount() } == 2)
    }

    @Test(arguments: 0..<KeyStoreContractTests.stores.count)
    func oneLeaseHolderAtATime(store index: Int) async throws {
        let store = try await KeyStoreContractTests.stores[index]()
        let now = Date()
        #expect(try await store.write { try $0.takeLease("job", holder: "a", now: now, until: now + 60) })
        #expect(try await store.write { try $0.takeLease("job", holder: "b", now: now + 30, until: now + 90) } == false)
        #expect(try await store.write { try $0.takeLease("job", holder: "a", now: now + 30, until: now + 90) })
        // Expired: another may take it.
        #expect(try await store.write { try $0.takeLease("job", holder: "b", now: now + 91, until: now + 150) })
        try await store.write { try $0.releaseLease("job", holder: "a") }
        #expect(try await store.write { try $0.takeLease("job", holder: "a", now: now + 100, until: now + 160) } == false)
        try await store.write { try $0.releaseLease("job", holder: "b") }
        #expect(try await store.write { try $0.takeLease("job", holder: "a", now: now + 100, until: now + 160) })
    }
}

/// `trent store copy`: everything arrives, in order, delivery marks kept; a non-empty target is refused.
@Suite struct StoreCopyTests {
    @Test(arguments: 0..<KeyStoreContractTests.stores.count)
    func copiesEverythingFromSQLite(into index: Int) async throws {
        let source = try KeyStoreContractTests.sqlite()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let keys = (0..<5).map { _ in KeyStoreContractTests.key() }
        try await source.write { tx in
            for (n, key) in keys.enumerated() {
                try tx.insert(key)
                for m in 0..<2 {
                    try tx.save(KeyMaterial(keyID: key.storageID, id: "\(m)\(n)" + String(repeating: "0", count: 62), origin: .imported,
                                            sealedMaterial: Data([UInt8(n), UInt8(m)]), expirationModel: nil, validTo: nil, importedAt: now, createdAt: now))
                }
                try tx.insert(Alias(account: key.account, region: key.region, name: "alias/k\(n)", targetKeyID: key.storageID, createdAt: now, updatedAt: now))
            }
            for n in 0..<7 { try tx.append(KeyStoreDeliveryTests.event(n), delivered: n < 3) }
        }
        let target = try await KeyStoreContractTests.stores[index]()
        let report = try await StoreCopy.copy(from: source, to: target, batch: 2)
        #expect(report.keys == 5 && report.materials == 10 && report.aliases == 5 && report.auditEvents == 7)
        for key in keys {
            let copied = try await target.read { try $0.key(id: key.storageID) }
            #expect(copied == key)
            let sourceMaterials = try await source.read { try $0.materials(keyID: key.storageID) }
            let copiedMaterials = try await target.read { try $0.materials(keyID: key.storageID) }
            #expect(copiedMaterials == sourceMaterials)
        }
        let pending = try await target.read { try $0.undeliveredAuditEvents(limit: 100) }
        #expect(pending.map(\.event.eventID) == ["d3", "d4", "d5", "d6"])
        await #expect(throws: StoreCopy.TargetNotEmpty.self) { _ = try await StoreCopy.copy(from: source, to: target) }
    }
}
