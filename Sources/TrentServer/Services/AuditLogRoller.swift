import Logging
import ServiceLifecycle
import TrentAudit
import TrentCore

/// Rolls audit records into CloudTrail log and digest files every `interval`, and sooner when
/// `maximumRecords` records are waiting. Records are in the store (or its audit journal, moved in
/// within milliseconds) from the moment their call returns, so `trent audit lookup` sees them
/// before they are rolled.
struct AuditLogRoller: Service {
    let files: AuditLogFiles
    let clock: any Clock
    let interval: Duration
    let maximumRecords: Int
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastRoll = ContinuousClock.now
            var waiting = 0
            while !Task.isCancelled {
                var due = false
                var arriving = false
                do {
                    due = ContinuousClock.now - lastRoll >= interval
                    if !due {
                        let pending = try await files.pendingRecords()
                        arriving = Self.arriving(pending: pending, before: waiting, maximumRecords: maximumRecords)
                        waiting = pending
                        due = pending >= maximumRecords
                    }
                    if due {
                        lastRoll = ContinuousClock.now
                        waiting = 0
                        let written = try await files.roll(now: clock.now())
                        if written > 0 { logger.info("audit files written", metadata: ["files": "\(written)"]) }
                    }
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("audit roll failed", metadata: ["error": "\(String(describing: type(of: error)))"])
                }
                try? await Task.sleep(for: Self.pause(rolled: due, arriving: arriving, interval: interval))
            }
        }
    }

    /// Records arrive quickly: more than an eighth of a roll's worth since the last look.
    static func arriving(pending: Int, before: Int, maximumRecords: Int) -> Bool {
        pending - before > maximumRecords / 8
    }

    /// The wait before the next look: four looks a second, but 50 ms after a roll and while
    /// records arrive quickly, so that under load the records waiting stay fewer than this process
    /// remembers from its journal (8,192) and delivery need not read them back from the database.
    /// (With four looks a second alone, a roll at 20,000 calls a second found 10,000 and more
    /// waiting and read thousands back.) Never longer than the roll interval.
    static func pause(rolled: Bool, arriving: Bool, interval: Duration) -> Duration {
        min(interval, rolled || arriving ? .milliseconds(50) : .milliseconds(250))
    }
}
