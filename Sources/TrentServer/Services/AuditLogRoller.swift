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
            while !Task.isCancelled {
                var due = false
                do {
                    due = ContinuousClock.now - lastRoll >= interval
                    if !due { due = try await files.pendingRecords() >= maximumRecords }
                    if due {
                        lastRoll = ContinuousClock.now
                        let written = try await files.roll(now: clock.now())
                        if written > 0 { logger.info("audit files written", metadata: ["files": "\(written)"]) }
                    }
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("audit roll failed", metadata: ["error": "\(String(describing: type(of: error)))"])
                }
                // Four looks a second, and one soon after a roll: under load the records waiting
                // stay fewer than this process remembers from its journal (8,192), so delivery need
                // not read them back from the database. (With four looks a second alone, a roll at
                // 20,000 calls a second found 10,000 and more waiting and read thousands back.)
                try? await Task.sleep(for: min(interval, due ? .milliseconds(50) : .milliseconds(250)))
            }
        }
    }
}
