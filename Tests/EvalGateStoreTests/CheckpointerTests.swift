@testable import EvalGateStore
import Foundation
import Synchronization
import TestSupport
import Testing

@Suite struct CheckpointerTests {
    /// A WAL database of 4 KiB pages, its checkpoints handed to a `Checkpointer`.
    private static func open(_ path: String, step: Int32, cap: Int32) throws -> Database {
        let database = try Database(path: path, mode: .readWriteCreate)
        try database.execute("PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
        try database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
        database.checkpointInBackground(step: step, cap: cap)
        return database
    }

    /// 80 transactions of 5 rows of 3,000 bytes: about 600 frames through the log. Returns the
    /// largest the log file grew.
    private static func write(_ database: Database, path: String) throws -> Int {
        var largest = 0
        for _ in 0..<80 {
            try database.writeTransaction {
                for _ in 0..<5 { try database.execute("INSERT INTO t (body) VALUES (randomblob(3000))") }
            }
            largest = max(largest, ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int) ?? 0)
        }
        return largest
    }

    private static func expectWholeAndLogGone(_ path: String) async throws {
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        let check = try await ProcessRunner.tool("sqlite3", [path, "SELECT COUNT(*) FROM t; PRAGMA integrity_check;"])
        #expect(check.stdout == "400\nok\n")
    }

    @Test func commitsAskTheThreadForCheckpointsAndItMakesThem() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.url.appendingPathComponent("wal.sqlite").path
        var database: Database? = try Self.open(path, step: 20, cap: .max)
        let checkpointer = try #require(database?.checkpointer)
        _ = try Self.write(try #require(database), path: path)
        let deadline = ContinuousClock.now + .seconds(30)
        while checkpointer.completed.load(ordering: .relaxed) == 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(checkpointer.completed.load(ordering: .relaxed) > 0)
        database = nil  // the thread's connection closes, then the writer's, the last: it removes the log
        try await Self.expectWholeAndLogGone(path)
    }

    /// A log is only started over when a write finds it wholly copied, and a run's results
    /// trickle in while the thread copies. Once the thread is idle, the next commits start the log
    /// over: either it was wholly copied, or the writer copies the few frames left.
    @Test func onceTheThreadIsIdleTheNextCommitsStartTheLogOver() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.url.appendingPathComponent("wal.sqlite").path
        var database: Database? = try Self.open(path, step: 20, cap: .max)
        let writer = try #require(database)
        let checkpointer = try #require(writer.checkpointer)
        func insert(_ rows: Int) throws {
            try writer.writeTransaction {
                for _ in 0..<rows { try writer.execute("INSERT INTO t (body) VALUES (randomblob(3000))") }
            }
        }
        for _ in 0..<6 { try insert(5) }  // past the step: the thread is asked to copy
        let deadline = ContinuousClock.now + .seconds(30)
        while !(checkpointer.completed.load(ordering: .relaxed) > 0 && checkpointer.isIdle) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(checkpointer.isIdle)
        try insert(1)
        try insert(1)
        let log = try writer.prepare("PRAGMA wal_checkpoint(PASSIVE)")
        #expect(try log.step())
        let frames = try #require(log.int(1))
        #expect(frames > 0 && frames < 20, "the log holds \(frames) frames")
        database = nil
        _ = database
    }

    @Test func theWriterCopiesWhatTheThreadLeftOnlyWhenItIsFewAndTheThreadIsIdle() {
        func action(_ frames: Int32, copied: Int32, idle: Bool = true) -> Checkpointer.Action {
            Checkpointer.action(frames: frames, copied: copied, idle: idle, step: 1000, cap: 4000, rest: 256)
        }
        #expect(action(10, copied: 0) == .none)
        #expect(action(1000, copied: 0) == .ask)
        #expect(action(1100, copied: 1000) == .finish)
        #expect(action(1100, copied: 1000, idle: false) == .none)
        #expect(action(1300, copied: 1000) == .none, "too many left: the thread copies them")
        #expect(action(2100, copied: 1000) == .ask)
        #expect(action(4000, copied: 1000) == .capped)
        #expect(action(4000, copied: 3900) == .finish)
    }

    /// With no checkpoint asked of the thread, the log would take all 600 frames.
    @Test func aWriterThatOutrunsTheThreadCheckpointsItselfAtTheCap() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.url.appendingPathComponent("wal.sqlite").path
        let cap: Int32 = 80
        var database: Database? = try Self.open(path, step: .max, cap: cap)
        let largest = try Self.write(try #require(database), path: path)
        // The cap, and the transaction that crossed it (12 frames is more than one writes).
        #expect(largest <= 32 + (Int(cap) + 12) * (4096 + 24))
        #expect(database?.checkpointer?.completed.load(ordering: .relaxed) == 0)
        database = nil
        try await Self.expectWholeAndLogGone(path)
    }

    @Test func aStoreHandsItsCheckpointsToTheThread() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.url.appendingPathComponent("runs.sqlite").path
        let store = try await RunStore.open(path: path, role: .runs)
        let handed = try await store.database.perform { $0.checkpointer != nil }
        #expect(handed)
        await store.close()
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }
}
