import Foundation
import Testing
import TrentCore

/// `serialized()` writes what `JSONEncoder` (sorted keys, slashes unescaped) writes.
@Suite struct JSONValueSerializationTests {
    static func random(depth: Int, _ g: inout SystemRandomNumberGenerator) -> JSONValue {
        let strings = ["", "plain", "a/b", "quote\"back\\slash", "tab\tnew\nline\r", "\u{01}\u{1F}ctl", "é ü 日本 🔑", "\u{7F}", "arn:aws:kms:us-east-1:1:key/x"]
        switch depth > 2 ? Int.random(in: 0...3, using: &g) : Int.random(in: 0...5, using: &g) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &g))
        case 2: return [JSONValue.number(Double(Int.random(in: -1_000_000...1_000_000, using: &g))), .number(1.5), .number(-0.25),
                        .number(1_800_000_000.123), .number(1e20)].randomElement(using: &g)!
        case 3: return .string(strings.randomElement(using: &g)!)
        case 4: return .array((0..<Int.random(in: 0...4, using: &g)).map { _ in random(depth: depth + 1, &g) })
        default:
            return .object(Dictionary(uniqueKeysWithValues: (0..<Int.random(in: 0...5, using: &g)).map { i in
                (strings.randomElement(using: &g)! + "\(i)", random(depth: depth + 1, &g))
            }))
        }
    }

    @Test func writesWhatJSONEncoderWrites() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var g = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let value = Self.random(depth: 0, &g)
            let fast = value.serialized()
            #expect(try JSONDecoder().decode(JSONValue.self, from: fast) == value)
            #expect(fast == (try encoder.encode(value)), "\(String(decoding: fast, as: UTF8.self))")
        }
    }

    /// Objects of one or two members are ordered without sorting a copy: every pair of keys, in
    /// whichever order the dictionary holds them, comes out sorted.
    @Test func smallObjectsAreWrittenInKeyOrder() {
        let keys = ["keyId", "encryptionAlgorithm", "KeyId", "", "é", "a/b"]
        for first in keys {
            #expect(String(decoding: JSONValue.object([first: .null]).serialized(), as: UTF8.self) == "{\(JSONValue.string(first).serializedText):null}")
            for second in keys where second != first {
                let text = String(decoding: JSONValue.object([first: .number(1), second: .number(2)]).serialized(), as: UTF8.self)
                let (low, high) = first < second ? ((first, 1), (second, 2)) : ((second, 2), (first, 1))
                #expect(text == "{\(JSONValue.string(low.0).serializedText):\(low.1),\(JSONValue.string(high.0).serializedText):\(high.1)}")
            }
        }
    }

    @Test func parsesWhatItWritesAndWhatJSONEncoderWrites() throws {
        let encoder = JSONEncoder()
        var g = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let value = Self.random(depth: 0, &g)
            #expect(try JSONValue.parse(value.serialized()) == value)
            // Foundation escapes "/" and writes its own spacing; the parser reads both.
            let foreign = try encoder.encode(value)
            #expect(try JSONValue.parse(foreign) == JSONDecoder().decode(JSONValue.self, from: foreign))
        }
        #expect(try JSONValue.parse(Data(#" { "a" : [ 1 , -2.5e3 , "\u00e9\ud83d\udd11\/" ] } "#.utf8))
                == .object(["a": .array([.number(1), .number(-2500), .string("é🔑/")])]))
    }

    @Test func refusesMalformedJSON() {
        for text in ["", "{", "[1,]", "{\"a\":}", "01x", "\"\\q\"", "\"\u{01}\"", "tru", "1 2", "\"\\ud800\"", "-", "1.", "{\"a\" 1}",
                     String(repeating: "[", count: 600) + String(repeating: "]", count: 600)] {
            #expect(throws: JSONValue.ParseError.self, "\(text)") { try JSONValue.parse(Data(text.utf8)) }
        }
    }
}

private extension JSONValue {
    var serializedText: String { String(decoding: serialized(), as: UTF8.self) }
}
