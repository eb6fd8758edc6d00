import Foundation
import TrentCore
import TrentSync

/// Audit events this process has just moved from its journal into the database, by their
/// sequence number there, kept until the audit roll delivers them (at most `capacity`): delivery
/// then renders the event it already has instead of parsing back the JSON it wrote a moment ago.
/// What is not here (an earlier run's records, state changes' records, or ones that came while it
/// was full) is read from the database as before.
///
/// When it is full the newest records wait in the database, not the oldest: delivery takes the
/// oldest first, so pushing those out made every record of a backlog larger than `capacity` be
/// read back and parsed (under load, most of the audit roll's work), which made the backlog grow.
final class RecentAuditEvents: @unchecked Sendable {
    let capacity: Int
    private let lock = AdaptiveLock()
    private var events: [Int64: AuditEvent] = [:]

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// Keeps the events moved, as many as there is room for, in the order given.
    func remember(_ moved: [SequencedAuditEvent]) {
        guard capacity > 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        for item in moved {
            guard events.count < capacity else { break }
            events[item.sequence] = item.event
        }
    }

    /// The event with this sequence number, if it is still here; it is forgotten (it is being delivered).
    func take(_ sequence: Int64) -> AuditEvent? {
        lock.lock()
        defer { lock.unlock() }
        return events.removeValue(forKey: sequence)
    }

    /// Forgets the events numbered below `sequence`, the oldest event still undelivered: they
    /// were delivered without being taken from here (by another process), and would otherwise
    /// hold their room for good.
    func forget(below sequence: Int64) {
        lock.lock()
        defer { lock.unlock() }
        guard events.keys.contains(where: { $0 < sequence }) else { return }
        events = events.filter { $0.key >= sequence }
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return events.count
    }
}
