public import TrentCrypto

/// Hands out fresh RSA wrapping key pairs, never the same pair twice.
///
/// RSA-4096 generation takes up to seconds, so a few pairs per spec are generated ahead of time
/// by `refill()` (run in the background by the server) and `take` only generates on the spot when
/// the pool for that spec is empty.
public actor WrappingKeyPool {
    public struct Configuration: Sendable {
        /// Pairs kept ready per wrapping key spec (0 disables pre-generation).
        public var pairsPerSpec: Int

        public init(pairsPerSpec: Int = 2) {
            self.pairsPerSpec = pairsPerSpec
        }
    }

    private let configuration: Configuration
    private var ready: [WrappingKeySpec: [WrappingKeyPair]] = [:]
    private var refillRequests: AsyncStream<Void>.Continuation?

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// A pair of `spec` that nobody else has received.
    public func take(_ spec: WrappingKeySpec) async throws -> WrappingKeyPair {
        defer { refillRequests?.yield() }
        if var pairs = ready[spec], !pairs.isEmpty {
            let pair = pairs.removeFirst()
            ready[spec] = pairs
            return pair
        }
        return try await Self.generate(spec)
    }

    public func readyCount(_ spec: WrappingKeySpec) -> Int { ready[spec]?.count ?? 0 }

    /// Keeps the pool full until cancelled: fills it, then waits for `take` to ask for more.
    public func refill() async {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        refillRequests = continuation
        defer { refillRequests = nil }
        continuation.yield()
        for await _ in stream {
            await fill()
            if Task.isCancelled { break }
        }
    }

    /// Generates until every spec has `pairsPerSpec` pairs ready.
    public func fill() async {
        for spec in WrappingKeySpec.allCases {
            while readyCount(spec) < configuration.pairsPerSpec, !Task.isCancelled {
                guard let pair = try? await Self.generate(spec) else { return }
                ready[spec, default: []].append(pair)
            }
        }
    }

    private static func generate(_ spec: WrappingKeySpec) async throws -> WrappingKeyPair {
        try await Task.detached(priority: .utility) { try WrappingKeyPair(spec: spec) }.value
    }
}
