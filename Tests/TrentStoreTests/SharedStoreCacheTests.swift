import Foundation
import Testing
import TrentCore
import TrentCrypto
import TrentStore

/// The key cache is for a store only this process changes: a PostgreSQL store, shared with other
/// nodes, is never cached (the cross-node behaviour itself: interop/test_multi_node.py).
@Suite struct SharedStoreCacheTests {
    func service(_ store: any KeyStore) throws -> KeyService {
        let directory = NSTemporaryDirectory() + "trent-root-\(UUID())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return KeyService(store: store, clock: SystemClock(), rootKey: try RootKey.loadOrCreate(at: directory + "/root.key"), wrappingKeys: WrappingKeyPool())
    }

    @Test func sqliteIsCachedAndPostgreSQLIsNot() async throws {
        let sqlite = try KeyStoreContractTests.sqlite()
        #expect(!sqlite.isShared)
        #expect(try service(sqlite).keyCache != nil)
        guard KeyStoreContractTests.postgresURL != nil else { return }
        let postgres = try await KeyStoreContractTests.postgres()
        #expect(postgres.isShared)
        #expect(try service(postgres).keyCache == nil)
    }
}
