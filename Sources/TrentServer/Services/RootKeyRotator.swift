import Foundation
import Logging
import ServiceLifecycle
import TrentAudit
import TrentCore

/// Rotates the root key while the server runs, when `trent root-key rotate` asks (a request file
/// in the data directory), and finishes a rotation a crash interrupted. The outcome is written to
/// the status file the command waits for.
struct RootKeyRotator: Service {
    let service: KeyService
    let auditFiles: AuditLogFiles?
    let dataDirectory: String
    let pollInterval: Duration
    let logger: Logger
    /// Set when rotation is refused here; the request is answered with it.
    var refusal: String? = nil

    static func requestPath(in directory: String) -> String { (directory as NSString).appendingPathComponent("root-key-rotation.request") }
    static func statusPath(in directory: String) -> String { (directory as NSString).appendingPathComponent("root-key-rotation.status") }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            if service.rootKeyVersions > 1, refusal == nil {
                logger.notice("resuming an interrupted root key rotation")
                await rotate(request: "resumed")
            }
            let requestPath = Self.requestPath(in: dataDirectory)
            while !Task.isCancelled {
                if let request = try? String(contentsOfFile: requestPath, encoding: .utf8) {
                    try? FileManager.default.removeItem(atPath: requestPath)
                    await rotate(request: request.trimmingCharacters(in: .whitespacesAndNewlines))
                }
                try? await Task.sleep(for: pollInterval)
            }
        }
    }

    private func rotate(request: String) async {
        var status: [String: Any] = ["request": String(request.prefix(64))]
        do {
            if let refusal { throw RotationRefused(reason: refusal) }
            try await service.beginRootKeyRotation()
            let report = try await service.resealUnderNewestRootKey()
            try auditFiles?.resealSigningKey()
            try await service.finishRootKeyRotation()
            status["state"] = "completed"
            status["materialsResealed"] = report.materialsResealed
            status["importParametersResealed"] = report.importParametersResealed
            logger.notice("root key rotated", metadata: [
                "materialsResealed": "\(report.materialsResealed)", "importParametersResealed": "\(report.importParametersResealed)",
            ])
        } catch {
            status["state"] = "failed"
            status["error"] = (error as? RotationRefused)?.reason ?? String(describing: type(of: error))
            logger.error("root key rotation failed; it resumes at the next start", metadata: ["error": "\(String(describing: type(of: error)))"])
        }
        status["finishedAt"] = ISO8601DateFormatter().string(from: Date())
        if let data = try? JSONSerialization.data(withJSONObject: status, options: [.sortedKeys]) {
            FileManager.default.createFile(atPath: Self.statusPath(in: dataDirectory), contents: data)
        }
    }
}

struct RotationRefused: Error {
    let reason: String
}
