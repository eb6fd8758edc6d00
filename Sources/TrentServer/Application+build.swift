import Foundation
public import Hummingbird
import HTTPTypes
public import Logging
import NIOCore
public import TrentCore
import TrentModel
public import TrentAudit

/// Builds the HTTP application around a `KeyService`, so tests can run it in-process.
public func buildApplication(
    configuration: ServerConfiguration,
    service: KeyService,
    auditLookup: AuditLookup? = nil,
    auditFiles: AuditLogFiles? = nil,
    testClock: ManualClock? = nil,
    logger: Logger,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = buildRouter(
        configuration: configuration, service: service, auditLookup: auditLookup, auditFiles: auditFiles, testClock: testClock, logger: logger
    )
    let sweeper = ExpirySweeper(service: service, interval: configuration.sweepInterval, logger: logger)
    let poolFiller = WrappingKeyPoolFiller(pool: service.wrappingKeys)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Trent"),
        services: [sweeper, poolFiller] + (auditFiles.map {
            [AuditLogRoller(
                files: $0, clock: testClock ?? SystemClock(), interval: configuration.auditRollInterval,
                maximumRecords: configuration.auditRollRecords, logger: logger
            )]
        } ?? []),
        onServerRunning: onServerRunning,
        logger: logger
    )
}

public func buildRouter(
    configuration: ServerConfiguration, service: KeyService, auditLookup: AuditLookup? = nil, auditFiles: AuditLogFiles? = nil,
    testClock: ManualClock?, logger: Logger
) -> Router<TrentRequestContext> {
    let router = Router(context: TrentRequestContext.self)
    let handler = KMSRequestHandler(
        service: service, configuration: configuration, logger: logger, cloudTrail: CloudTrailLookupHandler(lookup: auditLookup)
    )
    router.post("/") { request, context in
        await handler.handle(request, context: context)
    }
    if configuration.unsafeTestClock, let testClock {
        // Test-only time travel: enabled by --unsafe-test-clock, answered on loopback only.
        router.post("/_trent/unsafe/clock") { request, context -> Response in
            guard context.remoteAddress?.ipAddress.map(isLoopback) ?? true else { return Response(status: .forbidden) }
            var request = request
            let body = try await request.collectBody(upTo: 4096)
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any]
            guard let offset = object?["offsetSeconds"] as? Double else { return Response(status: .badRequest) }
            testClock.setOffset(offset)
            return Response(status: .ok)
        }
        router.post("/_trent/unsafe/roll-audit") { _, context -> Response in
            guard context.remoteAddress?.ipAddress.map(isLoopback) ?? true, let auditFiles else { return Response(status: .forbidden) }
            let written = try await auditFiles.roll(now: testClock.now())
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "{\"files\":\(written)}")))
        }
        router.post("/_trent/unsafe/sweep") { _, context -> Response in
            guard context.remoteAddress?.ipAddress.map(isLoopback) ?? true else { return Response(status: .forbidden) }
            let report = try await service.sweep()
            let text = "{\"expiredMaterials\":\(report.expiredMaterials),\"deletedKeys\":\(report.deletedKeys),\"rotatedKeys\":\(report.rotatedKeys)}"
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
    return router
}

private func isLoopback(_ address: String) -> Bool {
    address.hasPrefix("127.") || address == "::1"
}
