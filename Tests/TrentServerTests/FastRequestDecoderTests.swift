import Foundation
import Testing
@testable import TrentServer
import TrentModel

/// The fast reading of request bodies never disagrees with `JSONDecoder`: whenever it gives a
/// value, `JSONDecoder` (as the server configures it) gives the same one; it reads the bodies the
/// SDKs send; and it gives up on what it does not read, including thousands of mangled bodies.
@Suite struct FastRequestDecoderTests {
    static let plain: [String] = [
        #"{"KeyId":"1234abcd-12ab-34cd-56ef-1234567890ab","Plaintext":"aGVsbG8gd29ybGQ=","EncryptionContext":{"purpose":"test","n":"1"}}"#,
        #"{"CiphertextBlob":"VAEAAQID","KeyId":"alias/x","EncryptionAlgorithm":"SYMMETRIC_DEFAULT","GrantTokens":["t1","t2"],"DryRun":false}"#,
        #"{"KeyId":"k","KeySpec":"AES_256","NumberOfBytes":32,"EncryptionContext":{}}"#,
        #"{"KeyId":"k","MacAlgorithm":"HMAC_SHA_256","Message":"AAECAwQFBgc="}"#,
        #" { "KeyId" : "arn:aws:kms:us-east-1:111122223333:key/k" } "#,
        #"{"KeyId":"k","Message":"3q2+7w==","MessageType":"DIGEST","SigningAlgorithm":"ECDSA_SHA_256"}"#,
        #"{"Description":"a b","KeyUsage":"ENCRYPT_DECRYPT","Tags":[{"TagKey":"a","TagValue":"1"},{"TagKey":"b","TagValue":""}],"MultiRegion":true}"#,
        #"{"Limit":100,"Marker":"m"}"#,
        #"{"KeyId":"k","GranteePrincipal":"arn:aws:iam::111122223333:user/u","Operations":["Encrypt","Decrypt"],"Constraints":{"EncryptionContextSubset":{"a":"b"}}}"#,
        #"{"KeyId":"k","PendingWindowInDays":7}"#,
        "{}",
        "{\n\t\"KeyId\": \"k\",\r\n\t\"Limit\": -3\n}",
    ]

    /// Bodies it must leave to `JSONDecoder` (which reads some of them, refuses others), whatever
    /// the shape.
    static let unusual: [String] = [
        #"{"KeyId":"a\"b"}"#, #"{"KeyId":"\u0041"}"#, #"{"Description":"é"}"#, #"{"Limit":1.0}"#, #"{"Limit":1e2}"#, #"{"Limit":-0}"#,
        #"{"Limit":012}"#, #"{"Limit":12345678901234567890}"#, #"{"Limit":99999999999999999999999}"#, #"{"Limit":-9999999999999999999}"#,
        #"{"Limit":1234567890123456789}"#, #"{"KeyId":"k","KeyId":"j"}"#, #"{"KeyId":"k",}"#, #"{"KeyId":"k"} x"#,
        #"["KeyId"]"#, #""KeyId""#, "", #"{"KeyId":nul}"#,
        "{\"KeyId\":\"a\tb\"}", #"{"KeyId":"k""#, "\u{FEFF}{}",
    ]

    static func both<T: KMSShape & NodeReadable>(_ type: T.Type, _ body: String) -> (fast: T?, foundation: T?) {
        let data = Data(body.utf8)
        return (FastRequestDecoder.decode(type, from: data), try? WireCoding.decoder.decode(type, from: data))
    }

    static func agrees(_ body: String) -> Bool {
        func check<T: KMSShape & NodeReadable>(_ type: T.Type) -> Bool {
            let (fast, foundation) = both(type, body)
            return fast == nil || fast == foundation
        }
        return check(KMS.EncryptRequest.self) && check(KMS.DecryptRequest.self) && check(KMS.GenerateDataKeyRequest.self)
            && check(KMS.GenerateMacRequest.self) && check(KMS.DescribeKeyRequest.self) && check(KMS.SignRequest.self)
            && check(KMS.CreateKeyRequest.self) && check(KMS.ListKeysRequest.self) && check(KMS.CreateGrantRequest.self)
            && check(KMS.ScheduleKeyDeletionRequest.self) && check(KMS.ImportKeyMaterialRequest.self)
    }

    @Test func readsWhatTheSDKsSendAsJSONDecoderDoes() {
        for body in Self.plain { #expect(Self.agrees(body), "\(body)") }
        #expect(Self.both(KMS.EncryptRequest.self, Self.plain[0]).fast?.encryptionContext == ["purpose": "test", "n": "1"])
        #expect(Self.both(KMS.EncryptRequest.self, Self.plain[0]).fast?.plaintext == Data("hello world".utf8))
        #expect(Self.both(KMS.DecryptRequest.self, Self.plain[1]).fast?.grantTokens == ["t1", "t2"])
        #expect(Self.both(KMS.GenerateDataKeyRequest.self, Self.plain[2]).fast?.numberOfBytes == 32)
        #expect(Self.both(KMS.DescribeKeyRequest.self, Self.plain[4]).fast?.keyId == "arn:aws:kms:us-east-1:111122223333:key/k")
        #expect(Self.both(KMS.CreateKeyRequest.self, Self.plain[6]).fast?.tags?.count == 2)
        #expect(Self.both(KMS.CreateGrantRequest.self, Self.plain[8]).fast?.constraints?.encryptionContextSubset == ["a": "b"])
        #expect(Self.both(KMS.ListKeysRequest.self, Self.plain[11]).fast?.limit == -3)
        #expect(Self.both(KMS.DescribeKeyRequest.self, "{}").fast != nil)
        #expect(Self.both(KMS.ListKeysRequest.self, #"{"Limit":999999999999999999}"#).fast?.limit == 999_999_999_999_999_999)  // 18 digits, the most it reads
        #expect(Self.agrees(#"{"Limit":999999999999999999}"#))
        #expect(Self.both(KMS.GenerateDataKeyRequest.self, #"{"NumberOfBytes":-2147483648}"#).fast?.numberOfBytes == -2_147_483_648)
    }

    /// Long strings (a 4 KiB blob is 5,464 characters) are kept as their bytes in the body and
    /// read from there: blobs decoded as `JSONDecoder` decodes them, whatever their end, and long
    /// text members as the same strings.
    @Test func longStringsAreReadWhereTheyLie() throws {
        for count in [192, 193, 194, 195, 4096, 4097, 4098] {
            let blob = Data((0..<count).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
            let body = #"{"KeyId":"k","Plaintext":"\#(blob)"}"#
            var node: RequestNode?
            Data(body.utf8).withUnsafeBytes { bytes in
                var parser = FastRequestDecoder.Parser(bytes: bytes, body: Data(body.utf8))
                if case .object(let members)? = parser.document() { node = members.present("Plaintext") }
            }
            guard case .text(let bytes)? = node else {
                Issue.record("a blob of \(blob.utf8.count) characters was not kept as bytes: \(String(describing: node).prefix(60))")
                continue
            }
            #expect(bytes.count == blob.utf8.count)
            #expect(Self.both(KMS.EncryptRequest.self, body).fast?.plaintext == Data(base64Encoded: blob))
            #expect(Self.agrees(body))
            // Ends JSONDecoder judges for itself: no padding, padding doubled, cut short, an odd
            // character in the last quantum, "====".
            for end in ["", "=", "==", "A", "AB", "ABC", "A===", "====", "AB=C", "QR==", "QUJ=", "Zm9v", "Zg=="] {
                let text = String(blob.prefix(300)).replacingOccurrences(of: "=", with: "") + end
                #expect(Self.agrees(#"{"KeyId":"k","Plaintext":"\#(text)"}"#), "\(end)")
                #expect(Self.both(KMS.EncryptRequest.self, #"{"Plaintext":"\#(text)"}"#).fast?.plaintext == Data(base64Encoded: text), "\(end)")
            }
        }
        let description = String(repeating: "a long description ", count: 40)
        let body = #"{"Description":"\#(description)","Policy":"\#(description)x"}"#
        #expect(Self.both(KMS.CreateKeyRequest.self, body).fast?.description == description)
        #expect(Self.both(KMS.CreateKeyRequest.self, body).fast?.policy == description + "x")
        #expect(Self.agrees(body))
    }

    @Test func leavesTheUnusualToJSONDecoder() {
        for body in Self.unusual {
            #expect(Self.both(KMS.CreateKeyRequest.self, body).fast == nil, "\(body)")
            #expect(Self.both(KMS.ListKeysRequest.self, body).fast == nil, "\(body)")
            #expect(Self.both(KMS.EncryptRequest.self, body).fast == nil, "\(body)")
            #expect(Self.both(KMS.ImportKeyMaterialRequest.self, body).fast == nil, "\(body)")
        }
        for body in Self.unusual { #expect(Self.agrees(body), "\(body)") }
        // Members it does not read for the shape at hand (other shapes ignore them, as JSONDecoder does).
        #expect(Self.both(KMS.EncryptRequest.self, #"{"Plaintext":"not base64!"}"#).fast == nil)
        #expect(Self.both(KMS.ImportKeyMaterialRequest.self, #"{"ValidTo":1700000000}"#).fast == nil)
        #expect(Self.both(KMS.ImportKeyMaterialRequest.self, #"{"ValidTo":1700000000}"#).foundation?.validTo != nil)
        #expect(Self.both(KMS.CreateKeyRequest.self, #"{"Plaintext":"not base64!","ValidTo":1}"#).fast != nil)
        // A member of the wrong type.
        #expect(Self.both(KMS.EncryptRequest.self, #"{"KeyId":1}"#).fast == nil)
        #expect(Self.both(KMS.EncryptRequest.self, #"{"EncryptionContext":{"a":1}}"#).fast == nil)
        #expect(Self.both(KMS.EncryptRequest.self, #"{"GrantTokens":"t"}"#).fast == nil)
        #expect(Self.both(KMS.EncryptRequest.self, #"{"DryRun":"true"}"#).fast == nil)
    }

    /// Members are found by a linear search, so an object of more than 64 members (an
    /// encryption context, say) is left to `JSONDecoder`; up to 64 are read, in any order.
    @Test func objectsOfManyMembersAreLeftToJSONDecoder() {
        func context(_ count: Int) -> String {
            let pairs = (0..<count).reversed().map { #""k\#($0)":"v\#($0)""# }.joined(separator: ",")
            return #"{"KeyId":"k","Plaintext":"AA==","EncryptionContext":{"# + pairs + "}}"
        }
        let most = Self.both(KMS.EncryptRequest.self, context(64))
        #expect(most.fast != nil && most.fast == most.foundation)
        #expect(most.fast?.encryptionContext?["k0"] == "v0" && most.fast?.encryptionContext?.count == 64)
        let over = Self.both(KMS.EncryptRequest.self, context(65))
        #expect(over.fast == nil)
        #expect(over.foundation?.encryptionContext?.count == 65)
    }

    /// The 16-bytes-at-a-time scan stops where the byte-by-byte one does, for every byte value
    /// at every position of two blocks and a tail.
    @Test func plainRunStopsAtTheFirstSpecialByte() {
        func naive(_ bytes: [UInt8], from start: Int) -> Int {
            var i = start
            while i < bytes.count, bytes[i] >= 0x20, bytes[i] < 0x7F, bytes[i] != 0x22, bytes[i] != 0x5C { i += 1 }
            return i
        }
        for value in 0...255 {
            for position in 0..<40 {
                var bytes = Array(repeating: UInt8(ascii: "A"), count: 40)
                bytes[position] = UInt8(value)
                for start in [0, 1, 3] {
                    let run = bytes.withUnsafeBytes { FastRequestDecoder.Parser.plainRun($0, from: start) }
                    #expect(run == naive(bytes, from: start), "byte \(value) at \(position) from \(start)")
                }
            }
        }
        var generator = SplitMix(seed: 7)
        for _ in 0..<2000 {
            let bytes = (0..<Int(generator.next() % 80)).map { _ in UInt8(truncatingIfNeeded: generator.next() % 4 == 0 ? generator.next() : 0x41 + generator.next() % 26) }
            #expect(bytes.withUnsafeBytes { FastRequestDecoder.Parser.plainRun($0, from: 0) } == naive(bytes, from: 0))
        }
    }

    /// Optional members, read in one lookup each: absent and `null` are nil, as `JSONDecoder` has
    /// them; a value of the wrong type gives up (and `JSONDecoder` answers).
    @Test func optionalMembersAreJSONDecoders() {
        let nulls = #"{"KeyId":null,"DryRun":null,"GrantTokens":null,"EncryptionContext":null,"CiphertextBlob":"AAAA","NumberOfBytes":null}"#
        #expect(Self.agrees(nulls))
        #expect(Self.both(KMS.DecryptRequest.self, nulls).fast == KMS.DecryptRequest(ciphertextBlob: Data([0, 0, 0])))
        #expect(Self.both(KMS.GenerateDataKeyRequest.self, #"{"KeyId":"k","NumberOfBytes":null}"#).fast?.numberOfBytes == nil)
        // Members both shapes have, then one each has (the other ignores it, as JSONDecoder does).
        for wrong in [#"{"DryRun":"false"}"#, #"{"KeyId":true}"#, #"{"KeyId":1}"#, #"{"DryRun":0}"#, #"{"GrantTokens":"t"}"#, #"{"EncryptionContext":[]}"#] {
            #expect(Self.both(KMS.DecryptRequest.self, wrong).fast == nil, "\(wrong)")
            #expect(Self.both(KMS.GenerateDataKeyRequest.self, wrong).fast == nil, "\(wrong)")
            #expect(Self.agrees(wrong), "\(wrong)")
        }
        for wrong in [#"{"CiphertextBlob":1}"#, #"{"CiphertextBlob":true}"#] {
            #expect(Self.both(KMS.DecryptRequest.self, wrong).fast == nil, "\(wrong)")
            #expect(Self.agrees(wrong), "\(wrong)")
        }
        for wrong in [#"{"NumberOfBytes":"32"}"#, #"{"NumberOfBytes":true}"#] {
            #expect(Self.both(KMS.GenerateDataKeyRequest.self, wrong).fast == nil, "\(wrong)")
            #expect(Self.agrees(wrong), "\(wrong)")
        }
    }

    /// Mangled bodies: bytes dropped, doubled or replaced by JSON's own tokens. Wherever the fast
    /// reading still gives a value, it is `JSONDecoder`'s.
    @Test func mangledBodiesNeverDisagree() {
        var generator = SplitMix(seed: 20261129)
        let tokens = ["\"", "\\", ",", ":", "{", "}", "[", "]", "null", "true", "1", "-", "0", ".5", "e", " ", "\"KeyId\"", "\"\"", "\u{7F}", "é", "\n"]
        var read = 0
        for round in 0..<4000 {
            var body = Array(Self.plain[round % Self.plain.count].utf8)
            for _ in 0...(generator.next() % 3) {
                let at = Int(generator.next() % UInt64(body.count + 1))
                switch generator.next() % 3 {
                case 0 where at < body.count: body.remove(at: at)
                case 1: body.insert(contentsOf: Array(tokens[Int(generator.next() % UInt64(tokens.count))].utf8), at: at)
                default: if at < body.count { body.insert(body[at], at: at) }
                }
            }
            let text = String(decoding: body, as: UTF8.self)
            #expect(Self.agrees(text), "\(text)")
            if FastRequestDecoder.decode(KMS.EncryptRequest.self, from: Data(body)) != nil { read += 1 }
        }
        #expect(read > 100)  // some mangled bodies are still plain JSON, and those are read
    }
}

/// A small deterministic generator, so a failure can be replayed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Each operation's answer starts with room for the last one and a quarter more, within bounds.
@Suite struct ResponseSizeTests {
    @Test func roomFollowsTheLastAnswer() {
        let size = ResponseSize()
        #expect(size.room == 512)
        size.note(800)
        #expect(size.room == 1000)
        size.note(10_000_000)
        #expect(size.room == 64 * 1024)
        size.note(40)
        #expect(size.room == 50)
    }
}
