import Foundation
import Testing
import TrentCore

/// Trent's own UUID text reads and writes what Foundation's `UUID` does.
@Suite struct UUIDTextTests {
    @Test func agreesWithFoundation() {
        for _ in 0..<200 {
            let uuid = UUID()
            let u = uuid.uuid
            let bytes = [u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15]
            #expect(UUIDText.text(bytes) == uuid.uuidString.lowercased())
            #expect(UUIDText.bytes(uuid.uuidString) == bytes)
            #expect(UUIDText.bytes(uuid.uuidString.lowercased()) == bytes)
        }
    }

    @Test func randomOnesAreVersion4() {
        let ids = (0..<500).map { _ in UUIDText.random() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            #expect(UUID(uuidString: id)?.uuidString.lowercased() == id)
            let characters = Array(id)
            #expect(characters[14] == "4" && "89ab".contains(characters[19]))
        }
    }

    @Test func refusesWhatIsNotAUUID() {
        for text in ["", "1234abcd-12ab-34cd-56ef-1234567890a", "1234abcd-12ab-34cd-56ef-1234567890abc", "1234abcd+12ab-34cd-56ef-1234567890ab",
                     "1234abcg-12ab-34cd-56ef-1234567890ab", "mrk-1234abcd12ab34cd56ef1234567890ab", "1234abcd-12ab-34cd-56ef-1234567890é"] {
            #expect(UUIDText.bytes(text) == nil)
        }
        // A character that is not a hex digit, or a dash out of place, anywhere.
        let valid = "1234abcd-12ab-34cd-56ef-1234567890ab"
        for position in 0..<36 {
            for replacement in ["g", "-", "G", "/", ":", "@", "`", " "] where !(replacement == "-" && [8, 13, 18, 23].contains(position)) {
                var characters = Array(valid)
                characters[position] = Character(replacement)
                #expect(UUIDText.bytes(String(characters)) == nil, "\(String(characters))")
            }
        }
    }
}

extension UUIDTextTests {
    @Test func timeOrderedOnesSortByTime() {
        let start = Date(timeIntervalSince1970: 1_764_424_800)
        let ids = (0..<1_000).map { UUIDText.timeOrdered(now: start.addingTimeInterval(Double($0) * 0.002)) }
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let characters = Array(id)
            #expect(UUID(uuidString: id) != nil && characters[14] == "7" && "89ab".contains(characters[19]))
        }
        // The first 48 bits are the milliseconds.
        #expect(ids[0].hasPrefix("019acfe9-d700-7"))
        // Within one millisecond they are still distinct.
        #expect(Set((0..<1_000).map { _ in UUIDText.timeOrdered(now: start) }).count == 1_000)
    }
}
