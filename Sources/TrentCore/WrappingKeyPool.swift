import Foundation
public import TrentCrypto

/// Hands out fresh RSA wrapping key pairs, never the same pair twice.
///
/// RSA key generation takes tens of milliseconds (RSA_2048) to seconds (RSA_4096), so pairs are
/// generated ahead of time by `refill()` (run in the background by the server) and `take` only
/// generates on the spot when the stock of that spec is empty. The stock per spec is configurable
/// (thousands of RSA_2048 pairs carry a burst of hundreds of BYOK cycles per second). While pairs
/// are being taken, refilling waits for a quiet moment so that generation does not take the cores
/// from the calls, unless a spec's stock has fallen below a quarter of its size.
public actor WrappingKeyPool {
    public struct Configuration: Sendable, Equatable {
        /// Pairs kept ready, per wrapping key spec (0 or absent: generated on demand).
        public var pairs: [WrappingKeySpec: Int]
        /// How long after the last `take` refilling waits, while the stock is not low.
        public var quietPeriod: Duration

        public init(pairsPerSpec: Int = 2, quietPeriod: Duration = .milliseconds(250)) {
            self.init(pairs: Dictionary(uniqueKeysWithValues: WrappingKeySpec.allCases.map { ($0, pairsPerSpec) }), quietPeriod: quietPeriod)
        }

        public init(pairs: [WrappingKeySpec: Int], quietPeriod: Duration = .milliseconds(250)) {
            self.pairs = pairs
            self.quietPeriod = quietPeriod
        }

        public func size(_ spec: WrappingKeySpec) -> Int { pairs[spec] ?? 0 }

        /// `N` (every spec) or `RSA_2048=N,RSA_4096=M` (specs not named keep `defaultSize`);
        /// nil when the text is neither or a size is outside `0...maximum`.
        public static func parse(_ text: String, defaultSize: Int = 2, maximum: Int = 100_000) -> Configuration? {
            if let all = Int(text) { return (0...maximum).contains(all) ? .init(pairsPerSpec: all) : nil }
            var configuration = Configuration(pairsPerSpec: defaultSize)
            for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                let sides = part.split(separator: "=", omittingEmptySubsequences: false)
                guard sides.count == 2, let spec = WrappingKeySpec(rawValue: String(sides[0])),
                      let size = Int(sides[1]), (0...maximum).contains(size) else { return nil }
                configuration.pairs[spec] = size
            }
            return configuration
        }
    }

    private let configuration: Configuration
    private var ready: [WrappingKeySpec: [WrappingKeyPair]] = [:]
    private var lastTake: ContinuousClock.Instant?
    private var refillRequests: AsyncStream<Void>.Continuation?

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// A pair of `spec` that nobody else has received.
    public func take(_ spec: WrappingKeySpec) async throws -> WrappingKeyPair {
        lastTake = .now
        defer { refillRequests?.yield() }
        if let pair = ready[spec]?.popLast() {  // in place: a stock of thousands is not copied
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
            await fill(yieldingToTakes: true)
            if Task.isCancelled { break }
        }
    }

    /// Generates until every spec has its configured number of pairs ready, the emptiest spec
    /// (relative to its size) first, one pair per core at a time. With `yieldingToTakes`, within
    /// the quiet period after a `take` it waits, or, when the spec about to be refilled is below a
    /// quarter of its size, generates one pair at a time.
    public func fill(yieldingToTakes: Bool = false) async {
        while !Task.isCancelled, let spec = emptiest() {
            let wait = yieldingToTakes ? quietLeft() : nil
            if let wait, readyCount(spec) * 4 >= configuration.size(spec) {
                try? await Task.sleep(for: min(wait, .milliseconds(50)))  // looks again: a take may have made it low
                continue
            }
            let batch = wait != nil ? 1 : min(parallelism, configuration.size(spec) - readyCount(spec))
            let pairs = await withTaskGroup(of: WrappingKeyPair?.self) { group in
                for _ in 0..<batch { group.addTask { try? await BlockingWork.run { try WrappingKeyPair(spec: spec) } } }
                return await group.reduce(into: [WrappingKeyPair]()) { if let pair = $1 { $0.append(pair) } }
            }
            guard !pairs.isEmpty else { return }
            ready[spec, default: []] += pairs
        }
    }

    /// Pairs generated at once: one per core (a stock of thousands fills in minutes, not tens).
    private let parallelism = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// The spec furthest below its size, if any is below.
    private func emptiest() -> WrappingKeySpec? {
        var best: (spec: WrappingKeySpec, count: Int, size: Int)?
        for spec in WrappingKeySpec.allCases {
            let count = readyCount(spec), size = configuration.size(spec)
            guard count < size else { continue }
            if let b = best, count * b.size >= b.count * size { continue }
            best = (spec, count, size)
        }
        return best?.spec
    }

    /// How much of the quiet period after the last `take` is left (nil: quiet).
    private func quietLeft() -> Duration? {
        guard let lastTake else { return nil }
        let quietFor = ContinuousClock.now - lastTake
        return quietFor < configuration.quietPeriod ? configuration.quietPeriod - quietFor : nil
    }

    private static func generate(_ spec: WrappingKeySpec) async throws -> WrappingKeyPair {
        try await BlockingWork.run { try WrappingKeyPair(spec: spec) }
    }
}
