import Testing
import TrentAuth

/// The text helpers of the hot path agree with the standard library's own answers.
@Suite struct TextTests {
    static let samples = ["", "a", "AKIAIOSFODNN7EXAMPLE", "Encrypt", "e\u{301}e\u{301}e\u{301}", "ключ", "🔑🔑🔑🔑", "ab\r\ncd", String(repeating: "x", count: 200)]

    @Test(arguments: samples)
    func cappedIsThePrefixOfThatManyCharacters(_ text: String) {
        for length in [0, 1, 2, 3, 4, 7, 8, 64, 128, 199, 200, 201] {
            #expect(text.capped(length) == String(text.prefix(length)))
            #expect(text[...].capped(length) == String(text.prefix(length)))
        }
    }

    @Test(arguments: samples + ["Host", "X-Amz-Target", "ÄB", "İ"])
    func lowercasedASCIIFirstIsLowercased(_ text: String) {
        #expect(text.lowercasedASCIIFirst == text.lowercased())
    }
}
