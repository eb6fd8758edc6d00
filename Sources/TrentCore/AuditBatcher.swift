import Foundation
import TrentSync

/// Group commit of the audit events of calls that change nothing (Encrypt, DescribeKey, failed
/// calls, …): each caller hands its event over and waits until it is committed, and the events
/// that arrive while one batch is being written go together into the next one. A call is
/// answered only once its record is in the store, as before, but many calls share one store
/// transaction instead of paying one each. State changes keep appending their event in their own
/// transaction.
public final class AuditBatcher: Sendable {
    private struct Waiting {
        let event: AuditEvent
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var writing = false
    }

    private let store: any KeyStore
    /// The most events one transaction takes.
    let maximumBatch: Int
    private let lock = AdaptiveLock()
    nonisolated(unsafe) private var state = State()

    public init(store: any KeyStore, maximumBatch: Int = 512) {
        self.store = store
        self.maximumBatch = max(1, maximumBatch)
    }

    /// Returns once `event` is committed; throws the store's error if its batch failed.
    public func record(_ event: AuditEvent) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            lock.lock()
            state.waiting.append(Waiting(event: event, continuation: continuation))
            let start = !state.writing
            state.writing = true
            lock.unlock()
            if start {
                Task { await self.drain() }
            }
        }
    }

    /// The next batch, or nil (and no longer writing) when nobody waits.
    private func nextBatch() -> [Waiting]? {
        lock.lock()
        defer { lock.unlock() }
        if state.waiting.isEmpty {
            state.writing = false
            return nil
        }
        let batch = Array(state.waiting.prefix(maximumBatch))
        state.waiting.removeFirst(batch.count)
        return batch
    }

    /// Writes batches until nobody is waiting.
    private func drain() async {
        while let batch = nextBatch() {
            do {
                try await store.appendAuditEvents(batch.map(\.event))
                for waiting in batch { waiting.continuation.resume() }
            } catch {
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
        }
    }
}
