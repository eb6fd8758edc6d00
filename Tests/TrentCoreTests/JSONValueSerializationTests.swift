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
