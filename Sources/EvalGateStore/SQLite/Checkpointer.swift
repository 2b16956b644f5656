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
///
/// The log restarts from its beginning only when a write finds it wholly copied, and a run's
/// results trickle in while this thread copies: the log grew to the cap every time, and deleting
/// a 64 MiB log at close took 20 ms. So once this thread has copied all but a few frames (`rest`)
/// and is idle, the writer copies those itself, and the log restarts at about `step` frames.
final class Checkpointer: @unchecked Sendable {
    // @unchecked: `requested`, `stopping` and `checkpointing` are guarded by `wake`; the counts
    // are atomic.
    /// Frames added to the log since the last checkpoint before another is asked for: SQLite's
    /// own automatic checkpoint interval.
    static let step: Int32 = 1000
    /// Frames in the log at which the committing connection checkpoints itself (64 MiB of
    /// 16 KiB pages).
    static let cap: Int32 = 4000
    /// Frames this thread left uncopied that the writer copies itself (4 MiB).
    static let rest: Int32 = 256

    private let wake = NSCondition()
    private var requested = false
    private var stopping = false
    private var checkpointing = false
    private let finished = DispatchSemaphore(value: 0)
    /// Frames of the log copied by the last checkpoint, as SQLite counted them.
    private let backfilled = Atomic<Int32>(0)
    /// Checkpoints this thread has made.
    let completed = Atomic<Int>(0)
    /// Checkpoints the writer made of the few frames this thread had left.
    let finishedByWriter = Atomic<Int>(0)
    /// The frames in the log at the last commit; only the writer's thread reads and writes it.
    private var lastFrames: Int32 = 0
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

    /// What a commit leads to.
    enum Action: Equatable {
        /// Nothing yet.
        case none
        /// Ask this thread for a checkpoint.
        case ask
        /// The writer copies the few frames this thread left, so the next write starts the log over.
        case finish
        /// The log is at the cap: the writer waits for this thread, then copies the rest itself.
        case capped
    }

    /// The decision after a commit, from the frames in the log, the frames this thread has
    /// copied of it, and whether this thread is idle (not checkpointing, nothing asked).
    static func action(frames: Int32, copied: Int32, idle: Bool, step: Int32, cap: Int32, rest: Int32 = Checkpointer.rest) -> Action {
        if frames >= step && copied > 0 && frames - copied <= rest && idle { return .finish }
        if frames >= cap { return .capped }
        if frames - copied >= step { return .ask }
        return .none
    }

    /// Asks this thread for a checkpoint, whatever the log holds.
    func ask() {
        wake.lock()
        requested = true
        wake.broadcast()
        wake.unlock()
    }

    /// Whether this thread is neither checkpointing nor asked to.
    var isIdle: Bool {
        wake.lock()
        defer { wake.unlock() }
        return !checkpointing && !requested
    }

    /// Called on the writer's thread after each commit, with the frames now in the log.
    func committed(_ writer: OpaquePointer, schema: UnsafePointer<CChar>, frames: Int32) -> Int32 {
        if frames < lastFrames { backfilled.store(0, ordering: .relaxed) }  // the log started over
        lastFrames = frames
        var copied = backfilled.load(ordering: .relaxed)
        if frames < copied { copied = 0 }
        switch Self.action(frames: frames, copied: copied, idle: isIdle, step: step, cap: cap) {
        case .none:
            break
        case .ask:
            ask()
        case .finish:
            sqlite3_wal_checkpoint(writer, schema)
            backfilled.store(frames, ordering: .relaxed)
            finishedByWriter.add(1, ordering: .relaxed)
        case .capped:
            // Waits for a checkpoint of this thread to end (its lock would make this one return
            // at once, copying nothing) so that the log is wholly copied and starts over.
            wake.lock()
            while checkpointing { wake.wait() }
            wake.unlock()
            sqlite3_wal_checkpoint(writer, schema)
            backfilled.store(frames, ordering: .relaxed)
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
