import Foundation
public import Hummingbird
import HTTPTypes
public import Logging
import NIOCore
import NIOSSL
import HummingbirdTLS
import HummingbirdCore
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
) throws -> some ApplicationProtocol {
    let kms = KMSRequestHandler(
        service: service, configuration: configuration, logger: logger, cloudTrail: CloudTrailLookupHandler(lookup: auditLookup)
    )
    let router = buildRouter(
        configuration: configuration, service: service, auditLookup: auditLookup, auditFiles: auditFiles, testClock: testClock, logger: logger
    )
    let serverName = "Trent"
    // KMS calls are answered in the channel pipeline (KMSHTTP1Channel), the rest by the router.
    let http = HTTPServerBuilder.kms(kms, serverName: serverName)
    let server = try configuration.tls.map { try HTTPServerBuilder.tls(http, tlsConfiguration: try tlsConfiguration($0)) } ?? http
    let sweeper = ExpirySweeper(service: service, interval: configuration.sweepInterval, logger: logger)
    let poolFiller = WrappingKeyPoolFiller(pool: service.wrappingKeys)
    let rotator = RootKeyRotator(
        service: service, auditFiles: auditFiles, dataDirectory: configuration.dataDirectory,
        pollInterval: configuration.sweepInterval < .seconds(1) ? configuration.sweepInterval : .seconds(1), logger: logger,
        refusal: configuration.rootKeyRotationRefusal
    )
    return Application(
        router: router,
        server: server,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: serverName),
        services: [sweeper, poolFiller, rotator] + (auditFiles.map {
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
    Console(service: service, configuration: configuration, auditLookup: auditLookup).register(on: router)
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

/// TLS 1.2 or later with the given PEM certificate chain and private key.
func tlsConfiguration(_ files: ServerConfiguration.TLSFiles) throws -> TLSConfiguration {
    let chain: [NIOSSLCertificate]
    let key: NIOSSLPrivateKey
    do { chain = try NIOSSLCertificate.fromPEMFile(files.certificateChain) } catch {
        throw TLSSetupError("cannot read a PEM certificate chain from \(files.certificateChain)")
    }
    do { key = try NIOSSLPrivateKey(file: files.privateKey, format: .pem) } catch {
        throw TLSSetupError("cannot read a PEM private key from \(files.privateKey)")
    }
    guard !chain.isEmpty else { throw TLSSetupError("\(files.certificateChain) holds no certificate") }
    var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
    configuration.minimumTLSVersion = .tlsv12
    return configuration
}

public struct TLSSetupError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

private func isLoopback(_ address: String) -> Bool {
    address.hasPrefix("127.") || address == "::1"
}
