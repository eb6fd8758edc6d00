import Logging
import ServiceLifecycle
import TrentCore

/// Makes time-driven changes durable: expired imported material, keys past their deletion
/// date, and automatic rotation. Runs once at start-up (catching up on time the server was down) and then
/// every `interval`.
struct ExpirySweeper: Service {
    let service: KeyService
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let report = try await service.sweep()
                    if report != .init() {
                        logger.info("sweep", metadata: [
                            "expiredMaterials": "\(report.expiredMaterials)", "deletedKeys": "\(report.deletedKeys)",
                            "rotatedKeys": "\(report.rotatedKeys)",
                        ])
                    }
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("sweep failed", metadata: ["error": "\(String(describing: type(of: error)))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
