import EvalGateCore
import Synchronization

/// Streams a run's results into the store as they finish, without making the caller wait.
///
/// Group commit: `append` only queues the result. When no write is under way it schedules one on
/// the database thread, which takes everything queued by then and writes it in one transaction;
/// results that arrive meanwhile go in the next. A crash loses at most the batch being written,
/// never leaves half of one, and memory holds only what has not been written yet — at most
/// `queueLimit` results, since a run faster than its store waits in `waitForRoom()`.
///
/// Writes are not held back to make batches larger: waiting 25 ms for company halved the bytes a
/// 2,000-request run put through the WAL (53 → 27 MB), but a kill in that window lost answers
/// already paid for, which `--resume` then asked for again.
public final class ResultWriter: Sendable {
    /// A result as the values of its row (and of its cache row), packed on the appending thread
    /// so that the store's thread only binds and steps: encoding was half of that thread's time.
    private struct Row: Sendable {
        var values: PackedRow
        var cache: CacheRow?
    }

    /// A fresh answer for the response cache, with the key it is sorted by.
    private struct CacheRow: Sendable {
        var caseFingerprint: String
        var sample: Int
        var values: PackedRow
    }

    private struct State {
        var pending: [Row] = []
        var writing = false
        var failure: StoreError?
        var written = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Answers held for the response cache before they are written together, sorted by key, in
    /// the transaction of the results that reach the count (or the bytes), and the rest at
    /// `flush`. The cache is keyed by case fingerprint, so one answer lands on a page of its own:
    /// written with its result, each answer put a 16 KiB page through the WAL (160 MB for 10,000
    /// answers, 7% of a network run's CPU). A crash loses these from the cache only: their results
    /// are stored, and a later run asks for them again.
    public static let cacheBatch = 512
    static let cacheBatchBytes = 8 << 20

    /// Results queued before `waitForRoom()` makes the run wait for the store.
    public static let queueLimit = 4096

    private let database: SerialDatabase
    private let runID: String
    private let cacheConfig: String?
    private let state = Mutex(State())
    /// The insert statements, prepared on the database thread for the first batch and kept for
    /// the rest (preparing them for every batch was 4% of a network run's CPU, whose batches are
    /// small), let go at `flush` so that the connection can close.
    private let prepared = PreparedInserts()

    private final class PreparedInserts: @unchecked Sendable {
        // @unchecked: used only by jobs on the database's one thread, one after another.
        var results: Statement?
        var cache: Statement?
        /// Answers of stored results not yet in the cache (`cacheBatch`), and their bytes.
        var cacheRows: [CacheRow] = []
        var cacheBytes = 0
    }

    init(database: SerialDatabase, runID: String, cacheConfig: String? = nil) {
        self.database = database
        self.runID = runID
        self.cacheConfig = cacheConfig
    }

    /// Queues a result to be written.
    public func append(_ result: CaseResult) {
        var row = Row(values: ResultCoding.row(runID: runID, result))
        if let cacheConfig, let response = result.response, !result.cached {
            row.cache = CacheRow(
                caseFingerprint: result.caseFingerprint, sample: result.sample, values: ResultCoding.cacheRow(config: cacheConfig, result, response))
        }
        let schedule = state.withLock { state -> Bool in
            state.pending.append(row)
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
        // The usual case returns without making a continuation (an allocation per result).
        if state.withLock({ $0.pending.count < Self.queueLimit || $0.failure != nil || !$0.writing }) { return }
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

    /// Waits until every appended result is written, and lets go of the prepared statements
    /// (they hold the connection open): call it when the run is done.
    ///
    /// - Throws: the first `StoreError` a write met.
    public func flush() async throws {
        // Drains run on the database thread in order, so a job queued now runs after them.
        try await database.perform { [self] database in
            if !prepared.cacheRows.isEmpty {
                do {
                    try database.writeTransaction { try writeCache(prepared.cacheRows, database) }
                } catch {
                    let storeError = error as? StoreError ?? StoreError(code: 1, message: "\(error)", path: database.path)
                    state.withLock { $0.failure = $0.failure ?? storeError }
                }
            }
            prepared.cacheRows = []
            prepared.results = nil
            prepared.cache = nil
        }
        if let failure { throw failure }
    }

    private func drain(_ database: Database?) {
        while true {
            let (batch, waiters) = state.withLock { state -> ([Row], [CheckedContinuation<Void, Never>]) in
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
            // The held answers are taken out, so that this batch's are appended in place.
            var answers = prepared.cacheRows
            prepared.cacheRows = []
            let held = (count: answers.count, bytes: prepared.cacheBytes)
            var bytes = held.bytes
            for row in batch {
                guard let cache = row.cache else { continue }
                answers.append(cache)
                bytes += cache.values.bytes.count
            }
            let cacheNow = answers.count >= Self.cacheBatch || bytes >= Self.cacheBatchBytes
            do {
                try database.writeTransaction {
                    let statement = try prepared.results ?? database.prepare(ResultCoding.insertSQL)
                    prepared.results = statement
                    defer { statement.clearBindings() }  // before the batch's rows go
                    for index in batch.indices {
                        if index + 1 < batch.count { batch[index + 1].values.prefetch() }
                        try statement.run(batch[index].values)
                    }
                    if cacheNow { try writeCache(answers, database) }
                }
                // Held only once their results are stored.
                if !cacheNow {
                    prepared.cacheRows = answers
                    prepared.cacheBytes = bytes
                } else {
                    prepared.cacheBytes = 0
                }
                state.withLock { $0.written += batch.count }
            } catch {
                // This batch's results are not stored: neither are its answers.
                answers.removeSubrange(held.count...)
                prepared.cacheRows = answers
                prepared.cacheBytes = held.bytes
                let storeError = error as? StoreError ?? StoreError(code: 1, message: "\(error)", path: database.path)
                state.withLock { $0.failure = $0.failure ?? storeError }
            }
        }
    }

    /// Writes answers to the cache in key order (a page takes all of its answers at once); a
    /// later answer for the same key replaces an earlier one, as when each was written alone.
    private func writeCache(_ answers: [CacheRow], _ database: Database) throws {
        let statement = try prepared.cache ?? database.prepare("INSERT OR REPLACE INTO response_cache VALUES (?, ?, ?, ?, ?)")
        prepared.cache = statement
        let order = answers.indices.sorted { a, b in
            if answers[a].caseFingerprint != answers[b].caseFingerprint { return answers[a].caseFingerprint < answers[b].caseFingerprint }
            return answers[a].sample != answers[b].sample ? answers[a].sample < answers[b].sample : a < b
        }
        defer { statement.clearBindings() }  // before the answers' rows go
        for index in order { try statement.run(answers[index].values) }
    }
}
