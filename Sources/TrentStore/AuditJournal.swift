import Foundation
import TrentCore
#if canImport(Glibc)
import Glibc
#endif

/// The audit records of calls that change nothing, on their way into the SQLite store: each is
/// appended to a journal file (one JSON line, `write(2)`, no fsync) before its call is answered,
/// and moved into the database in batches, in the same transaction as the next state change or
/// by the store's flusher a few milliseconds later. A record in the journal survives a crash of
/// the process (it is in the operating system's cache): the next start moves what is left into
/// the database (event ids are unique, so a record moved twice is kept once).
///
/// One process owns a journal (an exclusive `flock` on `<journal>.lock`, held for its life);
/// other processes opening the same store (`trent audit lookup --store`, …) leave it alone.
final class AuditJournal: @unchecked Sendable {
    private let path: String
    private let lockFD: Int32
    private let lock = NSLock()
    private var fd: Int32
    /// Records not yet in the database, with their stored form (the journal line without its newline).
    private var pending: [Record] = []

    struct Record {
        let event: AuditEvent
        /// The stored form: UTF-8 JSON (`AuditEvent.storageJSON`), as written to the journal.
        let body: [UInt8]
    }
    /// Rotated files whose records failed to reach the database (still pending).
    private var unmovedFiles: [String] = []
    private var rotation = 0
    /// Yields when records arrive in an empty journal: the flusher waits for that while the
    /// server is idle instead of looking every few milliseconds.
    let arrivals: AsyncStream<Void>
    private let arrived: AsyncStream<Void>.Continuation

    /// Takes the journal at `path` for this process; nil when another process holds it.
    init?(path: String) throws {
        self.path = path
        let lockFD = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockFD >= 0 else { throw StoreError(description: "cannot open \(path).lock: \(String(cString: strerror(errno)))") }
        guard flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            close(lockFD)
            return nil
        }
        self.lockFD = lockFD
        (arrivals, arrived) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
        fd = -1
        fd = try Self.openJournal(path)
    }

    deinit {
        arrived.finish()
        close(fd)
        close(lockFD)
    }

    private static func openJournal(_ path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError(description: "cannot open the audit journal \(path): \(String(cString: strerror(errno)))") }
        return fd
    }

    /// Journal files left by an earlier run of this process's store (the live one and rotated
    /// ones), oldest first.
    func leftovers() -> [String] {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let rotated = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix(name + ".") && $0 != name + ".lock" }
            .sorted { (Int($0.dropFirst(name.count + 1)) ?? 0) < (Int($1.dropFirst(name.count + 1)) ?? 0) }
            .map { (directory as NSString).appendingPathComponent($0) }
        return rotated + [path]
    }

    /// The records of a journal file; a torn last line (a crash mid-write) is left out.
    static func records(in file: String) -> [Record] {
        guard let data = FileManager.default.contents(atPath: file) else { return [] }
        return data.split(separator: UInt8(ascii: "\n")).compactMap { line in
            (try? JSONValue.parse(line)).flatMap { try? AuditEvent(storageValue: $0) }.map { Record(event: $0, body: Array(String(decoding: line, as: UTF8.self).utf8)) }
        }
    }

    /// Appends records; returns once they are in the journal file.
    func append(_ events: [AuditEvent]) throws {
        var bytes: [UInt8] = []
        var records: [Record] = []
        records.reserveCapacity(events.count)
        for event in events {
            let json = event.storageJSON
            bytes.append(contentsOf: json)
            bytes.append(UInt8(ascii: "\n"))
            records.append(Record(event: event, body: json))
        }
        lock.lock()
        var wasEmpty = false
        defer {
            lock.unlock()
            if wasEmpty { arrived.yield() }
        }
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw StoreError(description: "cannot write the audit journal \(path): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
        wasEmpty = pending.isEmpty
        pending.append(contentsOf: records)
    }

    var isEmpty: Bool {
        lock.lock()
        defer { lock.unlock() }
        return pending.isEmpty
    }

    /// What `take()` hands over: records, and the files they are in.
    struct Taken {
        let records: [Record]
        let files: [String]
    }

    /// Takes the records waiting for the database and starts a new journal file; the files they
    /// are in are deleted by `moved(_:)` once they are committed, or kept by `notMoved`.
    func take() throws -> Taken? {
        lock.lock()
        defer { lock.unlock() }
        guard !pending.isEmpty else { return nil }
        rotation += 1
        // Names that sort in the order taken: milliseconds since 1970, then a counter.
        let rotated = path + ".\(Int(Date().timeIntervalSince1970 * 1000) * 1000 + rotation % 1000)"
        guard rename(path, rotated) == 0 else {
            throw StoreError(description: "cannot rotate the audit journal \(path): \(String(cString: strerror(errno)))")
        }
        let fresh = try Self.openJournal(path)
        close(fd)
        fd = fresh
        let taken = Taken(records: pending, files: unmovedFiles + [rotated])
        pending = []
        unmovedFiles = []
        return taken
    }

    /// The records taken are in the database.
    func moved(_ taken: Taken) {
        for file in taken.files { unlink(file) }
    }

    /// The records taken could not be committed: they wait for the next attempt (their files
    /// stay until then, for a restart to find).
    func notMoved(_ taken: Taken) {
        lock.lock()
        let wasEmpty = pending.isEmpty
        pending.insert(contentsOf: taken.records, at: 0)
        unmovedFiles = taken.files + unmovedFiles
        lock.unlock()
        if wasEmpty { arrived.yield() }
    }

    /// Empties the live journal file (its records are in the database: start-up only).
    func truncateLive() {
        lock.lock()
        ftruncate(fd, 0)
        lock.unlock()
    }
}
