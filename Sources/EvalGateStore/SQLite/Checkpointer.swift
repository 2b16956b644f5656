import CSQLite
import Foundation
import Synchronization

/// Copies a WAL database's log into the database file on a thread and connection of its own.
///
/// SQLite's automatic checkpoint runs on the connection that committed, after the commit: the
/// thread storing results stopped every thousand pages to copy them again and sync both files,
/// a quarter of its time in the store benchmark. Here a commit only asks this thread for a
/// passive checkpoint, which runs beside the next transactions (SQLite lets one checkpointer
/// and one writer work at once). A writer that outruns it checkpoints itself once the log reaches
/// `cap` frames, after this thread's checkpoint ends, so the log stays bounded; the checkpoint the
/// writer then makes copies only what this thread has not.
final class Checkpointer: @unchecked Sendable {
    // @unchecked: `requested`, `stopping` and `checkpointing` are guarded by `wake`; the counts
    // are atomic.
    /// Frames added to the log since the last checkpoint before another is asked for: SQLite's
    /// own automatic checkpoint interval.
    static let step: Int32 = 1000
    /// Frames in the log at which the committing connection checkpoints itself (64 MiB of
    /// 16 KiB pages).
    static let cap: Int32 = 4000

    private let wake = NSCondition()
    private var requested = false
    private var stopping = false
    private var checkpointing = false
    private let finished = DispatchSemaphore(value: 0)
    /// Frames of the log copied by the last checkpoint, as SQLite counted them.
    private let backfilled = Atomic<Int32>(0)
    /// Checkpoints this thread has made.
    let completed = Atomic<Int>(0)
    private let step: Int32
    private let cap: Int32

    /// Opens a second connection to `path` on a new thread.
    ///
    /// - Throws: the `StoreError` opening it met; the caller then keeps SQLite's checkpoint.
    init(path: String, step: Int32 = Checkpointer.step, cap: Int32 = Checkpointer.cap) throws(StoreError) {
        self.step = step
        self.cap = cap
        let opened = DispatchSemaphore(value: 0)
        let failure = Mutex<StoreError?>(nil)
        let thread = Thread { [self] in
            var connection: Database?
            do throws(StoreError) {
                connection = try Database(path: path, mode: .readWriteCreate)
                try connection?.execute("PRAGMA synchronous = NORMAL")
            } catch {
                connection = nil
                failure.withLock { $0 = error }
                opened.signal()
                finished.signal()
                return
            }
            opened.signal()
            if let connection { run(connection) }
            connection = nil  // closed before `stop()` returns, so the writer's close is the last
            finished.signal()
        }
        thread.name = "evalgate.checkpoint"
        thread.start()
        opened.wait()
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Called on the writer's thread after each commit, with the frames now in the log.
    func committed(_ writer: OpaquePointer, schema: UnsafePointer<CChar>, frames: Int32) -> Int32 {
        var copied = backfilled.load(ordering: .relaxed)
        if frames < copied { copied = 0 }  // the log has been restarted since
        if frames >= cap {
            // Waits for a checkpoint of this thread to end (its lock would make this one return
            // at once, copying nothing) so that the log is whole copied and restarts next commit.
            wake.lock()
            while checkpointing { wake.wait() }
            wake.unlock()
            sqlite3_wal_checkpoint(writer, schema)
            backfilled.store(frames, ordering: .relaxed)
        } else if frames - copied >= step {
            wake.lock()
            requested = true
            wake.broadcast()
            wake.unlock()
        }
        return SQLITE_OK
    }

    /// Ends the thread and closes its connection; returns once it is closed.
    func stop() {
        wake.lock()
        stopping = true
        wake.broadcast()
        wake.unlock()
        finished.wait()
    }

    private func run(_ connection: Database) {
        while true {
            wake.lock()
            while !requested && !stopping { wake.wait() }
            requested = false
            // The writer's close makes the last checkpoint: this connection must be gone by then.
            if stopping {
                wake.unlock()
                return
            }
            checkpointing = true
            wake.unlock()
            let copied = connection.checkpointPassively()
            wake.lock()
            checkpointing = false
            wake.broadcast()
            wake.unlock()
            if let copied {
                backfilled.store(copied, ordering: .relaxed)
                completed.add(1, ordering: .relaxed)
            }
        }
    }
}
