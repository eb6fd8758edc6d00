import Foundation
import TrentCore
import TrentSync
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
/// Records stay in the file they were written to after they are moved: the live file is emptied
/// when everything written to it is in the database, and starts afresh (renamed aside, deleted once
/// its records are all in) only when it has grown past `rotationSize`. Creating a file per batch,
/// as the journal once did, cost ext4 a search among recently deleted inodes each time (about a
/// tenth of the flusher's CPU at 20,000 calls a second), with the journal's lock held.
///
/// One process owns a journal (an exclusive `flock` on `<journal>.lock`, held for its life);
/// other processes opening the same store (`trent audit lookup --store`, …) leave it alone.
final class AuditJournal: @unchecked Sendable {
    private let path: String
    private let rotationSize: Int
    private let lockFD: Int32
    private let lock = AdaptiveLock()
    private var fd: Int32
    /// The live file's generation; a rotated file keeps the generation it had while live.
    private var generation = 0
    private var liveBytes = 0
    /// Appends writing to the file now (outside the lock).
    private var writing = 0
    /// Records not yet taken, with their journal lines.
    private var pending: [Record] = []
    /// The generations of `pending`'s records, in runs (records are written in generation order).
    private var pendingRuns: [Run] = []
    /// Records written to each generation's file and not yet known to be in the database.
    private var uncommitted: [Int: Int] = [:]
    /// Rotated files by generation, deleted when none of their records is left uncommitted.
    private var rotatedFiles: [Int: String] = [:]

    struct Record {
        let event: AuditEvent
        /// The journal's line: the stored form, UTF-8 JSON (`AuditEvent.storageJSON`), and a
        /// line break (the one byte the store leaves out).
        let line: [UInt8]
    }
    /// `count` consecutive records written to the file of `generation`.
    struct Run: Equatable {
        let generation: Int
        var count: Int
    }
    private var rotation = 0
    /// Yields when records arrive in an empty journal: the flusher waits for that while the
    /// server is idle instead of looking every few milliseconds.
    let arrivals: AsyncStream<Void>
    private let arrived: AsyncStream<Void>.Continuation

    /// Takes the journal at `path` for this process; nil when another process holds it.
    init?(path: String, rotationSize: Int = 4 << 20) throws {
        self.path = path
        self.rotationSize = rotationSize
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
    func leftovers() -> [String] { Self.files(at: path) }

    /// The journal files at `path`: the rotated ones in the order they were rotated, then the live one.
    static func files(at path: String) -> [String] {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let rotated = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix(name + ".") && $0 != name + ".lock" }
            .sorted { (Int($0.dropFirst(name.count + 1)) ?? 0) < (Int($1.dropFirst(name.count + 1)) ?? 0) }
            .map { (directory as NSString).appendingPathComponent($0) }
        return rotated + [path]
    }

    /// Whether the journal files at `path` hold nothing that is not in the database yet, as far as
    /// another process can tell: the owner empties the live file and deletes a rotated one once
    /// all their records are in.
    static func isDrained(path: String) -> Bool {
        files(at: path).allSatisfy { file in
            var status = stat()
            return stat(file, &status) != 0 || status.st_size == 0
        }
    }

    /// The records of a journal file; a torn last line (a crash mid-write) is left out.
    static func records(in file: String) -> [Record] {
        guard let data = FileManager.default.contents(atPath: file) else { return [] }
        return data.split(separator: UInt8(ascii: "\n")).compactMap { line in
            (try? JSONValue.parse(line)).flatMap { try? AuditEvent(storageValue: $0) }.map { Record(event: $0, line: Array(String(decoding: line, as: UTF8.self).utf8) + [UInt8(ascii: "\n")]) }
        }
    }

    /// Appends records; returns once they are in the journal file. The file is written outside
    /// the lock (the event loops append side by side; holding it across `write(2)` made one loop
    /// wait for the other's system call, a futex sleep and a wake-up each time): `writing`
    /// counts the writes under way, and the file is neither emptied nor rotated while one is.
    /// The records join `pending` once written, so a file is never emptied under a record the
    /// database does not have yet.
    func append(_ events: [AuditEvent]) throws {
        // A call's one record is written as it was rendered; several are joined first.
        let records = events.map { Record(event: $0, line: $0.storageLine) }
        let bytes = records.count == 1 ? records[0].line : records.flatMap(\.line)
        let fd = startWriting()
        let failure = Self.writeAll(bytes, to: fd)
        finishWriting(records, bytes: bytes.count, failure: failure)
        if failure != 0 {
            throw StoreError(description: "cannot write the audit journal \(path): \(String(cString: strerror(failure)))")
        }
    }

    /// Counts a write under way; returns the file to write to (it stays open and live until the
    /// write is finished).
    func startWriting() -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        writing += 1
        return fd
    }

    /// The write is done: its records wait for the database unless it failed (`failure`, an errno).
    func finishWriting(_ records: [Record], bytes: Int, failure: Int32) {
        lock.lock()
        writing -= 1
        var wasEmpty = false
        if failure == 0 {
            wasEmpty = pending.isEmpty
            pending.append(contentsOf: records)
            Self.add(Run(generation: generation, count: records.count), to: &pendingRuns)
            uncommitted[generation, default: 0] += records.count
        }
        // What a failed write was to add counts too (part of it may be in the file).
        liveBytes += bytes
        lock.unlock()
        if wasEmpty { arrived.yield() }
    }

    /// Writes all of `bytes`; 0, or the errno of the failure.
    private static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Int32 {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return 0
        }
    }

    private static func add(_ run: Run, to runs: inout [Run]) {
        guard run.count > 0 else { return }
        if let last = runs.last, last.generation == run.generation {
            runs[runs.count - 1].count += run.count
        } else {
            runs.append(run)
        }
    }

    var isEmpty: Bool {
        lock.lock()
        defer { lock.unlock() }
        return pending.isEmpty
    }

    /// What `take()` hands over: records, and the generations of the files they are in.
    struct Taken {
        let records: [Record]
        let runs: [Run]
    }

    /// Takes the records waiting for the database (they stay in their files until `moved(_:)`
    /// says they are committed; `notMoved` gives them back). Rotates the live file first when it
    /// has grown past `rotationSize`.
    func take() -> Taken? {
        lock.lock()
        defer { lock.unlock() }
        guard !pending.isEmpty else { return nil }
        if liveBytes >= rotationSize, writing == 0 { rotate() }
        let taken = Taken(records: pending, runs: pendingRuns)
        pending = []
        pendingRuns = []
        return taken
    }

    /// Renames the live file aside and opens a fresh one (with the lock held). When that cannot
    /// be done the live file stays, and grows until the next attempt.
    private func rotate() {
        rotation += 1
        // Names that sort in the order rotated: milliseconds since 1970, then a counter.
        let rotated = path + ".\(Int(Date().timeIntervalSince1970 * 1000) * 1000 + rotation % 1000)"
        guard rename(path, rotated) == 0 else { return }
        guard let fresh = try? Self.openJournal(path) else {
            rename(rotated, path)
            return
        }
        close(fd)
        fd = fresh
        if uncommitted[generation, default: 0] > 0 {
            rotatedFiles[generation] = rotated
        } else {
            unlink(rotated)
        }
        generation += 1
        liveBytes = 0
    }

    /// The records taken are in the database: a file none of whose records is left out goes
    /// (a rotated one is deleted, the live one emptied).
    func moved(_ taken: Taken) {
        lock.lock()
        defer { lock.unlock() }
        for run in taken.runs {
            let left = uncommitted[run.generation, default: 0] - run.count
            guard left <= 0 else {
                uncommitted[run.generation] = left
                continue
            }
            uncommitted[run.generation] = nil
            if let file = rotatedFiles.removeValue(forKey: run.generation) {
                unlink(file)
            } else if run.generation == generation, liveBytes > 0, writing == 0 {
                ftruncate(fd, 0)
                liveBytes = 0
            }
        }
    }

    /// The records taken could not be committed: they wait for the next attempt, first (their
    /// files stay until then, for a restart to find).
    func notMoved(_ taken: Taken) {
        lock.lock()
        let wasEmpty = pending.isEmpty
        pending.insert(contentsOf: taken.records, at: 0)
        var runs: [Run] = []
        for run in taken.runs + pendingRuns { Self.add(run, to: &runs) }
        pendingRuns = runs
        lock.unlock()
        if wasEmpty { arrived.yield() }
    }

    /// The journal files there are now, live one last (tests).
    var files: [String] {
        lock.lock()
        defer { lock.unlock() }
        return rotatedFiles.sorted { $0.key < $1.key }.map(\.value) + [path]
    }

    /// Empties the live journal file (its records are in the database: start-up only).
    func truncateLive() {
        lock.lock()
        ftruncate(fd, 0)
        liveBytes = 0
        lock.unlock()
    }
}
