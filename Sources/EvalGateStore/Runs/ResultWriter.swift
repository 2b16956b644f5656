import EvalGateCore
import Synchronization

/// Streams a run's results into the store as they finish, without making the caller wait.
///
/// Group commit: `append` only queues the result. When no write is under way it schedules one on
/// the database thread, which takes everything queued by then and writes it in one transaction;
/// results that arrive meanwhile go in the next. A crash loses at most the batch being written,
/// never leaves half of one, and memory holds only what has not been written yet — at most
/// `queueLimit` results, since a run faster than its store waits in `waitForRoom()`.
public final class ResultWriter: Sendable {
    private struct State {
        var pending: [CaseResult] = []
        var writing = false
        var failure: StoreError?
        var written = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Results queued before `waitForRoom()` makes the run wait for the store.
    public static let queueLimit = 4096

    private let database: SerialDatabase
    private let runID: String
    private let cacheConfig: String?
    private let state = Mutex(State())

    init(database: SerialDatabase, runID: String, cacheConfig: String? = nil) {
        self.database = database
        self.runID = runID
        self.cacheConfig = cacheConfig
    }

    /// Queues a result to be written.
    public func append(_ result: CaseResult) {
        let schedule = state.withLock { state -> Bool in
            state.pending.append(result)
            if state.writing { return false }
            state.writing = true
            return true
        }
        if schedule { database.enqueue { [self] database in drain(database) } }
    }

    /// Returns at once while fewer than `queueLimit` results wait to be written; otherwise when
    /// the store has taken the queue into a transaction (or failed). Backpressure: a replayed run
    /// produces results faster than SQLite stores them, and the queue held them all (100,000
    /// results took 290 MB).
    public func waitForRoom() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.pending.count < Self.queueLimit || state.failure != nil || !state.writing { return true }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// The first write error, if writing has failed.
    public var failure: StoreError? { state.withLock { $0.failure } }

    /// Results written so far.
    public var written: Int { state.withLock { $0.written } }

    /// Waits until every appended result is written.
    ///
    /// - Throws: the first `StoreError` a write met.
    public func flush() async throws {
        // Drains run on the database thread in order, so a job queued now runs after them.
        try await database.perform { _ in }
        if let failure { throw failure }
    }

    private func drain(_ database: Database?) {
        while true {
            let (batch, waiters) = state.withLock { state -> ([CaseResult], [CheckedContinuation<Void, Never>]) in
                let batch = state.pending
                state.pending.removeAll(keepingCapacity: true)
                if batch.isEmpty { state.writing = false }
                defer { state.waiters.removeAll() }
                return (batch, state.waiters)
            }
            for waiter in waiters { waiter.resume() }
            if batch.isEmpty { return }
            guard let database else {
                state.withLock { $0.failure = $0.failure ?? StoreError(code: 21, message: "the store was closed before results were written", path: "") }
                continue
            }
            do {
                try database.writeTransaction {
                    let statement = try database.prepare(ResultCoding.insertSQL)
                    let cacheStatement = try cacheConfig.map { _ in try database.prepare("INSERT OR REPLACE INTO response_cache VALUES (?, ?, ?, ?, ?)") }
                    for result in batch {
                        try statement.run(ResultCoding.values(runID: runID, result))
                        if let cacheConfig, let cacheStatement, let response = result.response, !result.cached {
                            try cacheStatement.run([
                                .text(cacheConfig), .text(result.caseFingerprint), .integer(result.sample), .text(ResultCoding.responseJSON(response)),
                                .text(Timestamp.iso8601(result.finishedAt)),
                            ])
                        }
                    }
                }
                state.withLock { $0.written += batch.count }
            } catch {
                let storeError = error as? StoreError ?? StoreError(code: 1, message: "\(error)", path: database.path)
                state.withLock { $0.failure = $0.failure ?? storeError }
            }
        }
    }
}
