public import Dispatch

/// Runs blocking or long CPU work (key pairs generated, audit files written and synced) on
/// threads of its own. `trent serve` runs Swift tasks on NIO's event loops (see `TrentMain`):
/// work like this must not hold a loop, or every connection on it waits.
public enum BlockingWork {
    private static let queue: DispatchQueue = {
        let queue = DispatchQueue(label: "trent.blocking-work", qos: .utility, attributes: .concurrent)
        queue.setSpecific(key: marker, value: true)
        return queue
    }()

    private static let marker = DispatchSpecificKey<Bool>()

    /// Whether the caller runs on BlockingWork's threads.
    static var isCurrent: Bool { DispatchQueue.getSpecific(key: marker) == true }

    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
