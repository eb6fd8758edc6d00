import Crypto
import Foundation
import Logging
import TrentAudit
import TrentAuth
import TrentCore
import TrentCrypto
import TrentModel
import TrentServer
import TrentStore

// Pieces of a call's CPU measured alone, in-process, without HTTP or a load generator: steadier
// than `make bench` on a shared machine, for telling whether a change to one piece helps.
//
//   trent-microbench sigv4       authenticating a signed 4 KiB Decrypt (SigV4 verification)
//   trent-microbench records     rendering a Decrypt's CloudTrail record and its stored form
//   trent-microbench flush       moving journaled audit records into the SQLite store
//   trent-microbench decrypt     KeyService.decrypt of 4 KiB with its audit record (journal, store)
//   trent-microbench call        a whole signed Encrypt of 4 KiB from its request's bytes to its
//                                response's (`InProcessCalls`): all a call costs but the kernel's
//                                and NIO's part
//   trent-microbench unwrap      ImportKeyMaterial's RSA-OAEP unwrap (RSA_2048): with a pair just
//                                made, and with one that has done a private-key operation; and
//                                the time a pair takes to make
//
// Loops report the best of several rounds (ns per call); `flush`, `decrypt` and `call` report the
// process's CPU time per call, background threads included, as the median of their rounds.
// MICROBENCH_ROUNDS=N runs N rounds instead of 7 (1 under callgrind).

let rounds = ProcessInfo.processInfo.environment["MICROBENCH_ROUNDS"].flatMap(Int.init).map { max(1, $0) } ?? 7

/// Nanoseconds per call of `body`, best of `rounds` rounds of `count` calls.
func best(_ count: Int, rounds: Int = rounds, _ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<rounds {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<count { try body() }
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / Double(count))
    }
    return best
}

/// Microseconds of CPU this process has used (all threads).
func processCPU() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6 + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

func temporaryStore() throws -> String {
    let directory = NSTemporaryDirectory() + "trent-microbench-\(UUID())"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    return directory + "/trent.sqlite"
}

let keyID = "8e2789ab-2198-4601-9800-d7f1802b8cc6"

/// A Decrypt's audit record as the server makes it.
func decryptEvent() -> AuditEvent {
    AuditEvent(
        eventID: UUIDText.timeOrdered(now: Date()), eventTime: Date(), eventName: "Decrypt", eventType: .apiCall,
        account: "111122223333", region: "us-east-1", requestID: UUIDText.random(), sourceIPAddress: "127.0.0.1",
        userAgent: "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.debian.12 prompt/off command/kms.decrypt",
        accessKeyID: "AKIANJQM3CKCA7CQCNXU", readOnly: true,
        requestParameters: .object(["keyId": .string(keyID), "encryptionAlgorithm": .string("SYMMETRIC_DEFAULT")]), responseElements: nil,
        resourceARNs: ["arn:aws:kms:us-east-1:111122223333:key/" + keyID], errorCode: nil, errorMessage: nil, keyID: keyID
    )
}

let credentials = AWSCredentials(accessKeyID: "AKIATESTADMIN0000001", secretAccessKey: "test-secret-of-the-administrator-key")

/// An administrator (kms:*) whose access key is `credentials`.
func administrator() -> Authenticator {
    let file = CredentialsFile(accounts: ["111122223333": .init(users: ["admin": .init(
        accessKeys: [.init(accessKeyId: credentials.accessKeyID, secretAccessKey: credentials.secretAccessKey)],
        policies: [#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#]
    )])])
    return Authenticator(mode: .verify, store: CredentialStore(file))
}

func sigv4() throws {
    let authenticator = administrator()
    let body = Data(("{\"CiphertextBlob\":\"" + String(repeating: "A", count: 5600) + "\"}").utf8)
    var request = SignableRequest(method: "POST", path: "/", query: "", headers: [
        ("Host", "127.0.0.1:4566"), ("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "TrentService.Decrypt"),
        ("User-Agent", "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.debian.12 prompt/off command/kms.decrypt"),
        ("Content-Length", "\(body.count)"),
    ], body: body)
    let now = Date()
    SigV4Signer.sign(&request, credentials: credentials, region: "us-east-1", service: "kms", now: now)
    let ns = try best(100_000) { _ = try authenticator.authenticate(request, service: "kms", now: now) }
    print(String(format: "sigv4: %.0f ns per authentication of a signed 4 KiB Decrypt (best of %d rounds)", ns, rounds))
}

func records() {
    let event = decryptEvent()
    var size = 0
    let record = best(200_000) {
        var output = JSONOutput(capacity: 2048)
        CloudTrailRecord.write(event, to: &output)
        size = output.finished().count
    }
    let stored = best(200_000) { size = max(size, event.storageJSON.count) }
    print(String(format: "records: %.0f ns per CloudTrail record (%d bytes), %.0f ns per stored record (best of %d rounds)", record, size, stored, rounds))
}

func flush() async throws {
    let store = try SQLiteKeyStore(path: try temporaryStore(), journaled: true, journalFlushInterval: .seconds(3600), recentAuditEvents: 0)
    let batch = 200
    var rounds: [Double] = []
    for round in 0..<12 {
        var cpu = 0.0
        for _ in 0..<50 {
            for _ in 0..<batch { try await store.appendAuditEvents([decryptEvent()]) }
            let start = processCPU()
            try await store.flushJournal()
            cpu += processCPU() - start
        }
        if round >= 2 { rounds.append(cpu / Double(50 * batch)) }
    }
    print(String(format: "flush: %.2f us of CPU per record moved from the journal into SQLite, %d at a time (median of %d rounds; %.2f–%.2f)",
                 median(rounds), batch, rounds.count, rounds.min()!, rounds.max()!))
}

func call(_ name: String) -> CallContext {
    CallContext(account: "111122223333", region: "us-east-1", requestID: UUIDText.random(), sourceIPAddress: "127.0.0.1",
                userAgent: "aws-cli/2.15.0", accessKeyID: "AKIANJQM3CKCA7CQCNXU", eventName: name, requestParameters: nil)
}

/// A journaled SQLite store, a service over it and a symmetric key in it. The journal moves into
/// the store when a round settles, not every 20 ms: moves in batches cut by the clock made
/// instruction counts of the same code differ by thousands a call from run to run.
func serviceWithKey() async throws -> (SQLiteKeyStore, KeyService, String) {
    let store = try SQLiteKeyStore(path: try temporaryStore(), journaled: true, journalFlushInterval: .seconds(3600))
    let service = KeyService(store: store, clock: SystemClock(), rootKey: RootKey(SymmetricKey(size: .bits256)),
                             wrappingKeys: WrappingKeyPool(configuration: .init(pairsPerSpec: 0)))
    let key = try await service.createKey(
        CreateKeyInput(description: "", keySpec: .symmetricDefault, keyUsage: .encryptDecrypt, origin: .awsKMS, policy: nil, tags: []), call: call("CreateKey")
    ).key.id
    return (store, service, key)
}

/// The median of `rounds` rounds of the process's CPU per call of `body`, `count` calls a round
/// and `settle` run after each round's calls (inside the round).
func cpuPerCall(_ count: Int, _ body: () async throws -> Void, settle: () async throws -> Void) async rethrows -> [Double] {
    var results: [Double] = []
    for _ in 0..<rounds {
        let start = processCPU()
        for _ in 0..<count { try await body() }
        try await settle()
        results.append((processCPU() - start) / Double(count))
    }
    return results
}

func decrypt() async throws {
    let (store, service, key) = try await serviceWithKey()
    let blob = try await service.encrypt(key, plaintext: Data(repeating: 1, count: 4096), encryptionContext: [:], algorithm: nil, dryRun: false, call: call("Encrypt")).ciphertext
    let results = try await cpuPerCall(20_000) {
        _ = try await service.decrypt(blob, encryptionContext: [:], keyID: nil, algorithm: nil, dryRun: false, call: call("Decrypt"))
    } settle: {
        try await store.flushJournal()
    }
    print(String(format: "decrypt: %.2f us of CPU per 4 KiB KeyService.decrypt with its audit record in the store (median of %d rounds; %.2f–%.2f)",
                 median(results), results.count, results.min()!, results.max()!))
}

func call() async throws {
    let (store, service, key) = try await serviceWithKey()
    let calls = InProcessCalls(
        service: service, configuration: ServerConfiguration(dataDirectory: NSTemporaryDirectory(), authenticator: administrator()),
        logger: Logger(label: "microbench")
    )
    // As botocore sends it.
    var plaintext = [UInt8](repeating: 0, count: 4096)
    for index in plaintext.indices { plaintext[index] = UInt8.random(in: 0...255) }
    let body = Data(#"{"KeyId": "\#(key)", "Plaintext": "\#(Data(plaintext).base64EncodedString())"}"#.utf8)
    var request = SignableRequest(method: "POST", path: "/", query: "", headers: [
        ("Host", "127.0.0.1:4599"), ("Accept-Encoding", "identity"), ("X-Amz-Target", "TrentService.Encrypt"),
        ("Content-Type", "application/x-amz-json-1.1"),
        ("User-Agent", "Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.11.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.0"),
        ("Content-Length", "\(body.count)"),
    ], body: body)
    SigV4Signer.sign(&request, credentials: credentials, region: "us-east-1", service: "kms", now: Date())
    var head = "POST / HTTP/1.1\r\n"
    for (name, value) in request.headers { head += "\(name): \(value)\r\n" }
    let bytes = Array((head + "\r\n").utf8) + body
    guard let first = await calls.answer(bytes), first.starts(with: Array("HTTP/1.1 200 ".utf8)) else {
        print("call: the Encrypt was not answered with 200: \(String(decoding: await calls.answer(bytes) ?? [], as: UTF8.self).prefix(600))")
        exit(1)
    }
    let results = try await cpuPerCall(20_000) {
        _ = await calls.answer(bytes)
    } settle: {
        try await store.flushJournal()
    }
    print(String(format: "call: %.2f us of CPU per signed 4 KiB Encrypt from request bytes to response bytes, audit record stored (median of %d rounds; %.2f–%.2f)",
                 median(results), results.count, results.min()!, results.max()!))
}

/// RSA_2048 RSAES_OAEP_SHA_256 unwraps of 32 bytes, microseconds each: the first private-key
/// operation of a pair (what ImportKeyMaterial pays for a pair straight from the pool) and a later one.
func unwrap() throws {
    let count = 24
    let generation = DispatchTime.now().uptimeNanoseconds
    let pairs = try (0..<count).map { _ in try WrappingKeyPair(spec: .rsa2048) }
    let generated = Double(DispatchTime.now().uptimeNanoseconds - generation) / 1e6 / Double(count)
    let wrapped = try pairs.map { try KeyMaterialWrapper.wrap(Array(repeating: 7, count: 32), publicKeyDER: $0.publicKeyDER, algorithm: .rsaesOAEPSHA256) }
    var first: [Double] = [], later: [Double] = []
    for (pair, blob) in zip(pairs, wrapped) {
        for round in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try pair.unwrap(blob, algorithm: .rsaesOAEPSHA256)
            let micros = Double(DispatchTime.now().uptimeNanoseconds - start) / 1000
            if round == 0 { first.append(micros) } else { later.append(micros) }
        }
    }
    print(String(format: "unwrap    RSA_2048 OAEP-SHA-256: first use of a pair %.0f us (median of %d), later %.0f us; a pair made in %.0f ms",
                 median(first), first.count, median(later), generated))
}

let pieces = ["sigv4", "records", "flush", "decrypt", "call", "unwrap"]
let asked = Array(CommandLine.arguments.dropFirst())
guard asked.allSatisfy(pieces.contains) else {
    print("usage: trent-microbench [\(pieces.joined(separator: "|"))]...  (all of them when none is named)")
    exit(2)
}
/// Runs `body` in a task and waits for it on this thread. The pieces are not top-level async
/// code: that parks the main thread in `dispatchMain`, which valgrind (3.19) does not survive, and
/// callgrind's instruction counts are the steadiest measure on a shared machine.
func wait(_ body: @escaping @Sendable () async throws -> Void) throws {
    nonisolated(unsafe) var failure: (any Error)?
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do { try await body() } catch { failure = error }
        done.signal()
    }
    done.wait()
    if let failure { throw failure }
}

for piece in asked.isEmpty ? pieces : asked {
    switch piece {
    case "sigv4": try sigv4()
    case "records": records()
    case "flush": try wait(flush)
    case "decrypt": try wait(decrypt)
    case "unwrap": try unwrap()
    default: try wait(call)
    }
}
