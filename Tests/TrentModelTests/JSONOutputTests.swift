import Foundation
import Testing
@testable import TrentModel

/// The generated response writers say what `JSONEncoder` said of the same shapes (blobs base64,
/// dates as seconds since 1970): both parsed back, they are the same document.
@Suite struct JSONOutputTests {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dataEncodingStrategy = .base64
        e.dateEncodingStrategy = .secondsSince1970
        return e
    }()

    func written(_ shape: some JSONWritable) -> [UInt8] {
        var output = JSONOutput()
        shape.writeJSON(to: &output)
        return output.bytes
    }

    /// Parsed and written again with sorted keys: equal when the documents are.
    func canonical(_ json: Data) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: json), options: [.sortedKeys]), as: UTF8.self)
    }

    func sameDocument<Shape: JSONWritable & Encodable>(_ shape: Shape) throws -> Bool {
        try canonical(Data(written(shape))) == canonical(try Self.encoder.encode(shape))
    }

    @Test func responsesAreWhatTheEncoderWrote() throws {
        let metadata = KMS.KeyMetadata(
            aWSAccountId: "111122223333", keyId: "k", arn: "arn:aws:kms:us-east-1:111122223333:key/k",
            creationDate: Date(timeIntervalSince1970: 1_764_412_345.125), enabled: true, description: "say \"hi\"\\ \n\t/ é 🔑 \u{1}",
            keyUsage: "ENCRYPT_DECRYPT", keyState: "Enabled", deletionDate: Date(timeIntervalSince1970: 1_800_000_000), origin: "EXTERNAL",
            expirationModel: "KEY_MATERIAL_EXPIRES", encryptionAlgorithms: ["SYMMETRIC_DEFAULT"], signingAlgorithms: [],
            multiRegion: true,
            multiRegionConfiguration: KMS.MultiRegionConfiguration(
                multiRegionKeyType: "PRIMARY", primaryKey: KMS.MultiRegionKey(arn: "a", region: "us-east-1"),
                replicaKeys: [KMS.MultiRegionKey(arn: "b", region: "eu-west-1"), KMS.MultiRegionKey(arn: "c", region: "eu-west-2")]
            ),
            pendingDeletionWindowInDays: 7
        )
        #expect(try sameDocument(KMS.DescribeKeyResponse(keyMetadata: metadata)))
        #expect(try sameDocument(KMS.DescribeKeyResponse()))
        #expect(try sameDocument(KMS.EncryptResponse(ciphertextBlob: Data((0..<4200).map { UInt8($0 % 256) }), keyId: "k", encryptionAlgorithm: "SYMMETRIC_DEFAULT")))
        #expect(try sameDocument(KMS.ListGrantsResponse(grants: [
            KMS.GrantListEntry(keyId: "k", grantId: "g", name: "n", creationDate: Date(timeIntervalSince1970: 1),
                               operations: ["Encrypt", "Decrypt"],
                               constraints: KMS.GrantConstraints(encryptionContextSubset: ["b": "2", "a": "1", "c\"": "\n"])),
            KMS.GrantListEntry(keyId: "k2"),
        ], nextMarker: "m", truncated: true)))
        #expect(try sameDocument(KMS.ListResourceTagsResponse(tags: [], truncated: false)))
        #expect(String(decoding: written(KMS.ListResourceTagsResponse(tags: [], truncated: false)), as: UTF8.self) == #"{"Tags":[],"Truncated":false}"#)
    }

    /// Documents one per line (the audit journal's lines): a line break ends one, and the next
    /// starts without a comma.
    @Test func documentsOnLinesOfTheirOwn() {
        var output = JSONOutput(capacity: 16)
        for value in 1...3 {
            output.beginObject()
            output.member("a")
            output.number(value)
            output.endObject()
            output.newline()
        }
        #expect(String(decoding: output.bytes, as: UTF8.self) == "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n")
    }

    @Test func mapsAreWrittenInKeyOrder() {
        let constraints = KMS.GrantConstraints(encryptionContextEquals: ["b": "2", "a": "1"])
        #expect(String(decoding: written(constraints), as: UTF8.self) == #"{"EncryptionContextEquals":{"a":"1","b":"2"}}"#)
    }

    @Test func stringsRoundTrip() throws {
        for text in ["", "plain", "\"", "\\", "a\u{0}b", "\u{1f}\u{7f}", "\r\n\t\u{8}\u{c}", "/path/", "é🔑漢字", String(repeating: "x\"", count: 3000)] {
            var output = JSONOutput()
            output.beginArray()
            output.string(text)
            output.endArray()
            let parsed = try JSONSerialization.jsonObject(with: Data(output.bytes)) as? [String]
            #expect(parsed == [text])
        }
    }

    /// The eight-byte scan finds the same first byte to escape as a byte loop: every byte value
    /// at every position of a run of plain ASCII and of UTF-8 beyond ASCII.
    @Test func theScanForBytesToEscapeMatchesAByteLoop() throws {
        func byteLoop(_ bytes: [UInt8], from start: Int) -> Int {
            bytes[start...].firstIndex { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 } ?? bytes.count
        }
        for filler in [UInt8(ascii: "a"), 0x7F, 0x80, 0xE6, 0xFF] {
            for length in [0, 7, 8, 9, 24] {
                for position in 0..<max(1, length) {
                    for value in 0...255 {
                        var bytes = [UInt8](repeating: filler, count: length)
                        if position < length { bytes[position] = UInt8(value) }
                        for start in [0, min(1, length)] {
                            let scanned = bytes.withUnsafeBufferPointer { JSONOutput.nextToEscape($0, from: start) }
                            #expect(scanned == byteLoop(bytes, from: start), "filler \(filler) length \(length) byte \(value) at \(position)")
                        }
                    }
                }
            }
        }
        // And whole strings with escapes at every offset round-trip.
        for offset in 0..<20 {
            let text = String(repeating: "k", count: offset) + "\"\u{1}\\é" + String(repeating: "v", count: 19 - offset)
            var output = JSONOutput()
            output.beginArray()
            output.string(text)
            output.endArray()
            #expect(try JSONSerialization.jsonObject(with: Data(output.bytes)) as? [String] == [text])
        }
    }

    @Test func base64IsFoundations() {
        // Below and above the SIMD groups (12 bytes, 16 readable), and every length around them.
        for count in Array(0...100) + [4096, 4097, 4098] {
            let data = Data((0..<count).map { _ in UInt8.random(in: 0...255) })
            var output = JSONOutput()
            output.data(data)
            #expect(String(decoding: output.bytes, as: UTF8.self) == "\"" + data.base64EncodedString() + "\"")
        }
        // Every 12-bit group, in both halves of a 3-byte group.
        var bytes: [UInt8] = []
        for v in 0..<4096 {
            let w = 4095 - v
            bytes += [UInt8(v >> 4), UInt8((v & 0xF) << 4 | w >> 8), UInt8(w & 0xFF)]
        }
        let groups = Data(bytes)
        var output = JSONOutput()
        output.data(groups)
        #expect(String(decoding: output.bytes, as: UTF8.self) == "\"" + groups.base64EncodedString() + "\"")
    }

    /// Output grows past any starting capacity, and what `finished()` hands over without a copy
    /// is what `bytes` copies.
    @Test func outputGrowsAndFinishes() throws {
        for capacity in [0, 1, 16, 100] {
            var output = JSONOutput(capacity: capacity)
            output.beginArray()
            for i in 0..<200 {
                output.string(String(repeating: "é\"", count: i))
                output.data(Data(repeating: UInt8(i), count: i))
                output.raw(Array("{\"n\":\(i)}".utf8))
            }
            output.endArray()
            let copied = output.bytes
            #expect(output.finished() == copied)
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(copied)) as? [Any])
            #expect(parsed.count == 600)
            #expect(parsed[597] as? String == String(repeating: "é\"", count: 199))
            #expect(parsed[598] as? String == Data(repeating: 199, count: 199).base64EncodedString())
        }
    }

    @Test func separatorsAndNumbers() {
        var output = JSONOutput()
        output.beginObject()
        output.key("a")
        output.number(1)
        output.key("b")
        output.beginArray()
        output.number(1.5)
        output.number(2.0)
        output.null()
        output.bool(true)
        output.beginObject()
        output.endObject()
        output.endArray()
        output.key("c")
        output.date(Date(timeIntervalSince1970: 1_764_412_345))
        output.endObject()
        #expect(String(decoding: output.bytes, as: UTF8.self) == #"{"a":1,"b":[1.5,2,null,true,{}],"c":1764412345}"#)
    }

    /// Started again, an output keeps its room but none of what it held: read in place, it is the
    /// new text alone, separators included.
    @Test func startedAgainItHoldsOnlyTheNewText() {
        var output = JSONOutput(capacity: 16)
        output.beginArray()
        for index in 0..<500 { output.string("value \(index)") }
        output.endArray()
        #expect(output.withBytes { Array($0) } == output.bytes)
        output.removeAll()
        output.beginObject()
        output.key("a")
        output.number(1)
        output.endObject()
        #expect(output.withBytes { String(decoding: $0, as: UTF8.self) } == #"{"a":1}"#)
        output.removeAll()
        output.string("x")
        #expect(output.withBytes { String(decoding: $0, as: UTF8.self) } == #""x""#)
    }

    /// A member name from the source is written as `key` writes it, separators included.
    @Test func memberNamesFromTheSourceAreWrittenAsKeysAre() {
        var byMember = JSONOutput(capacity: 16), byKey = JSONOutput(capacity: 16)
        byMember.beginObject()
        byKey.beginObject()
        for index in 0..<40 {
            byMember.member("KeyId")
            byKey.key("KeyId")
            byMember.number(index)
            byKey.number(index)
            byMember.member("__type")
            byKey.key("__type")
            byMember.beginObject()
            byKey.beginObject()
            byMember.member("")
            byKey.key("")
            byMember.null()
            byKey.null()
            byMember.endObject()
            byKey.endObject()
        }
        byMember.endObject()
        byKey.endObject()
        #expect(byMember.bytes == byKey.bytes)
        #expect(String(decoding: byMember.bytes.prefix(38), as: UTF8.self) == #"{"KeyId":0,"__type":{"":null},"KeyId":"#)
    }
}

/// `finished()` hands over the storage it wrote into, without copying it.
@Suite struct JSONOutputFinishedTests {
    @Test func finishedKeepsTheStorage() {
        var output = JSONOutput(capacity: 64)
        output.beginObject()
        output.member("KeyId")
        output.string("k")
        output.endObject()
        let written = output.withBytes { UInt(bitPattern: $0.baseAddress) }
        let bytes = output.finished()
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"KeyId":"k"}"#)
        #expect(bytes.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == written)

        var grown = JSONOutput(capacity: 16)
        grown.beginArray()
        for _ in 0..<100 { grown.string("a longer value than the room") }
        grown.endArray()
        let grownAt = grown.withBytes { UInt(bitPattern: $0.baseAddress) }
        let grownBytes = grown.finished()
        #expect(grownBytes.count == 2 + 100 * 30 + 99)
        #expect(grownBytes.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == grownAt)
    }
}
