import Foundation
import TrentCore

/// Audit events this process has just moved from its journal into the database, by their
/// sequence number there, kept until the audit roll delivers them (at most `capacity`, oldest out
/// first): delivery then renders the event it already has instead of parsing back the JSON it
/// wrote a moment ago. What is not here (an earlier run's records, state changes' records, or ones
/// pushed out) is read from the database as before.
final class RecentAuditEvents: @unchecked Sendable {
    let capacity: Int
    private let lock = NSLock()
    private var events: [Int64: AuditEvent] = [:]
    /// Sequence numbers in the order remembered; `head` is the oldest still counted.
    private var order: [Int64] = []
    private var head = 0

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    func remember(_ moved: [SequencedAuditEvent]) {
        guard capacity > 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        for item in moved {
            events[item.sequence] = item.event
            order.append(item.sequence)
        }
        while order.count - head > capacity {
            events[order[head]] = nil
            head += 1
        }
        if head > capacity {
            order.removeFirst(head)
            head = 0
        }
    }

    /// The event with this sequence number, if it is still here; it is forgotten (it is being delivered).
    func take(_ sequence: Int64) -> AuditEvent? {
        lock.lock()
        defer { lock.unlock() }
        return events.removeValue(forKey: sequence)
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return events.count
    }
}
