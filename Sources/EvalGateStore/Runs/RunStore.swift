import EvalGateCore
import Foundation
import Synchronization

/// The SQLite file where runs and their results are kept: the run store (every run, never
/// committed) or the baseline file (promoted runs under names, committed). One schema for both.
///
/// All SQLite work happens on the store's own thread; the methods here suspend until it is done.
public final class RunStore: Sendable {
    /// The database file.
    public let path: String
    let database: SerialDatabase
    /// A migrated copy of an older baseline file, read instead of it and deleted at close.
    private let temporaryCopy: URL?
    /// Whether its results have tags: false only for a baseline file of schema 9 or 10, read as it is.
    let storesTags: Bool

    private init(path: String, database: SerialDatabase, temporaryCopy: URL? = nil, storesTags: Bool = true) {
        self.path = path
        self.database = database
        self.temporaryCopy = temporaryCopy
        self.storesTags = storesTags
    }

    /// How a store file is used.
    public enum Role: Sendable {
        /// The run store: created when missing, write-ahead logging for concurrent readers.
        case runs
        /// A baseline file opened to change it (promote): rollback journal, so that no `-wal`
        /// file sits beside the committed file.
        case baselineForWriting
        /// A baseline file opened to compare with: read only, never changed.
        case baselineForReading
    }

    /// Opens (and if needed creates and migrates) the store at `path`.
    ///
    /// A baseline file from an older evalgate is read through a migrated temporary copy, so it
    /// compares as well as a new one while the committed file stays untouched; `baseline promote`
    /// rewrites it in the current schema.
    public static func open(path: String, role: Role) async throws -> RunStore {
        var storesTags = true
        if role == .baselineForReading {
            let version = try await SerialDatabase.open(path: path, mode: .readOnly)
            let found = try await version.perform { try $0.integer("PRAGMA user_version") }
            await version.close()
            if found > 0 && found < StoreSchema.oldestReadableVersion {
                let copy = FileManager.default.temporaryDirectory.appendingPathComponent("evalgate-baseline-\(UUID().uuidString).sqlite")
                try FileManager.default.copyItem(at: URL(fileURLWithPath: path), to: copy)
                let migrated = try await SerialDatabase.open(path: copy.path, mode: .readWriteCreate) { database in
                    try database.execute("PRAGMA journal_mode = DELETE")
                    try StoreSchema.migrate(database)
                }
                return RunStore(path: path, database: migrated, temporaryCopy: copy)
            }
            storesTags = found >= StoreSchema.tagsVersion
        }
        let mode: Database.Mode = role == .baselineForReading ? .readOnly : .readWriteCreate
        let database = try await SerialDatabase.open(path: path, mode: mode) { database in
            switch role {
            case .runs:
                // Switching a new file to WAL needs an exclusive lock, and SQLite reports
                // SQLITE_BUSY at once instead of waiting: two evalgate processes starting on a new
                // store together both try. Retry for as long as the busy timeout would have waited.
                try RunStore.retryingWhileBusy {
                    if try database.text("PRAGMA journal_mode") != "wal" {
                        // A new store gets 16 KiB pages (set before the first write; an existing
                        // file keeps its own): a result row is most of a kilobyte, and the store
                        // benchmark spent half its time in 4 KiB pwrites.
                        if try database.integer("PRAGMA page_count") == 0 { try database.execute("PRAGMA page_size = 16384") }
                        try database.execute("PRAGMA journal_mode = WAL")
                    }
                }
                try database.execute("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON")
                try RunStore.retryingWhileBusy { try StoreSchema.migrate(database) }
                database.checkpointInBackground()
            case .baselineForWriting:
                try database.execute("PRAGMA journal_mode = DELETE; PRAGMA foreign_keys = ON")
                try StoreSchema.migrate(database)
            case .baselineForReading:
                try StoreSchema.check(database)
            }
        }
        return RunStore(path: path, database: database, storesTags: storesTags)
    }

    /// A second connection to this run store, for reading beside this one's thread (write-ahead
    /// logging lets a reader work while another connection reads or writes): the report pass
    /// reads its first pages of results on it while the run is judged on this one. Writes
    /// nothing; close it when done.
    public func readerAlongside() async throws -> RunStore {
        let database = try await SerialDatabase.open(path: temporaryCopy?.path ?? path, mode: .readWriteCreate) { try StoreSchema.check($0) }
        return RunStore(path: path, database: database, storesTags: storesTags)
    }

    /// Runs `body` again while it fails with SQLITE_BUSY, for up to ten seconds. Only for the
    /// store's own thread: it sleeps there.
    static func retryingWhileBusy(_ body: () throws -> Void) throws {
        let deadline = Date().addingTimeInterval(10)
        while true {
            do {
                return try body()
            } catch let error as StoreError where error.isBusy && Date() < deadline {
                usleep(UInt32.random(in: 5_000...25_000))
            }
        }
    }

    /// Waits for pending writes and closes the file.
    public func close() async {
        await database.close()
        if let temporaryCopy { try? FileManager.default.removeItem(at: temporaryCopy) }
    }

    // MARK: Runs

    static let runColumns = """
        id, started_at, ended_at, status, config_fingerprint, config_json, provider, model, git_commit, \
        evalgate_version, planned, filter_json, pid
        """

    /// Records a run as started.
    public func insertRun(_ run: RunRecord) async throws {
        try await database.perform { database in
            try database.prepare("INSERT INTO runs (\(RunStore.runColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .run([
                    .text(run.id), .text(Timestamp.iso8601(run.startedAt)), .optional(run.endedAt.map(Timestamp.iso8601)),
                    .text(run.status.rawValue), .text(run.configFingerprint), .text(run.configJSON), .text(run.provider),
                    .text(run.model), .optional(run.gitCommit), .text(run.evalgateVersion), .integer(run.planned),
                    .optional(run.filterJSON), .optional(run.pid),
                ])
        }
    }

    /// Marks a stored run as running again under this process, to resume it.
    public func resumeRun(id: String, pid: Int) async throws {
        try await database.perform { database in
            try database.prepare("UPDATE runs SET status = 'running', ended_at = NULL, pid = ? WHERE id = ?").run([.integer(pid), .text(id)])
        }
    }

    /// The (suite, case, sample) of every result a run has stored: what a resumed run must not send again.
    public func finishedItems(runID: String) async throws -> Set<ResultCursor> {
        try await database.perform { database in
            var finished = Set<ResultCursor>()
            try database.prepare("SELECT suite, case_id, sample FROM results WHERE run_id = ?").forEachRow([.text(runID)]) { row in
                finished.insert(ResultCursor(suite: row.string(0) ?? "", caseID: row.string(1) ?? "", sample: row.int(2) ?? 0))
            }
            return finished
        }
    }

    /// Records how a run ended.
    ///
    /// The run's writes are over: the log is copied into the database now, on the checkpoint
    /// thread, while the reports are read, so that closing has little left to copy.
    public func finishRun(id: String, status: RunStatus, endedAt: Date = Date()) async throws {
        try await database.perform { database in
            try database.prepare("UPDATE runs SET status = ?, ended_at = ? WHERE id = ?")
                .run([.text(status.rawValue), .text(Timestamp.iso8601(endedAt)), .text(id)])
            database.checkpointer?.ask()
        }
    }

    /// The run with this id, if stored.
    public func run(id: String) async throws -> RunRecord? {
        try await database.perform { database in
            try RunStore.readRuns(database, where: "id = ?", [.text(id)]).first
        }
    }

    /// The newest run, optionally only among runs with `status`.
    public func latestRun(status: RunStatus? = nil) async throws -> RunRecord? {
        try await database.perform { database in
            if let status {
                return try RunStore.readRuns(database, where: "status = ? ORDER BY started_at DESC, id DESC LIMIT 1", [.text(status.rawValue)]).first
            }
            return try RunStore.readRuns(database, where: "1 ORDER BY started_at DESC, id DESC LIMIT 1", []).first
        }
    }

    /// The newest runs first.
    public func runs(limit: Int = 50) async throws -> [RunRecord] {
        try await database.perform { database in
            try RunStore.readRuns(database, where: "1 ORDER BY started_at DESC, id DESC LIMIT ?", [.integer(limit)])
        }
    }

    static func readRuns(_ database: Database, where clause: String, _ values: [SQLValue], schema: String = "main") throws -> [RunRecord] {
        var runs: [RunRecord] = []
        try database.prepare("SELECT \(runColumns) FROM \(schema).runs WHERE \(clause)").forEachRow(values) { row in
            runs.append(
                RunRecord(
                    id: row.string(0) ?? "", startedAt: row.string(1).flatMap(Timestamp.parse) ?? Date(timeIntervalSince1970: 0),
                    endedAt: row.string(2).flatMap(Timestamp.parse), status: RunStatus(rawValue: row.string(3) ?? "") ?? .failed,
                    configFingerprint: row.string(4) ?? "", configJSON: row.string(5) ?? "{}", provider: row.string(6) ?? "",
                    model: row.string(7) ?? "", gitCommit: row.string(8), evalgateVersion: row.string(9) ?? "",
                    planned: row.int(10) ?? 0, filterJSON: row.string(11), pid: row.int(12)))
        }
        return runs
    }

    // MARK: Results

    /// A writer that streams a run's results into the store as they finish.
    ///
    /// With `cacheConfig`, each fresh response (not an error, not itself from the cache) is also
    /// written to the response cache under that config fingerprint, in the same transaction.
    public func resultWriter(runID: String, cacheConfig: String? = nil) -> ResultWriter {
        ResultWriter(database: database, runID: runID, cacheConfig: cacheConfig)
    }

    /// One summary per case of a run, sorted by suite and case id. For a run of any size, read
    /// them as a `CaseSummaryStream` instead: this holds them all.
    public func caseSummaries(runID: String) async throws -> [CaseSummary] {
        var summaries: [CaseSummary] = []
        for try await summary in caseSummaryStream(runID: runID) { summaries.append(summary) }
        return summaries
    }

    /// A run's case summaries in store order, read a page of results at a time: comparing two
    /// 100,000-case runs holds a page of each, not both runs (which took 63 MB).
    ///
    /// With `totals`, the same pass also gathers the run's figures and served models, which
    /// `figures(runID:)` and `servedModels(runID:)` would each read the results again for.
    public func caseSummaryStream(runID: String, pageRows: Int = 4096, totals: ResultTotals? = nil) -> CaseSummaryStream {
        CaseSummaryStream(store: self, runID: runID, pageRows: max(2, pageRows), totals: totals)
    }

    /// Summaries of the cases in up to `limit` result rows after `cursor`, the last case carried
    /// over from the page before (`carry`) continued. Returns whether rows may remain.
    func caseSummaryPage(runID: String, after cursor: ResultCursor?, limit: Int, carry: CaseSummary?, totals: ResultTotals?) async throws
        -> (summaries: [CaseSummary], last: ResultCursor?, more: Bool)
    {
        try await database.perform { database in
            var gathered = totals?.take()
            defer { if let gathered { totals?.put(gathered) } }
            var summaries: [CaseSummary] = carry.map { [$0] } ?? []
            var conditions = "run_id = ?"
            var values: [SQLValue] = [.text(runID)]
            if let cursor {
                conditions += " AND (suite, case_id, sample) > (?, ?, ?)"
                values += [.text(cursor.suite), .text(cursor.caseID), .integer(cursor.sample)]
            }
            values.append(.integer(limit))
            let statement = try database.prepare(
                "SELECT suite, case_id, suite_kind, case_fingerprint, status, first_reason, latency_ms, tool_f1, case_weight, sample\(totals == nil ? "" : ", input_tokens, output_tokens, cost_usd, context_use, served_model") FROM results WHERE \(conditions) ORDER BY suite, case_id, sample LIMIT ?")
            var rows = 0
            var last: ResultCursor?
            var suite = ""
            try statement.forEachRow(values) { row in
                rows += 1
                suite = row.string(0, sameAs: suite) ?? ""
                let caseID = row.string(1) ?? ""
                last = ResultCursor(suite: suite, caseID: caseID, sample: row.int(9) ?? 0)
                let status = row.resultStatus(4)
                // The last summary's key read in place (`summaries.last` copies the summary).
                let previous = summaries.count - 1
                if previous < 0 || summaries[previous].key.suite != suite || summaries[previous].key.caseID != caseID {
                    summaries.append(
                        CaseSummary(
                            key: CaseKey(suite: suite, caseID: caseID), kind: SuiteKind(rawValue: row.string(2) ?? "") ?? .golden,
                            fingerprint: row.string(3) ?? "", samples: 0, passes: 0, failures: 0, errors: 0, firstReason: nil))
                }
                let index = summaries.count - 1
                summaries[index].samples += 1
                summaries[index].totalLatencyMs += row.double(6) ?? 0
                summaries[index].weight = row.double(8) ?? 1
                if let toolScore = row.double(7) {
                    summaries[index].toolScoreSum += toolScore
                    summaries[index].toolScored += 1
                }
                switch status {
                case .pass: summaries[index].passes += 1
                case .fail: summaries[index].failures += 1
                case .error: summaries[index].errors += 1
                }
                if status != .pass, summaries[index].firstReason == nil {
                    summaries[index].firstReason = row.string(5)
                }
                gathered?.add(row: row, suite: suite, status: status)
            }
            return (summaries, last ?? cursor, rows == limit)
        }
    }

    /// Tokens, cost, latency percentiles and context use of a run, overall and per suite.
    public func figures(runID: String) async throws -> (overall: Figures, suites: [(name: String, figures: Figures)]) {
        let totals = ResultTotals()
        for try await _ in caseSummaryStream(runID: runID, totals: totals) {}
        return totals.figures
    }

    /// The model strings the provider reported serving in a run (empty when it reported none).
    public func servedModels(runID: String) async throws -> Set<String> {
        try await database.perform { database in
            var models = Set<String>()
            try database.prepare("SELECT DISTINCT served_model FROM results WHERE run_id = ? AND served_model IS NOT NULL")
                .forEachRow([.text(runID)]) { row in
                    if let model = row.string(0) { models.insert(model) }
                }
            return models
        }
    }

    /// One case across the stored runs, newest first: (run, samples, passes, errors, first reason).
    public func history(suite: String, caseID: String, limit: Int = 50) async throws -> [(run: RunRecord, summary: CaseSummary)] {
        try await database.perform { database in
            var rows: [(String, Int, Int, Int, Int, String?, String, String)] = []
            try database.prepare("""
                SELECT run_id, COUNT(*), SUM(status = 'pass'), SUM(status = 'fail'), SUM(status = 'error'),
                       MIN(CASE WHEN status != 'pass' THEN coalesce(error, first_reason) END), suite_kind, case_fingerprint
                FROM results WHERE suite = ? AND case_id = ? GROUP BY run_id
                """).forEachRow([.text(suite), .text(caseID)]) { row in
                rows.append((row.string(0) ?? "", row.int(1) ?? 0, row.int(2) ?? 0, row.int(3) ?? 0, row.int(4) ?? 0, row.string(5), row.string(6) ?? "golden", row.string(7) ?? ""))
            }
            var history: [(run: RunRecord, summary: CaseSummary)] = []
            for (runID, samples, passes, failures, errors, reason, kind, fingerprint) in rows {
                guard let run = try RunStore.readRuns(database, where: "id = ?", [.text(runID)]).first else { continue }
                let summary = CaseSummary(
                    key: CaseKey(suite: suite, caseID: caseID), kind: SuiteKind(rawValue: kind) ?? .golden, fingerprint: fingerprint,
                    samples: samples, passes: passes, failures: failures, errors: errors, firstReason: reason)
                history.append((run, summary))
            }
            return Array(history.sorted { $0.run.startedAt > $1.run.startedAt }.prefix(limit))
        }
    }

    /// Where a page of results ends, to ask for the next one.
    public struct ResultCursor: Sendable, Hashable {
        public var suite: String
        public var caseID: String
        public var sample: Int

        public init(suite: String, caseID: String, sample: Int) {
            self.suite = suite
            self.caseID = caseID
            self.sample = sample
        }
    }

    /// Up to `limit` results of a run in (suite, case, sample) order, after `cursor`, optionally
    /// only those with `status`. Paging keeps memory flat however large the run.
    public func results(runID: String, after cursor: ResultCursor? = nil, status: ResultStatus? = nil, limit: Int = 1000) async throws -> [CaseResult] {
        let columns = ResultCoding.selectColumns(tags: storesTags)
        return try await database.perform { database in
            var conditions = "run_id = ?"
            var values: [SQLValue] = [.text(runID)]
            if let cursor {
                conditions += " AND (suite, case_id, sample) > (?, ?, ?)"
                values += [.text(cursor.suite), .text(cursor.caseID), .integer(cursor.sample)]
            }
            if let status {
                conditions += " AND status = ?"
                values.append(.text(status.rawValue))
            }
            values.append(.integer(limit))
            let statement = try database.prepare("SELECT \(columns) FROM results WHERE \(conditions) ORDER BY suite, case_id, sample LIMIT ?")
            var results: [CaseResult] = []
            var repeats = ResultCoding.Repeats()
            try statement.forEachRow(values) { row in
                results.append(ResultCoding.decode(row, repeats: &repeats))
            }
            return results
        }
    }

    // MARK: Response cache

    /// A cached response for (config, case, sample), if there is one.
    public func cachedResponse(config: String, case fingerprint: String, sample: Int) async throws -> ModelResponse? {
        try await database.perform { database in
            var found: ModelResponse?
            try database.prepare("SELECT response_json FROM response_cache WHERE config_fingerprint = ? AND case_fingerprint = ? AND sample = ?")
                .forEachRow([.text(config), .text(fingerprint), .integer(sample)]) { row in
                    found = row.string(0).flatMap(ResultCoding.response(fromJSON:))
                }
            return found
        }
    }

    /// The (case fingerprint, sample) pairs cached for a config: read once per run, so a cold
    /// cache costs no lookup at all.
    public func cachedKeys(config: String) async throws -> Set<String> {
        try await database.perform { database in
            var keys = Set<String>()
            try database.prepare("SELECT case_fingerprint, sample FROM response_cache WHERE config_fingerprint = ?").forEachRow([.text(config)]) { row in
                keys.insert(RunStore.cacheKey(row.string(0) ?? "", row.int(1) ?? 0))
            }
            return keys
        }
    }

    /// How `cachedKeys` names an entry.
    public static func cacheKey(_ caseFingerprint: String, _ sample: Int) -> String {
        "\(caseFingerprint)/\(sample)"
    }

    /// Entries in the cache, and how many configs they belong to.
    public func cacheStatistics() async throws -> (entries: Int, configs: Int, bytes: Int) {
        try await database.perform { database in
            var stats = (0, 0, 0)
            try database.prepare("SELECT COUNT(*), COUNT(DISTINCT config_fingerprint), coalesce(SUM(length(response_json)), 0) FROM response_cache")
                .forEachRow { stats = ($0.int(0) ?? 0, $0.int(1) ?? 0, $0.int(2) ?? 0) }
            return stats
        }
    }

    /// Empties the cache; returns how many entries were removed.
    public func clearCache() async throws -> Int {
        try await database.perform { database in
            try database.writeTransaction {
                try database.execute("DELETE FROM response_cache")
                return database.changes
            }
        }
    }

    // MARK: Shards

    /// Combines the newest run of each shard database into one new run here, under `run.id`.
    /// The shards must share one config fingerprint and have no case in common.
    ///
    /// - Returns: the runs merged, in the order of `paths`.
    public func merge(shards paths: [String], into run: RunRecord) async throws -> [RunRecord] {
        try await database.perform { database in
            var merged: [RunRecord] = []
            var seen: [String: String] = [:]  // suite/case → shard file
            // ATTACH is not allowed inside a transaction: each shard is attached, copied in a
            // transaction of its own and detached; on any failure the merged run is removed again.
            try database.prepare("INSERT INTO runs (\(RunStore.runColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").run([
                .text(run.id), .text(Timestamp.iso8601(run.startedAt)), .null, .text(RunStatus.running.rawValue),
                .text(run.configFingerprint), .text(run.configJSON), .text(run.provider), .text(run.model), .optional(run.gitCommit),
                .text(run.evalgateVersion), .integer(0), .optional(run.filterJSON), .null,
            ])
            do {
                var columns: [String] = []
                try database.prepare("SELECT name FROM pragma_table_info('results') ORDER BY cid").forEachRow { columns.append($0.string(0) ?? "") }
                for path in paths {
                    try database.prepare("ATTACH DATABASE ? AS shard").run([.text(path)])
                    defer { try? database.execute("DETACH DATABASE shard") }
                    let version = try database.integer("PRAGMA shard.user_version")
                    guard (StoreSchema.oldestReadableVersion...StoreSchema.currentVersion).contains(version) else {
                        throw StoreError(code: 26, message: "\(path) has schema \(version), this evalgate reads \(StoreSchema.oldestReadableVersion) to \(StoreSchema.currentVersion)", path: database.path)
                    }
                    // A shard of an older schema lacks the newer columns (tags): they are copied as null.
                    var shardColumns = Set<String>()
                    try database.prepare("SELECT name FROM pragma_table_info('results', 'shard')").forEachRow { shardColumns.insert($0.string(0) ?? "") }
                    let copied = columns.map { $0 == "run_id" ? "?" : shardColumns.contains($0) ? $0 : "NULL" }.joined(separator: ", ")
                    guard let shardRun = try RunStore.readRuns(database, where: "1 ORDER BY started_at DESC, id DESC LIMIT 1", [], schema: "shard").first else {
                        throw StoreError(code: 12, message: "\(path) holds no run", path: database.path)
                    }
                    guard shardRun.configFingerprint == run.configFingerprint else {
                        throw StoreError(code: 19, message: "\(path) ran config \(shardRun.configFingerprint.prefix(12)), not \(run.configFingerprint.prefix(12)): shards of one run share one config", path: database.path)
                    }
                    try database.prepare("SELECT DISTINCT suite || '/' || case_id FROM shard.results WHERE run_id = ?").forEachRow([.text(shardRun.id)]) { row in
                        let key = row.string(0) ?? ""
                        if let other = seen[key] {
                            throw StoreError(code: 19, message: "case \(key) is in both \(other) and \(path): shards must not overlap", path: database.path)
                        }
                        seen[key] = path
                    }
                    try database.writeTransaction {
                        try database.prepare("INSERT INTO main.results (\(columns.joined(separator: ", "))) SELECT \(copied) FROM shard.results WHERE run_id = ?")
                            .run([.text(run.id), .text(shardRun.id)])
                        try database.prepare("UPDATE runs SET planned = planned + ? WHERE id = ?").run([.integer(shardRun.planned), .text(run.id)])
                    }
                    merged.append(shardRun)
                }
                let status: RunStatus = merged.allSatisfy { $0.status == .completed } ? .completed : .interrupted
                try database.prepare("UPDATE runs SET status = ?, ended_at = ? WHERE id = ?").run([.text(status.rawValue), .text(Timestamp.iso8601(Date())), .text(run.id)])
            } catch {
                try? database.prepare("DELETE FROM results WHERE run_id = ?").run([.text(run.id)])
                try? database.prepare("DELETE FROM runs WHERE id = ?").run([.text(run.id)])
                throw error
            }
            return merged
        }
    }

    // MARK: Baselines

    /// Copies a completed run and its results from `source` (the run store) into this file
    /// (a baseline file) under `name`, replacing what the name pointed at. The run it replaces is
    /// deleted when no other name uses it, so the committed file holds only what is promoted.
    public func promote(runID: String, from source: RunStore, name: String) async throws {
        let sourcePath = source.path
        try await database.perform { database in
            try database.prepare("ATTACH DATABASE ? AS source").run([.text(sourcePath)])
            defer { try? database.execute("DETACH DATABASE source") }
            try database.writeTransaction {
                let previous = try RunStore.baselineRunID(database, name: name)
                try database.prepare("INSERT OR REPLACE INTO main.runs SELECT * FROM source.runs WHERE id = ?").run([.text(runID)])
                guard database.changes == 1 else {
                    throw StoreError(code: 12, message: "no run '\(runID)' in \(sourcePath)", path: database.path)
                }
                try database.prepare("DELETE FROM main.results WHERE run_id = ?").run([.text(runID)])
                try database.prepare("INSERT INTO main.results SELECT * FROM source.results WHERE run_id = ?").run([.text(runID)])
                try database.prepare("INSERT OR REPLACE INTO baselines (name, run_id, promoted_at) VALUES (?, ?, ?)")
                    .run([.text(name), .text(runID), .text(Timestamp.iso8601(Date()))])
                if let previous, previous != runID,
                    try database.prepare("SELECT 1 FROM baselines WHERE run_id = ?").stepping([.text(previous)]) == false
                {
                    try database.prepare("DELETE FROM results WHERE run_id = ?").run([.text(previous)])
                    try database.prepare("DELETE FROM runs WHERE id = ?").run([.text(previous)])
                }
            }
        }
        try await database.perform { database in try database.execute("VACUUM") }
    }

    static func baselineRunID(_ database: Database, name: String) throws -> String? {
        var id: String?
        try database.prepare("SELECT run_id FROM baselines WHERE name = ?").forEachRow([.text(name)]) { id = $0.string(0) }
        return id
    }

    /// The run a baseline name points at, if the name exists.
    public func baselineRun(name: String) async throws -> RunRecord? {
        try await database.perform { database in
            guard let id = try RunStore.baselineRunID(database, name: name) else { return nil }
            return try RunStore.readRuns(database, where: "id = ?", [.text(id)]).first
        }
    }

    /// Every baseline name in this file with its run.
    public func baselines() async throws -> [BaselineEntry] {
        try await database.perform { database in
            var rows: [(String, String, String, Int)] = []
            try database.prepare(
                "SELECT b.name, b.run_id, b.promoted_at, (SELECT COUNT(DISTINCT suite || '/' || case_id) FROM results r WHERE r.run_id = b.run_id) FROM baselines b ORDER BY b.name"
            ).forEachRow { row in
                rows.append((row.string(0) ?? "", row.string(1) ?? "", row.string(2) ?? "", row.int(3) ?? 0))
            }
            return try rows.compactMap { name, runID, promotedAt, cases in
                guard let run = try RunStore.readRuns(database, where: "id = ?", [.text(runID)]).first else { return nil }
                return BaselineEntry(name: name, run: run, promotedAt: Timestamp.parse(promotedAt) ?? run.startedAt, cases: cases)
            }
        }
    }
}

extension Statement {
    /// Binds and steps once: true when the query returned a row.
    func stepping(_ values: [SQLValue]) throws -> Bool {
        try bind(values)
        return try step()
    }
}

/// A run's case summaries, sorted by suite and case id, read from the store a page at a time as
/// they are iterated. A case whose samples straddle two pages is summed across them.
public struct CaseSummaryStream: AsyncSequence, Sendable {
    public typealias Element = CaseSummary
    let store: RunStore
    let runID: String
    let pageRows: Int
    let totals: ResultTotals?

    public func makeAsyncIterator() -> Iterator {
        Iterator(stream: self)
    }

    public struct Iterator: AsyncIteratorProtocol {
        typealias Page = (summaries: [CaseSummary], last: RunStore.ResultCursor?, more: Bool)

        let stream: CaseSummaryStream
        private var buffer: [CaseSummary] = []
        private var index = 0
        private var cursor: RunStore.ResultCursor?
        /// The page's last case, which may go on in the next page.
        private var carry: CaseSummary?
        private var more = true
        /// The next page, asked for as soon as this one came: the store's thread reads it while
        /// this page is used (comparing a run with its baseline, the two stores read side by side
        /// instead of taking turns).
        private var ahead: Task<Page, any Error>?

        init(stream: CaseSummaryStream) {
            self.stream = stream
        }

        public mutating func next() async throws -> CaseSummary? {
            while index == buffer.count {
                guard more else {
                    defer { carry = nil }
                    return carry
                }
                let page: Page
                if let ahead {
                    page = try await ahead.value
                    self.ahead = nil
                } else {
                    page = try await stream.store.caseSummaryPage(
                        runID: stream.runID, after: cursor, limit: stream.pageRows, carry: carry, totals: stream.totals)
                }
                buffer = page.summaries
                index = 0
                cursor = page.last
                more = page.more
                carry = buffer.popLast()
                if more {
                    let (stream, cursor, carry) = (stream, cursor, carry)
                    ahead = Task {
                        try await stream.store.caseSummaryPage(runID: stream.runID, after: cursor, limit: stream.pageRows, carry: carry, totals: stream.totals)
                    }
                }
            }
            defer { index += 1 }
            return buffer[index]
        }
    }
}

/// What a run's results add up to beside its case summaries: its figures (overall and by suite)
/// and the models the provider said it served. Filled by a `CaseSummaryStream` as it reads, so
/// judging a run reads its results once, not three times; complete once the stream has ended.
public final class ResultTotals: Sendable {
    private let state = Mutex(Gathered())

    public init() {}

    /// The figures of the results read (asked for once the stream has ended: the first call
    /// builds them from the latencies gathered, which it gives up).
    public var figures: (overall: Figures, suites: [(name: String, figures: Figures)]) {
        state.withLock { gathered in
            if let built = gathered.built { return built }
            var builder = FiguresBuilder()
            swap(&builder, &gathered.builder)
            let built = builder.build()
            gathered.built = built
            return built
        }
    }

    /// The model strings the provider reported serving (empty when it reported none).
    public var servedModels: Set<String> { state.withLock { $0.servedModels } }

    /// Taken out for a page's rows and put back after, so no lock is held row by row.
    func take() -> Gathered { state.withLock { gathered in defer { gathered = Gathered() }; return gathered } }
    func put(_ gathered: Gathered) { state.withLock { $0 = gathered } }

    struct Gathered: Sendable {
        var builder = FiguresBuilder()
        var built: (overall: Figures, suites: [(name: String, figures: Figures)])?
        var servedModels = Set<String>()
        private var lastServed = ""

        /// Adds a row of the summary query that selected the totals' columns (10 to 14).
        mutating func add(row: Statement, suite: String, status: ResultStatus) {
            builder.add(
                suite: suite, status: status, latencyMs: row.double(6) ?? 0, inputTokens: row.int(10), outputTokens: row.int(11),
                costUSD: row.double(12), contextUse: row.double(13))
            if let served = row.string(14, sameAs: lastServed) {
                lastServed = served
                servedModels.insert(served)
            }
        }
    }
}
