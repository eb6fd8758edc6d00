import Testing
@testable import TrentServer

@Suite struct AuditLogRollerTests {
    @Test func looksSoonAfterARollAndWhileRecordsArriveQuickly() {
        let interval = Duration.seconds(300)
        #expect(AuditLogRoller.pause(rolled: true, arriving: false, interval: interval) == .milliseconds(50))
        #expect(AuditLogRoller.pause(rolled: false, arriving: true, interval: interval) == .milliseconds(50))
        #expect(AuditLogRoller.pause(rolled: false, arriving: false, interval: interval) == .milliseconds(250))
        #expect(AuditLogRoller.pause(rolled: false, arriving: false, interval: .milliseconds(100)) == .milliseconds(100))
    }

    /// At 4,000 records a roll, 600 more in 50 ms (12,000 calls a second) keeps the roller looking
    /// every 50 ms; a trickle lets it wait: what waits between two looks stays far below the 8,192
    /// events delivery remembers.
    @Test func quickArrivalsAreAnEighthOfARollBetweenLooks() {
        #expect(AuditLogRoller.arriving(pending: 1_100, before: 500, maximumRecords: 4_000))
        #expect(!AuditLogRoller.arriving(pending: 900, before: 500, maximumRecords: 4_000))
        #expect(!AuditLogRoller.arriving(pending: 3, before: 0, maximumRecords: 4_000))
        #expect(!AuditLogRoller.arriving(pending: 0, before: 3_900, maximumRecords: 4_000))
    }
}
