import Foundation
import Testing
import TrentCore
@testable import TrentStore

/// The server's SQLite store answers records of calls that change nothing from its audit journal:
/// nothing is lost across a crash, nothing is stored twice, and the order of calls is kept.
@Suite struct AuditJournalTests {
    static func path() throws -> String {
        let directory = NSTemporaryDirectory() + "trent-journal-\(UUID())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory + "/trent.sqlite"
    }

    static func event(_ name: String = "Encrypt") -> AuditEvent {
        AuditEvent(
            eventID: UUID().uuidString.lowercased(), eventTime: Date(timeIntervalSince1970: 1_800_000_000), eventName: name, eventType: .apiCall,
            account: "111122223333", region: "us-east-1", requestID: UUID().uuidString, sourceIPAddress: "127.0.0.1", userAgent: "t",
            accessKeyID: "AKID", readOnly: true, requestParameters: .object(["keyId": .string("k")]), responseElements: nil,
            resourceARNs: [], errorCode: nil, errorMessage: nil, keyID: "k"
        )
    }

    static func all(_ store: SQLiteKeyStore) async throws -> [SequencedAuditEvent] {
        try await store.read { try $0.auditEvents(afterSequence: 0, limit: 10_000) }
    }

    @Test func recordsAreReadableAtOnceAndKeepTheOrderOfCalls() async throws {
        let store = try SQLiteKeyStore(path: try Self.path(), journaled: true)
        #expect(store.appendsAuditEventsAtOnce)
        let first = Self.event(), second = Self.event("CreateKey"), third = Self.event()
        try await store.appendAuditEvents([first])
        try await store.write { tx in try tx.append(second) }  // a state change after the first call
        try await store.appendAuditEvents([third])
        let stored = try await Self.all(store)
        #expect(stored.map(\.event.eventID) == [first, second, third].map(\.eventID))
        #expect(stored.map(\.sequence) == stored.map(\.sequence).sorted())
    }

    /// With nothing in the journal its flusher sleeps (it used to look every interval, idle or
    /// not); a record that arrives is still moved in without anything reading audit records.
    @Test func anIdleJournalLetsTheFlusherSleep() async throws {
        let path = try Self.path()
        let store = try SQLiteKeyStore(path: path, journaled: true, journalFlushInterval: .milliseconds(5))
        try await Task.sleep(for: .milliseconds(200))
        #expect(store.flusherWakes.load(ordering: .relaxed) == 0)
        let event = Self.event()
        try await store.appendAuditEvents([event])
        let rows = try SQLiteKeyStore(path: path)  // the database file alone, without the journal
        var moved: [SequencedAuditEvent] = []
        for _ in 0..<400 where moved.isEmpty {
            try await Task.sleep(for: .milliseconds(5))
            moved = try await Self.all(rows)
        }
        #expect(moved.map(\.event.eventID) == [event.eventID])
        let wakes = store.flusherWakes.load(ordering: .relaxed)
        #expect(wakes >= 1)
        try await Task.sleep(for: .milliseconds(200))
        #expect(store.flusherWakes.load(ordering: .relaxed) <= wakes + 1)
    }

    @Test func whatACrashLeftInTheJournalIsMovedInOnceAtStart() async throws {
        let path = try Self.path()
        let alreadyIn = Self.event(), onlyJournaled = Self.event(), rotated = Self.event()
        do {
            let store = try SQLiteKeyStore(path: path)
            try await store.write { tx in try tx.append(alreadyIn) }
        }
        func line(_ event: AuditEvent) -> Data { Data(event.storageJSON) + Data("\n".utf8) }
        // A rotated journal whose records were moved in just before the crash (one of them), and
        // the live journal with a torn last line.
        try (line(alreadyIn) + line(rotated)).write(to: URL(fileURLWithPath: path + "-audit.journal.1700000000000001"))
        try (line(onlyJournaled) + Data(#"{"eventID":"torn","eventT"#.utf8)).write(to: URL(fileURLWithPath: path + "-audit.journal"))
        let store = try SQLiteKeyStore(path: path, journaled: true)
        let ids = try await Self.all(store).map(\.event.eventID)
        #expect(ids.sorted() == [alreadyIn, onlyJournaled, rotated].map(\.eventID).sorted())
        let left = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
            .filter { $0.contains("-audit.journal") && !$0.hasSuffix(".lock") }
        #expect(left == ["trent.sqlite-audit.journal"])
        #expect(FileManager.default.contents(atPath: path + "-audit.journal")?.isEmpty == true)
    }

    @Test func recordsWrittenToTheJournalSurviveTheProcess() async throws {
        let path = try Self.path()
        let events = (0..<50).map { _ in Self.event() }
        // The journal file is what survives a killed process: read it as a restart would.
        let store = try SQLiteKeyStore(path: path, journaled: true)
        try await store.appendAuditEvents(events)
        let journaled = AuditJournal.records(in: path + "-audit.journal").map(\.event)
        let stored = try await Self.all(store).map(\.event.eventID)
        // Either still in the journal or already moved in by the flusher: every one, once.
        #expect(Set(journaled.map(\.eventID)).union(stored) == Set(events.map(\.eventID)))
        #expect(stored.count == Set(stored).count)
    }

    static func journalFiles(_ path: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
            .filter { $0.contains("-audit.journal") && !$0.hasSuffix(".lock") }.sorted()
    }

    static func ids(in file: String) -> [String] { AuditJournal.records(in: file).map(\.event.eventID) }

    /// Batch after batch goes through one file: records moved stay in it (a restart would move
    /// them again, kept once) until everything written there is in, and then it is emptied.
    @Test func movedRecordsStayInTheLiveFileUntilAllOfItIsIn() throws {
        let path = try Self.path() + "-audit.journal"
        let journal = try #require(try AuditJournal(path: path))
        let first = (0..<3).map { _ in Self.event() }, second = (0..<2).map { _ in Self.event() }
        try journal.append(first)
        let a = try #require(journal.take())
        #expect(a.records.map(\.event) == first)
        try journal.append(second)
        journal.moved(a)
        #expect(Self.ids(in: path) == (first + second).map(\.eventID))
        let b = try #require(journal.take())
        #expect(b.records.map(\.event) == second)
        journal.moved(b)
        #expect(FileManager.default.contents(atPath: path)?.isEmpty == true)
        #expect(try Self.journalFiles(path) == ["trent.sqlite-audit.journal"])
        try journal.append(first)
        #expect(Self.ids(in: path) == first.map(\.eventID))  // appended at the start again
    }

    /// A live file past its size is renamed aside when records are taken; each rotated file is
    /// deleted once all its records are in, whatever the order batches are committed or given back.
    @Test func fullFilesAreRotatedAndDeletedOnceTheirRecordsAreIn() throws {
        let path = try Self.path() + "-audit.journal"
        let journal = try #require(try AuditJournal(path: path, rotationSize: 1))
        let events = (0..<6).map { _ in Self.event() }
        try journal.append(Array(events[0..<2]))
        let a = try #require(journal.take())  // rotates: the two records are in the first rotated file
        try journal.append([events[2]])
        let b = try #require(journal.take())  // and the third in the second
        let rotated = journal.files.dropLast()
        #expect(rotated.count == 2)
        #expect(rotated.map(Self.ids(in:)) == [events[0..<2].map(\.eventID), [events[2].eventID]])
        #expect(Self.ids(in: path).isEmpty)
        journal.moved(b)
        #expect(journal.files.dropLast() == [rotated.first!])
        #expect(!FileManager.default.fileExists(atPath: rotated.last!))
        // A batch given back keeps its file; taken again with later records, both files go when it is in.
        journal.notMoved(a)
        try journal.append(Array(events[3..<6]))
        let c = try #require(journal.take())
        #expect(c.records.map(\.event) == [events[0], events[1], events[3], events[4], events[5]])
        #expect(c.runs.map(\.count) == [2, 3])
        #expect(journal.files.count == 3)
        journal.moved(c)
        #expect(journal.files == [path])
        #expect(try Self.journalFiles(path) == ["trent.sqlite-audit.journal"])
    }

    /// The file is written outside the journal's lock (the event loops write side by side): while
    /// a write is under way the live file is neither emptied nor rotated, even when everything
    /// taken from it is in the database, and the written records wait for the database only once
    /// the write is finished.
    @Test func aWriteUnderWayKeepsTheLiveFile() throws {
        let path = try Self.path() + "-audit.journal"
        let journal = try #require(try AuditJournal(path: path, rotationSize: 1))
        let first = Self.event(), second = Self.event()
        try journal.append([first])
        let fd = journal.startWriting()
        let a = try #require(journal.take())  // past its size, but a write is under way: not rotated
        #expect(journal.files == [path])
        let line = second.storageLine
        #expect(line.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) } == line.count)
        journal.moved(a)  // all taken is in, but the second record is being written: not emptied
        #expect(Self.ids(in: path) == [first, second].map(\.eventID))
        #expect(journal.take() == nil)  // not waiting for the database until the write is finished
        journal.finishWriting([AuditJournal.Record(event: second, line: line)], bytes: line.count, failure: 0)
        let b = try #require(journal.take())  // rotated now
        #expect(b.records.map(\.event) == [second])
        let rotated = try #require(journal.files.first)
        #expect(rotated != path)
        #expect(Self.ids(in: rotated) == [first, second].map(\.eventID))
        journal.moved(b)
        #expect(journal.files == [path])
        #expect(!FileManager.default.fileExists(atPath: rotated))
    }

    /// Event loops appending side by side while batches are taken and moved: every record is
    /// taken once, and when all are in, the journal's file is empty.
    @Test func concurrentAppendsAreEachTakenOnce() async throws {
        let path = try Self.path() + "-audit.journal"
        let journal = try #require(try AuditJournal(path: path, rotationSize: 16 << 10))
        let events = (0..<2_000).map { _ in Self.event() }
        var taken: [String] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            for part in 0..<4 {
                group.addTask { for event in events[(part * 500)..<(part * 500 + 500)] { try journal.append([event]) } }
            }
            while taken.count < events.count {
                if let batch = journal.take() {
                    taken += batch.records.map(\.event.eventID)
                    journal.moved(batch)
                } else {
                    await Task.yield()
                }
            }
            try await group.waitForAll()
        }
        #expect(taken.sorted() == events.map(\.eventID).sorted())
        #expect(journal.files == [path])
        #expect(FileManager.default.contents(atPath: path)?.isEmpty == true)
    }

    /// Under steady calls the store's journal stays one file, the same one (no file is created),
    /// however many batches it moves in.
    @Test func aBusyStoreKeepsOneJournalFile() async throws {
        let path = try Self.path()
        let store = try SQLiteKeyStore(path: path, journaled: true, journalFlushInterval: .seconds(3600))
        func inode() throws -> Int { try #require(FileManager.default.attributesOfItem(atPath: path + "-audit.journal")[.systemFileNumber] as? Int) }
        let first = try inode()
        for _ in 0..<20 {
            try await store.appendAuditEvents((0..<5).map { _ in Self.event() })
            try await store.flushJournal()
            try await store.appendAuditEvents([Self.event("GenerateMac")])
            #expect(try Self.journalFiles(path) == ["trent.sqlite-audit.journal"])
            #expect(try inode() == first)
        }
        try await store.flushJournal()
        #expect(try await Self.all(store).count == 120)
        #expect(FileManager.default.contents(atPath: path + "-audit.journal")?.isEmpty == true)
    }

    /// Another process reading the store (`trent audit lookup`) waits for what the owner's journal
    /// holds to go in, or tells it could not: without the wait it missed the last calls' records.
    @Test func readersOfAnotherProcessWaitForTheJournal() async throws {
        let path = try Self.path()
        let owner = try SQLiteKeyStore(path: path, journaled: true, journalFlushInterval: .seconds(3600))
        #expect(await SQLiteKeyStore.waitForJournal(ofStoreAt: path, timeout: .zero))
        let event = Self.event()
        try await owner.appendAuditEvents([event])
        #expect(!(await SQLiteKeyStore.waitForJournal(ofStoreAt: path, timeout: .milliseconds(30))))
        let flushed = Task {
            try await Task.sleep(for: .milliseconds(20))
            try await owner.flushJournal()
        }
        #expect(await SQLiteKeyStore.waitForJournal(ofStoreAt: path, timeout: .seconds(10)))
        #expect(try await Self.all(try SQLiteKeyStore(path: path)).map(\.event.eventID) == [event.eventID])
        try await flushed.value
        // A rotated file still waiting counts too.
        let rotating = try #require(try AuditJournal(path: try Self.path() + "-audit.journal", rotationSize: 1))
        try rotating.append([Self.event()])
        let taken = try #require(rotating.take())
        #expect(rotating.files.count == 2)
        #expect(!AuditJournal.isDrained(path: rotating.files.last!))
        rotating.moved(taken)
        #expect(AuditJournal.isDrained(path: rotating.files.last!))
    }

    @Test func oneProcessOwnsTheJournal() async throws {
        let path = try Self.path()
        let owner = try SQLiteKeyStore(path: path, journaled: true)
        let other = try SQLiteKeyStore(path: path, journaled: true)
        #expect(owner.appendsAuditEventsAtOnce)
        #expect(!other.appendsAuditEventsAtOnce)  // flock is per open file: a second opener stays out
        let event = Self.event()
        try await other.appendAuditEvents([event])
        #expect(try await Self.all(owner).map(\.event.eventID) == [event.eventID])
    }

    /// Delivery reads undelivered events; those this process just moved in come from memory, in
    /// order, the same events; what memory had no room for (the newest) is read from the rows.
    @Test func deliveryTakesJustMovedEventsFromMemory() async throws {
        let store = try SQLiteKeyStore(path: try Self.path(), journaled: true, recentAuditEvents: 3)
        let events = (0..<5).map { _ in Self.event() }
        for event in events { try await store.appendAuditEvents([event]) }
        try await store.flushJournal()
        #expect(store.recentEvents.count == 3)
        // Rows changed behind the store's back show which events were read from the database.
        try await store.write { tx in
            try (tx as! SQLiteTransaction).db.execute(sql: "UPDATE audit_events SET body = replace(body, '\"userAgent\":\"t\"', '\"userAgent\":\"row\"')")
        }
        let pending = try await store.read { try $0.undeliveredAuditEvents(limit: 10) }
        #expect(pending.map(\.event.eventID) == events.map(\.eventID))
        #expect(pending.map(\.event.userAgent) == ["t", "t", "t", "row", "row"])
        #expect(store.recentEvents.count == 0)
        // Once taken they are gone from memory: a second read (a delivery that failed) reads the rows.
        let again = try await store.read { try $0.undeliveredAuditEvents(limit: 10) }
        #expect(again.map(\.event.userAgent) == Array(repeating: "row", count: 5))
    }

    /// A batch goes in several records to a statement: each moved record gets the sequence
    /// number of its own row (delivery takes them from memory by that number), including when
    /// some of them were in the store already (moved before a crash) and are left as they were.
    @Test func recordsMovedManyToAStatementKeepTheirOwnNumbers() async throws {
        for count in [1, 7, 8, 9, 33, 45] {
            let store = try SQLiteKeyStore(path: try Self.path(), journaled: true)
            let events = (0..<count).map { _ in Self.event() }
            let already = Set([0, 5, 20, 39].filter { $0 < count }.map { events[$0].eventID })
            try await store.write { tx in for event in events where already.contains(event.eventID) { try tx.append(event, delivered: false) } }
            try await store.appendAuditEvents(events)
            try await store.flushJournal()
            let rows = try await Self.all(store)
            #expect(rows.map(\.event.eventID) == events.filter { already.contains($0.eventID) }.map(\.eventID) + events.filter { !already.contains($0.eventID) }.map(\.eventID))
            let pending = try await store.read { try $0.undeliveredAuditEvents(limit: 100) }
            #expect(pending.map(\.sequence) == rows.map(\.sequence))
            #expect(pending.map(\.event) == rows.map(\.event), "\(count) records")
        }
    }

    /// Memory holds at most `capacity` events, the oldest (delivery takes those first): the
    /// newest wait in the database, and there is room again as delivery takes events.
    @Test func recentEventsAreBoundedAndKeepTheOldest() {
        let recent = RecentAuditEvents(capacity: 100)
        var sequences: [Int64] = []
        for batch in 0..<25 {
            let moved = (0..<40).map { n in SequencedAuditEvent(sequence: Int64(batch * 40 + n + 1), event: Self.event()) }
            sequences += moved.map(\.sequence)
            recent.remember(moved)
            #expect(recent.count <= 100)
        }
        #expect(recent.take(sequences.last!) == nil)
        #expect(recent.take(sequences[100]) == nil)
        #expect(recent.take(sequences[0]) != nil)
        #expect(recent.take(sequences[0]) == nil)  // taken once
        #expect(recent.take(sequences[99]) != nil)
        #expect(recent.count == 98)
        let later = SequencedAuditEvent(sequence: 5_000, event: Self.event())
        recent.remember([later])
        #expect(recent.take(5_000) == later.event)
        #expect(RecentAuditEvents(capacity: 0).count == 0)
    }

    /// Under a backlog larger than memory holds, delivery still finds the oldest events there:
    /// with the oldest pushed out instead, every event delivered was read back from its row.
    @Test func aBacklogLargerThanMemoryIsDeliveredFromMemoryFirst() async throws {
        let store = try SQLiteKeyStore(path: try Self.path(), journaled: true, journalFlushInterval: .seconds(3600), recentAuditEvents: 10)
        let events = (0..<25).map { _ in Self.event() }
        for chunk in stride(from: 0, to: 25, by: 5) {
            try await store.appendAuditEvents(Array(events[chunk..<chunk + 5]))
            try await store.flushJournal()
        }
        try await store.write { tx in
            try (tx as! SQLiteTransaction).db.execute(sql: "UPDATE audit_events SET body = replace(body, '\"userAgent\":\"t\"', '\"userAgent\":\"row\"')")
        }
        let first = try await store.read { try $0.undeliveredAuditEvents(limit: 10) }
        #expect(first.map(\.event.eventID) == events[..<10].map(\.eventID))
        #expect(first.allSatisfy { $0.event.userAgent == "t" })
    }

    /// Events remembered but delivered without being taken (by another process) are forgotten
    /// once delivery finds an older one no longer waiting, and their room is free again.
    @Test func eventsDeliveredElsewhereAreForgotten() async throws {
        let store = try SQLiteKeyStore(path: try Self.path(), journaled: true, journalFlushInterval: .seconds(3600), recentAuditEvents: 10)
        try await store.appendAuditEvents((0..<6).map { _ in Self.event() })
        try await store.flushJournal()
        let rows = try await Self.all(store)
        try await store.write { tx in try tx.markDelivered(auditSequences: rows.prefix(4).map(\.sequence)) }
        #expect(store.recentEvents.count == 6)
        let pending = try await store.read { try $0.undeliveredAuditEvents(limit: 1) }
        #expect(pending.map(\.sequence) == [rows[4].sequence])
        #expect(store.recentEvents.count == 1)
    }

    @Test func deliveryMarksGoInRunsOfConsecutiveNumbers() {
        #expect(SQLiteTransaction.consecutiveRuns([]) == [])
        #expect(SQLiteTransaction.consecutiveRuns([7]) == [7...7])
        #expect(SQLiteTransaction.consecutiveRuns([5, 3, 4, 9, 10, 12, 4]) == [3...5, 9...10, 12...12])
        #expect(SQLiteTransaction.consecutiveRuns(Array(1...1000)) == [1...1000])
    }

    /// Records moved from the journal land in every column lookups read (name, key, time, event
    /// id), a record without a key with a NULL key, and the stored body whole, whatever its
    /// characters (bound by length, not copied).
    @Test func movedRecordsAreFoundByEveryLookupCondition() async throws {
        let path = try Self.path()
        var keyless = Self.event("ListKeys")
        keyless.keyID = nil
        keyless.userAgent = "agent/1.0 (ünïcødé — 鍵)"
        var later = Self.event("Decrypt")
        later.eventTime = Date(timeIntervalSince1970: 1_800_000_100)
        let events = [Self.event(), keyless, later]
        do {
            let store = try SQLiteKeyStore(path: path, journaled: true)
            try await store.appendAuditEvents(events)
            try await store.flushJournal()
        }
        let store = try SQLiteKeyStore(path: path)  // the rows alone, read back from the file
        func ids(_ query: AuditQuery) async throws -> [String] { try await store.read { try $0.auditEvents(query) }.map(\.eventID) }
        #expect(try await Self.all(store).map(\.event) == events)
        #expect(try await ids(AuditQuery(eventName: "ListKeys")) == [keyless.eventID])
        #expect(try await ids(AuditQuery(keyID: "k")) == [events[0].eventID, later.eventID])
        #expect(try await ids(AuditQuery(from: Date(timeIntervalSince1970: 1_800_000_050))) == [later.eventID])
        #expect(try await ids(AuditQuery(eventID: keyless.eventID)) == [keyless.eventID])
        #expect(try await ids(AuditQuery(afterEventID: events[0].eventID)) == [keyless.eventID, later.eventID])
    }

    /// A state change's own record, written in its transaction, waits for delivery like the
    /// journaled ones and is delivered once, in sequence order, with them.
    @Test func stateChangeRecordsAreDeliveredWithJournaledOnes() async throws {
        let store = try SQLiteKeyStore(path: try Self.path(), journaled: true)
        let read = Self.event(), change = Self.event("CreateKey"), later = Self.event()
        try await store.appendAuditEvents([read])
        try await store.write { tx in try tx.append(change) }
        try await store.appendAuditEvents([later])
        try await store.flushJournal()
        let pending = try await store.read { try $0.undeliveredAuditEvents(limit: 10) }
        #expect(pending.map(\.event) == [read, change, later])
        try await store.write { tx in try tx.markDelivered(auditSequences: pending.map(\.sequence)) }
        #expect(try await store.read { try $0.undeliveredAuditEvents(limit: 10) }.isEmpty)
    }
}
