public import TrentCrypto

/// Hands out fresh RSA wrapping key pairs; a pair is never handed out twice.
/// Generation runs off the caller's executor, since RSA-4096 takes up to seconds.
/// (A pre-generated pool refilled in the background is the planned speed-up.)
public actor WrappingKeyPool {
    public init() {}

    public func take(_ spec: WrappingKeySpec) async throws -> WrappingKeyPair {
        try await Task.detached(priority: .userInitiated) { try WrappingKeyPair(spec: spec) }.value
    }
}
