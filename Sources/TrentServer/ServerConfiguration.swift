import Foundation
public import TrentAuth

/// Everything `trent serve` can be told.
public struct ServerConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 4599
    public var dataDirectory: String
    /// The account of the administrator created on first start, and of callers whose access key
    /// is unknown under `--dev-accept-any-credentials`.
    public var account: String = "111122223333"
    /// The region of requests that carry no SigV4 credential scope.
    public var defaultRegion: String = "us-east-1"
    /// The largest request body accepted (AWS's largest blob is 6 KiB; JSON and base64 add some).
    public var maximumBodySize: Int = 1 << 20
    /// How often the sweeper makes expiry and scheduled deletions durable.
    public var sweepInterval: Duration = .seconds(5)
    /// How often audit records are rolled into CloudTrail log and digest files.
    public var auditRollInterval: Duration = .seconds(300)
    /// Roll sooner when this many audit records are waiting.
    public var auditRollRecords: Int = 4000
    /// Enables `POST /_trent/unsafe/clock` to move time (tests only; loopback only).
    public var unsafeTestClock: Bool = false
    /// Why this node must not rotate the root key (several nodes share the store, each holding
    /// its own copy of the root key), or nil when it may.
    public var rootKeyRotationRefusal: String?

    /// HTTPS: PEM certificate chain and private key files (TLS 1.2 and later only).
    public struct TLSFiles: Sendable {
        public var certificateChain: String
        public var privateKey: String
        public init(certificateChain: String, privateKey: String) {
            self.certificateChain = certificateChain
            self.privateKey = privateKey
        }
    }

    public var tls: TLSFiles?

    /// Who may call: SigV4 against the credentials file, or (development) anyone.
    public var authenticator: Authenticator

    public init(dataDirectory: String, authenticator: Authenticator) {
        self.dataDirectory = dataDirectory
        self.authenticator = authenticator
    }
}
