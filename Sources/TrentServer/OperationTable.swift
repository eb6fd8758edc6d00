import Foundation
import Synchronization
import TrentCore
import TrentModel

/// A decoded request, ready to run: what the audit log records of it, and the call itself.
struct PreparedCall: Sendable {
    let requestParameters: JSONValue?
    let execute: @Sendable (CallContext, KeyService) async throws -> [UInt8]
}

/// One KMS operation: decodes its request shape and runs it through the `KeyService`.
struct Operation: Sendable {
    let name: String
    let prepare: @Sendable (Data) throws -> PreparedCall

    static func make<Request: KMSShape & NodeReadable, Response: JSONWritable & Sendable>(
        _ name: String,
        _ request: Request.Type,
        audit: @escaping @Sendable (Request) -> JSONValue?,
        _ handler: @escaping @Sendable (Request, CallContext, KeyService) async throws -> Response
    ) -> Operation {
        let lastSize = ResponseSize()
        return Operation(name: name) { body in
            let decoded: Request
            let json = body.isEmpty ? Data("{}".utf8) : body
            if let fast = FastRequestDecoder.decode(Request.self, from: json) {
                decoded = fast
            } else {
                do {
                    decoded = try WireCoding.decoder.decode(Request.self, from: json)
                } catch {
                    throw KMSError(.serialization, WireCoding.serializationMessage(error))
                }
            }
            return PreparedCall(requestParameters: audit(decoded)) { call, service in
                try decoded.checkModelConstraints()
                let response = try await handler(decoded, call, service)
                var output = JSONOutput(capacity: lastSize.room)
                response.writeJSON(to: &output)
                let answer = output.finished()
                lastSize.note(answer.count)
                return answer
            }
        }
    }
}

/// The size of an operation's last answer: the next one starts with room for it and a quarter
/// more, rather than growing its storage (copying and zeroing it again) on the way. A
/// DescribeKey's answer is about 800 bytes; growing from a fixed 512 was about 1 % of the call.
final class ResponseSize: Sendable {
    private let last = Atomic<Int>(0)

    var room: Int {
        let size = last.load(ordering: .relaxed)
        return size == 0 ? 512 : min(size + size / 4, 64 * 1024)
    }

    func note(_ size: Int) {
        last.store(size, ordering: .relaxed)
    }
}

/// The one `X-Amz-Target` → operation table. One row per operation, one file per operation.
enum OperationTable {
    static let operations: [String: Operation] = Dictionary(uniqueKeysWithValues: [
        Operation.createKey,
        Operation.describeKey,
        Operation.listKeys,
        Operation.enableKey,
        Operation.disableKey,
        Operation.scheduleKeyDeletion,
        Operation.cancelKeyDeletion,
        Operation.getParametersForImport,
        Operation.importKeyMaterial,
        Operation.deleteImportedKeyMaterial,
        Operation.encrypt,
        Operation.decrypt,
        Operation.createAlias,
        Operation.updateAlias,
        Operation.deleteAlias,
        Operation.listAliases,
        Operation.generateDataKey,
        Operation.generateDataKeyWithoutPlaintext,
        Operation.generateRandom,
        Operation.reEncrypt,
        Operation.updateKeyDescription,
        Operation.tagResource,
        Operation.untagResource,
        Operation.listResourceTags,
        Operation.getKeyPolicy,
        Operation.putKeyPolicy,
        Operation.listKeyPolicies,
        Operation.enableKeyRotation,
        Operation.disableKeyRotation,
        Operation.getKeyRotationStatus,
        Operation.rotateKeyOnDemand,
        Operation.listKeyRotations,
        Operation.generateMac,
        Operation.verifyMac,
        Operation.sign,
        Operation.verify,
        Operation.getPublicKey,
        Operation.deriveSharedSecret,
        Operation.generateDataKeyPair,
        Operation.generateDataKeyPairWithoutPlaintext,
        Operation.createGrant,
        Operation.listGrants,
        Operation.listRetirableGrants,
        Operation.retireGrant,
        Operation.revokeGrant,
        Operation.getKeyLastUsage,
        Operation.replicateKey,
        Operation.updatePrimaryRegion,
    ].map { ($0.name, $0) })
}

/// Operations of the model that Trent deliberately does not offer, with the reason it gives.
enum UnsupportedOperations {
    static let customKeyStores = "Custom key stores (AWS CloudHSM key stores and external key stores) are not supported by Trent: "
        + "its keys live in its own store, sealed under its root key."

    static let reasons: [String: String] = [
        "CreateCustomKeyStore": customKeyStores, "DeleteCustomKeyStore": customKeyStores,
        "DescribeCustomKeyStores": customKeyStores, "UpdateCustomKeyStore": customKeyStores,
        "ConnectCustomKeyStore": customKeyStores, "DisconnectCustomKeyStore": customKeyStores,
    ]
}

/// Builders for audit `requestParameters`: members AWS records, nils left out.
enum AuditParameters {
    /// The members that have a value. Taken as written (`KeyValuePairs`, not a dictionary of
    /// every member: most are absent, and hashing their names only to drop them cost a table
    /// and a hash per member, per call).
    static func object(_ members: KeyValuePairs<String, JSONValue?>) -> JSONValue {
        var present = 0
        for (_, value) in members where value != nil { present += 1 }
        var object = [String: JSONValue](minimumCapacity: present)
        for (name, value) in members {
            if let value { object[name] = value }
        }
        return .object(object)
    }

    static func string(_ value: String?) -> JSONValue? { value.map(JSONValue.string) }
    static func number(_ value: Int?) -> JSONValue? { value.map { .number(Double($0)) } }
    static func bool(_ value: Bool?) -> JSONValue? { value.map(JSONValue.bool) }
    static func date(_ value: Date?) -> JSONValue? { value.map { .string(AuditDates.format($0)) } }
    static func context(_ value: [String: String]?) -> JSONValue? { value.map { .object($0.mapValues(JSONValue.string)) } }
}

/// The `{}` body of operations whose model has no output shape.
struct EmptyResponse: JSONWritable, Sendable {
    func writeJSON(to output: inout JSONOutput) {
        output.beginObject()
        output.endObject()
    }
}

extension KMSShape {
    /// The botocore model's constraints (lengths, ranges, required members), as the API's
    /// `ValidationException`; the console checks its forms with the same.
    func checkModelConstraints() throws {
        var violations = ValidationErrors()
        validate(into: &violations, at: "")
        if let message = violations.message { throw KMSError.validation(message) }
    }
}
