import Foundation

/// A database connection on a thread of its own: every SQLite call runs there, one at a time, and
/// async callers suspend until their work is done. SQLite's calls block (on disk, on another
/// process's lock); running them here keeps them off Swift's cooperative pool, which has only one
/// thread per core.
public final class SerialDatabase: @unchecked Sendable {
    // @unchecked: the only mutable state is `jobs`, guarded by `condition`; the `Database` is
    // created, used and destroyed on `thread` alone.
    public let path: String
    private let condition = NSCondition()
    private var jobs: [(Database?) -> Void] = []
    private var closed = false
    private var closeWaiters: [CheckedContinuation<Void, Never>] = []

    private init(path: String) {
        self.path = path
    }

    /// Opens the database on a new thread and runs `setUp` there (migrations, pragmas).
    public static func open(
        path: String, mode: Database.Mode, setUp: @escaping @Sendable (Database) throws -> Void = { _ in }
    ) async throws -> SerialDatabase {
        let serial = SerialDatabase(path: path)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                // The only reference to the connection lives here and in `runLoop`, which drops it
                // before telling anyone the database is closed.
                var database: Database?
                do {
                    let opened = try Database(path: path, mode: mode)
                    try setUp(opened)
                    database = opened
                } catch {
                    serial.markClosed()
                    continuation.resume(throwing: error)
                    return
                }
                continuation.resume()
                serial.runLoop(&database)
            }
            thread.name = "evalgate.sqlite"
            thread.start()
        }
        return serial
    }

    private func markClosed() {
        condition.lock()
        closed = true
        condition.unlock()
    }

    private func runLoop(_ database: inout Database?) {
        while true {
            condition.lock()
            while jobs.isEmpty && !closed { condition.wait() }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            let closing = closed
            condition.unlock()
            for job in batch { job(database) }
            if closing {
                condition.lock()
                let drained = jobs.isEmpty
                condition.unlock()
                guard drained else { continue }
                database = nil  // closes the connection before anyone is told it is closed
                condition.lock()
                let waiters = closeWaiters
                closeWaiters.removeAll()
                condition.unlock()
                for waiter in waiters { waiter.resume() }
                return
            }
        }
    }

    /// Queues `job` to run on the database thread without waiting for it. The job gets nil once
    /// the database has been closed.
    public func enqueue(_ job: @escaping @Sendable (Database?) -> Void) {
        condition.lock()
        if closed && jobs.isEmpty {
            condition.unlock()
            job(nil)
            return
        }
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Runs `body` on the database thread and returns its result.
    public func perform<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            enqueue { database in
                guard let database else {
                    continuation.resume(throwing: StoreError(code: 21, message: "the database is closed", path: self.path))
                    return
                }
                continuation.resume(with: Result { try body(database) })
            }
        }
    }

    /// Finishes queued work, closes the connection and ends the thread.
    public func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            if closed && jobs.isEmpty && closeWaiters.isEmpty {
                // Already closed (or never opened).
                condition.unlock()
                continuation.resume()
                return
            }
            closed = true
            closeWaiters.append(continuation)
            condition.signal()
            condition.unlock()
        }
    }
}
