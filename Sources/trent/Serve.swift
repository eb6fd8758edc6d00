import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import TrentCore
import TrentCrypto
import TrentServer
import TrentStore
import TrentAudit
import TrentAuth

/// A PKCS#11 PIN named by `env:VARIABLE` or `file:PATH`, never given on the command line.
enum PINSource {
    static func read(_ source: String, option: String, environment env: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if source.hasPrefix("env:") {
            guard let value = env[String(source.dropFirst(4))] else { throw ValidationError("the PIN variable \(source.dropFirst(4)) is not set") }
            return value
        }
        if source.hasPrefix("file:") {
            guard let text = try? String(contentsOfFile: String(source.dropFirst(5)), encoding: .utf8) else {
                throw ValidationError("cannot read the PIN file \(source.dropFirst(5))")
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        throw ValidationError("\(option) must be env:VARIABLE or file:PATH")
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the KMS server (AWS KMS JSON 1.1 API on POST /).",
        discussion: """
        Every option can also be set with an environment variable (TRENT_HOST, TRENT_PORT, \
        TRENT_DATA_DIR, TRENT_ACCOUNT_ID, TRENT_DEFAULT_REGION, TRENT_CREDENTIALS); a flag wins over \
        the variable. Requests must be signed (AWS SigV4) with an access key of the credentials file; \
        on first start Trent creates one with an administrator key and prints how to use it.
        State lives in <data-dir>/trent.sqlite (SQLite, WAL), or with --store postgres://… in \
        PostgreSQL shared by several nodes; key material in it is sealed under the root key: <data-dir>/root.key, created with mode 0600 on first start, or, with the \
        --root-key-pkcs11 options, a key sealed by a non-extractable AES key in a PKCS#11 token.
        """
    )

    @Option(help: "Address to listen on (TRENT_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (TRENT_PORT; default 4599).")
    var port: Int?

    @Option(name: .customLong("data-dir"), help: "Data directory (TRENT_DATA_DIR; default ~/.local/share/trent).")
    var dataDir: String?

    @Option(help: ArgumentHelp(stringLiteral: StoreLocation.help))
    var store: String?

    @Option(name: .customLong("store-connections"), help: "PostgreSQL connections this node keeps at most (default 16).")
    var storeConnections: Int = 16

    @Option(name: .customLong("account-id"), help: "The AWS account id that owns the keys (TRENT_ACCOUNT_ID; default 111122223333).")
    var accountID: String?

    @Option(name: .customLong("default-region"), help: "Region for requests without a SigV4 credential scope (TRENT_DEFAULT_REGION; default us-east-1).")
    var defaultRegion: String?

    @Option(name: .customLong("sweep-interval"), help: "Seconds between sweeps for expired key material and due deletions (default 5).")
    var sweepInterval: Double = 5

    @Option(name: .customLong("wrapping-key-pool"), help: "RSA wrapping key pairs kept ready for GetParametersForImport: N per key spec, or per spec as RSA_2048=N,RSA_4096=M (default 2; 0 generates on demand; at most 100000).")
    var wrappingKeyPool: String = "2"

    @Option(name: .customLong("key-cache-keys"), help: "Keys kept in memory for the hot calls, least recently used out first (default 10000; 0: none; with PostgreSQL checked against every node's changes on each call).")
    var keyCacheKeys: Int = 10_000

    @Option(name: .customLong("audit-dir"), help: "Where CloudTrail log and digest files go (TRENT_AUDIT_DIR; default <data-dir>/audit).")
    var auditDir: String?

    @Option(name: .customLong("audit-roll-seconds"), help: "Seconds between deliveries of audit log files (default 300).")
    var auditRollSeconds: Double = 300

    @Option(name: .customLong("audit-roll-records"), help: "Deliver audit log files as soon as this many records wait (default 4000).")
    var auditRollRecords: Int = 4000

    @Option(help: "The credentials file: accounts, users, roles, access keys (TRENT_CREDENTIALS; default <data-dir>/credentials.json, created on first start).")
    var credentials: String?

    @Option(name: .customLong("tls-cert"), help: "Serve HTTPS (TLS 1.2+) with this PEM certificate chain (TRENT_TLS_CERT; needs --tls-key).")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "The PEM private key of --tls-cert (TRENT_TLS_KEY).")
    var tlsKey: String?

    @Option(name: .customLong("root-key-pkcs11-module"), help: "Keep the root key sealed by a PKCS#11 token: the module (e.g. /usr/lib/softhsm/libsofthsm2.so).")
    var pkcs11Module: String?

    @Option(name: .customLong("root-key-pkcs11-token"), help: "The label of the PKCS#11 token.")
    var pkcs11Token: String?

    @Option(name: .customLong("root-key-pkcs11-pin-source"), help: "Where the token's user PIN is: env:VARIABLE or file:PATH.")
    var pkcs11PinSource: String?

    @Option(name: .customLong("root-key-pkcs11-key-label"), help: "The label of the token's AES key (default trent-root-key; created on first start).")
    var pkcs11KeyLabel: String = "trent-root-key"

    @Flag(name: .customLong("dev-accept-any-credentials"), help: "Development only: accept any signature without checking it (the region and access key are still read from it).")
    var devAcceptAnyCredentials = false

    @Flag(name: .customLong("unsafe-test-clock"), help: .hidden)
    var unsafeTestClock = false

    @Option(name: .customLong("unsafe-test-clock-offset"), help: .hidden)
    var unsafeTestClockOffset: Double?

    /// Test-only: seconds between moves of the audit journal into the database (default 0.02).
    @Option(name: .customLong("unsafe-audit-journal-flush-seconds"), help: .hidden)
    var unsafeAuditJournalFlushSeconds: Double?

    /// The root key: a 0600 file (`root.key`), or sealed by a PKCS#11 token (`root.key.token`).
    private func loadRootKey(dataDirectory: String, env: [String: String]) throws -> RootKey {
        let filePath = (dataDirectory as NSString).appendingPathComponent("root.key")
        let tokenPath = (dataDirectory as NSString).appendingPathComponent("root.key.token")
        let fm = FileManager.default
        guard let module = pkcs11Module else {
            if pkcs11Token != nil || pkcs11PinSource != nil { throw ValidationError("--root-key-pkcs11-module is needed with the other --root-key-pkcs11 options") }
            if fm.fileExists(atPath: tokenPath), !fm.fileExists(atPath: filePath) {
                throw ValidationError("\(tokenPath): this data directory's root key is sealed by a PKCS#11 token; give --root-key-pkcs11-module, --root-key-pkcs11-token and --root-key-pkcs11-pin-source")
            }
            return try RootKey.loadOrCreate(at: filePath)
        }
        guard let token = pkcs11Token, let pinSource = pkcs11PinSource else {
            throw ValidationError("--root-key-pkcs11-module needs --root-key-pkcs11-token and --root-key-pkcs11-pin-source")
        }
        if fm.fileExists(atPath: filePath) {
            throw ValidationError("\(filePath) exists: this data directory's root key is a file, not a PKCS#11 token's")
        }
        let pin = try PINSource.read(pinSource, option: "--root-key-pkcs11-pin-source", environment: env)
        do {
            return try RootKey.loadOrCreate(sealedAt: tokenPath, token: PKCS11RootKeySource(module: module, tokenLabel: token, pin: pin, keyLabel: pkcs11KeyLabel))
        } catch let failure as CryptoFailure {
            throw ValidationError("root key: \(failure)")
        }
    }

    func run() async throws {
        // Two malloc arenas instead of eight per core: the threads of NIO, Swift concurrency and
        // the store otherwise each keep freed memory of their own (about 25 MiB of peak RSS under
        // load here, at no cost in speed). MALLOC_ARENA_MAX in the environment still decides.
        if ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil { _ = glibcMallopt(-8 /* M_ARENA_MAX */, 2) }
        let env = ProcessInfo.processInfo.environment
        let dataDirectory = DataDirectory.resolve(dataDir)
        try FileManager.default.createDirectory(
            atPath: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
        )
        let account = accountID ?? env["TRENT_ACCOUNT_ID"] ?? "111122223333"
        guard account.count == 12, account.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ValidationError("the account id must be 12 digits")
        }
        let rootKey = try loadRootKey(dataDirectory: dataDirectory, env: env)
        let credentialsPath = credentials ?? env["TRENT_CREDENTIALS"] ?? (dataDirectory as NSString).appendingPathComponent("credentials.json")
        var createdAdministrator: CredentialsFile.AccessKey?
        let credentialsFile: CredentialsFile
        if FileManager.default.fileExists(atPath: credentialsPath) {
            do { credentialsFile = try CredentialsFile.load(path: credentialsPath) } catch let error as CredentialsError {
                throw ValidationError(error.description)
            }
        } else if devAcceptAnyCredentials {
            credentialsFile = CredentialsFile(accounts: [:])
        } else {
            credentialsFile = CredentialsFile.administrator(account: account)
            try credentialsFile.write(to: credentialsPath)
            createdAdministrator = credentialsFile.accounts[account]?.users?["admin"]?.accessKeys.first
        }
        let authenticator = Authenticator(
            mode: devAcceptAnyCredentials ? .acceptAnyCredentials(defaultAccount: account) : .verify,
            store: CredentialStore(credentialsFile)
        )
        var configuration = ServerConfiguration(dataDirectory: dataDirectory, authenticator: authenticator)
        configuration.host = host ?? env["TRENT_HOST"] ?? configuration.host
        guard let port = port ?? env["TRENT_PORT"].map({ Int($0) ?? -1 }) ?? Optional(configuration.port), (0...65535).contains(port) else {
            throw ValidationError("TRENT_PORT must be a port number")
        }
        configuration.port = port
        configuration.account = account
        switch (tlsCert ?? env["TRENT_TLS_CERT"], tlsKey ?? env["TRENT_TLS_KEY"]) {
        case (nil, nil): break
        case (let cert?, let key?): configuration.tls = .init(certificateChain: cert, privateKey: key)
        default: throw ValidationError("--tls-cert and --tls-key go together")
        }
        configuration.defaultRegion = defaultRegion ?? env["TRENT_DEFAULT_REGION"] ?? configuration.defaultRegion
        guard let poolConfiguration = WrappingKeyPool.Configuration.parse(wrappingKeyPool) else {
            throw ValidationError("--wrapping-key-pool takes N or RSA_2048=N,RSA_3072=N,RSA_4096=N, each between 0 and 100000")
        }
        guard sweepInterval > 0 else { throw ValidationError("--sweep-interval must be positive") }
        configuration.sweepInterval = .milliseconds(Int64(sweepInterval * 1000))
        guard auditRollSeconds > 0 else { throw ValidationError("--audit-roll-seconds must be positive") }
        configuration.auditRollInterval = .milliseconds(Int64(auditRollSeconds * 1000))
        guard auditRollRecords > 0 else { throw ValidationError("--audit-roll-records must be positive") }
        configuration.auditRollRecords = auditRollRecords

        var logger = Logger(label: "trent")
        logger.logLevel = .info
        if devAcceptAnyCredentials {
            logger.warning("--dev-accept-any-credentials: SIGNATURES ARE NOT CHECKED. Anyone who can reach this port can use every key. Never use this outside development.")
        }

        var testClock: ManualClock?
        let clock: any TrentCore.Clock
        if unsafeTestClock || unsafeTestClockOffset != nil {
            let manual = ManualClock(offset: unsafeTestClockOffset ?? 0)
            testClock = manual
            clock = manual
            configuration.unsafeTestClock = true
            logger.warning("UNSAFE TEST CLOCK ENABLED: time can be moved over HTTP. Never use this outside tests.")
        } else {
            clock = SystemClock()
        }

        guard (1...512).contains(storeConnections) else { throw ValidationError("--store-connections must be between 1 and 512") }
        let storeLocation = try StoreLocation(store, dataDirectory: dataDirectory)
        let store = try await storeLocation.open(
            connections: storeConnections, journaled: true, journalFlushInterval: .milliseconds(Int((unsafeAuditJournalFlushSeconds ?? 0.02) * 1000))
        )
        if case .postgres = storeLocation {
            configuration.rootKeyRotationRefusal = "root key rotation is not available with a shared PostgreSQL store: every node holds its own copy of the root key, and a new version would reach only this one"
        }
        let auditDirectory = auditDir ?? env["TRENT_AUDIT_DIR"] ?? (dataDirectory as NSString).appendingPathComponent("audit")
        let auditFiles = try AuditLogFiles(
            directory: auditDirectory, store: store, rootKey: rootKey,
            signingKeyPath: (dataDirectory as NSString).appendingPathComponent("audit-signing.key")
        )
        guard keyCacheKeys >= 0 else { throw ValidationError("--key-cache-keys must be 0 or more") }
        let service = KeyService(
            store: store, clock: clock, rootKey: rootKey, wrappingKeys: WrappingKeyPool(configuration: poolConfiguration),
            cacheCapacity: keyCacheKeys
        )

        let settings = configuration
        let administrator = createdAdministrator
        let app = try buildApplication(
            configuration: settings, service: service, auditLookup: AuditLookup(store: store), auditFiles: auditFiles,
            testClock: testClock, logger: logger
        ) { channel in
            let configuration = settings
            let port = channel.localAddress?.port ?? configuration.port
            let endpoint = "\(configuration.tls == nil ? "http" : "https")://\(configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host):\(port)"
            var banner = """
            Trent is listening on \(endpoint)
              data directory: \(dataDirectory)
              store: \(storeLocation.description)
              audit log files: \(auditDirectory)
              credentials: \(devAcceptAnyCredentials ? "NOT CHECKED (--dev-accept-any-credentials)" : credentialsPath)
              account \(configuration.account), default region \(configuration.defaultRegion)

            """
            if let key = administrator {
                banner += """
                Created \(credentialsPath) (mode 0600) with an administrator access key for account \(configuration.account).
                Use it in this shell (shown once; it stays in that file):
                  export AWS_ACCESS_KEY_ID=\(key.accessKeyId)
                  export AWS_SECRET_ACCESS_KEY=\(key.secretAccessKey)
                  export AWS_DEFAULT_REGION=\(configuration.defaultRegion)

                """
            }
            banner += """
            Point the aws CLI at it:
              aws --endpoint-url \(endpoint)\(configuration.tls.map { " --ca-bundle \($0.certificateChain)" } ?? "") kms list-keys

            """
            FileHandle.standardOutput.write(Data(banner.utf8))
        }
        // Whatever way the server stops, the audit journal's records go into the database.
        let journaled = store as? SQLiteKeyStore
        do { try await app.runService() } catch {
            try? await journaled?.flushJournal()
            throw error
        }
        try? await journaled?.flushJournal()
    }
}

/// glibc's `mallopt(3)` (malloc.h is not in Swift's Glibc module).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
