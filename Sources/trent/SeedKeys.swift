import ArgumentParser
import Foundation
import TrentCore
import TrentCrypto
import TrentStore

/// Benchmarks only (hidden): fills a stopped server's SQLite store with keys fast, as if CreateKey
/// had been called that many times (`make bench BENCH_ARGS="--growth N"`).
struct SeedKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unsafe-seed-keys",
        abstract: "Benchmarks only: add symmetric keys straight into a stopped server's SQLite store.",
        shouldDisplay: false
    )

    @Option(name: .customLong("data-dir"), help: "The data directory of a server started once before (its root.key).")
    var dataDir: String

    @Option(help: "How many keys to add.")
    var keys: Int

    @Option(name: .customLong("account-id"), help: "Their account (that of the server's credentials).")
    var accountID: String

    @Option(help: "Their region.")
    var region = "us-east-1"

    func run() async throws {
        guard keys > 0 else { throw ValidationError("--keys must be positive") }
        let rootPath = (dataDir as NSString).appendingPathComponent("root.key")
        guard FileManager.default.fileExists(atPath: rootPath) else { throw ValidationError("no root.key in \(dataDir): start the server there once first") }
        let store = try SQLiteKeyStore(path: DataDirectory.storePath(in: dataDir))
        let service = KeyService(
            store: store, clock: SystemClock(), rootKey: try RootKey.loadOrCreate(at: rootPath),
            wrappingKeys: WrappingKeyPool(configuration: .init(pairsPerSpec: 0)), cacheCapacity: 0
        )
        let call = CallContext(
            account: accountID, region: region, requestID: UUID().uuidString.lowercased(), sourceIPAddress: "127.0.0.1",
            userAgent: "trent unsafe-seed-keys", accessKeyID: nil, eventName: "CreateKey", requestParameters: nil
        )
        let input = CreateKeyInput(description: "seeded", keySpec: .symmetricDefault, keyUsage: .encryptDecrypt, origin: .awsKMS, policy: nil, tags: [])
        let started = Date()
        try await service.seedKeys(input, count: keys, call: call)
        print("added \(keys) keys in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
}
