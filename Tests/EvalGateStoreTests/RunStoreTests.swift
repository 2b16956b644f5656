import EvalGateCore
import EvalGateStore
import Foundation
import TestSupport
import Testing

private func result(_ suite: String, _ id: String, sample: Int = 0, status: ResultStatus = .pass, text: String = "answer") -> CaseResult {
    CaseResult(
        suite: suite, kind: suite == "adv" ? .adversarial : .golden, caseID: id, caseFingerprint: "fp-\(id)", sample: sample,
        status: status, score: status == .pass ? 1 : 0,
        checks: [CheckResult(check: "expected_contains", passed: status == .pass, reason: status == .pass ? "expected 'x' — found at offset 0" : "expected 'x' — not found")],
        response: status == .error ? nil : ModelResponse(text: text, toolCalls: [ToolCall(name: "lookup", arguments: ["id": "7"])], usage: TokenUsage(inputTokens: 10, outputTokens: 3), latencyMs: 12.5, servedModel: "m-1", finishReason: "stop"),
        error: status == .error ? "timed out" : nil, requestID: "req-\(id)-\(sample)", latencyMs: 12.5, finishedAt: Date(timeIntervalSince1970: 1_800_000_000.25))
}

private func record(_ id: String, status: RunStatus = .running) -> RunRecord {
    RunRecord(
        id: id, startedAt: Date(timeIntervalSince1970: 1_800_000_000), status: status, configFingerprint: "cfg", configJSON: "{}",
        provider: "replay", model: "m-1", gitCommit: nil, evalgateVersion: "test", planned: 3, filterJSON: nil)
}

/// Writes a completed run with the given results to the store.
private func writeRun(_ store: RunStore, _ id: String, _ results: [CaseResult]) async throws {
    try await store.insertRun(record(id))
    let writer = store.resultWriter(runID: id)
    for result in results { writer.append(result) }
    try await writer.flush()
    try await store.finishRun(id: id, status: .completed)
}

@Suite struct RunStoreTests {
    @Test func aRunAndItsResultsAreReadBackFromTheFile() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.url.appendingPathComponent("nested/runs.sqlite").path
        let store = try await RunStore.open(path: path, role: .runs)
        var written = [result("a", "1"), result("a", "2", status: .fail, text: "bad <xml> & 'quotes'"), result("adv", "3", status: .error)]
        written[0].tags = ["smoke", "billing \"quoted\""]
        written[1].tags = []
        try await writeRun(store, "run-1", written)
        await store.close()

        let reopened = try await RunStore.open(path: path, role: .runs)
        let run = try #require(try await reopened.run(id: "run-1"))
        #expect(run.status == .completed)
        #expect(run.endedAt != nil)
        let read = try await reopened.results(runID: "run-1")
        #expect(read == written)
        #expect(read.map(\.tags) == [["smoke", "billing \"quoted\""], [], nil], "tags as the case had them; none stored reads as nil")
        let summaries = try await reopened.caseSummaries(runID: "run-1")
        #expect(summaries.map(\.status) == [.pass, .fail, .error])
        #expect(summaries[1].firstReason == "expected 'x' — not found")
        #expect(summaries[2].firstReason == "timed out")
        await reopened.close()
    }

    /// Fresh answers reach the response cache in batches sorted by key: held, their results
    /// already stored, while fewer than `cacheBatch` wait; written with the results that make a
    /// batch; the rest at `flush`. A later answer for a key replaces an earlier one.
    @Test func answersReachTheCacheInBatchesAndAllByFlush() async throws {
        let folder = try TemporaryDirectory()
        let store = try await RunStore.open(path: folder.url.appendingPathComponent("runs.sqlite").path, role: .runs)
        try await store.insertRun(record("run-1"))
        let writer = store.resultWriter(runID: "run-1", cacheConfig: "cfg")
        func stored(_ count: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(30)
            while writer.written < count && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(2)) }
            #expect(writer.written == count)
        }
        // Two results of one case fingerprint ("fp-1") in two suites: one cache key.
        writer.append(result("a", "1", text: "first"))
        writer.append(result("a", "2"))
        writer.append(result("b", "1", text: "second"))
        try await stored(3)
        #expect(try await store.cachedKeys(config: "cfg").isEmpty, "held until a batch is full")
        for index in 0..<ResultWriter.cacheBatch { writer.append(result("c", "n\(index)")) }
        try await stored(3 + ResultWriter.cacheBatch)
        let batched = try await store.cachedKeys(config: "cfg")
        // However the results were split into transactions, the one that filled the batch wrote
        // at least `cacheBatch` answers (two of them for one key) without waiting for `flush`.
        #expect(batched.count >= ResultWriter.cacheBatch - 1, "written with the results that filled the batch")
        writer.append(result("d", "last"))
        try await writer.flush()
        #expect(try await store.cachedKeys(config: "cfg").count == 3 + ResultWriter.cacheBatch)
        #expect(try await store.cachedResponse(config: "cfg", case: "fp-1", sample: 0)?.text == "second")
        await store.close()
    }

    @Test func attemptsReadBackWhole() async throws {
        // The store leaves out an attempt's request id when it is the result's own and a wait
        // of 0; reading fills them back in.
        let folder = try TemporaryDirectory()
        let path = folder.url.appendingPathComponent("runs.sqlite").path
        let store = try await RunStore.open(path: path, role: .runs)
        var retried = result("a", "1")
        retried.attempts = [
            AttemptRecord(number: 1, requestID: "req-1-0-a1", outcome: "HTTP 429", waitSeconds: 1.5),
            AttemptRecord(number: 2, requestID: "req-1-0", outcome: "HTTP 200", waitSeconds: 0),
        ]
        var once = result("a", "2")
        once.attempts = [AttemptRecord(number: 1, requestID: "req-2-0", outcome: "HTTP 200", waitSeconds: 0)]
        var empty = result("a", "3", text: "")
        empty.attempts = []
        try await writeRun(store, "run-1", [retried, once, empty])
        #expect(try await store.results(runID: "run-1") == [retried, once, empty])
        await store.close()
        let stored = try await ProcessRunner.tool("sqlite3", [path, "SELECT attempts_json FROM results ORDER BY case_id"])
        #expect(stored.stdout.split(separator: "\n", omittingEmptySubsequences: false) == [
            #"[{"number":1,"outcome":"HTTP 429","request_id":"req-1-0-a1","wait_seconds":1.5},{"number":2,"outcome":"HTTP 200"}]"#,
            #"[{"number":1,"outcome":"HTTP 200"}]"#, "", "",
        ])
    }

    @Test func resultsArePagedInCaseOrder() async throws {
        let folder = try TemporaryDirectory()
        let store = try await RunStore.open(path: folder.url.appendingPathComponent("r.sqlite").path, role: .runs)
        let results = (0..<25).map { result("s", String(format: "c%02d", $0 / 3), sample: $0 % 3) }
        try await writeRun(store, "run-1", results.shuffled())
        var seen: [CaseResult] = []
        var cursor: RunStore.ResultCursor?
        while true {
            let page = try await store.results(runID: "run-1", after: cursor, limit: 4)
            guard let last = page.last else { break }
            #expect(page.count <= 4)
            seen += page
            cursor = RunStore.ResultCursor(suite: last.suite, caseID: last.caseID, sample: last.sample)
        }
        #expect(seen == results)
        await store.close()
    }

    @Test func summariesStreamedAPageAtATimeAddUpCasesThatStraddlePages() async throws {
        let folder = try TemporaryDirectory()
        let store = try await RunStore.open(path: folder.url.appendingPathComponent("r.sqlite").path, role: .runs)
        // 7 cases of 1 to 5 samples: with pages of 2 or 3 rows most cases straddle a page break,
        // and case c3's five samples span three pages.
        let sampleCounts = [1, 3, 2, 5, 1, 4, 2]
        var results: [CaseResult] = []
        for (index, count) in sampleCounts.enumerated() {
            for sample in 0..<count {
                results.append(result("s", "c\(index)", sample: sample, status: sample == count - 1 && index % 2 == 1 ? .fail : .pass))
            }
        }
        try await writeRun(store, "run-1", results.shuffled())
        for pageRows in [2, 3, 4, 100] {
            var streamed: [CaseSummary] = []
            for try await summary in store.caseSummaryStream(runID: "run-1", pageRows: pageRows) { streamed.append(summary) }
            #expect(streamed.map(\.key.caseID) == (0..<7).map { "c\($0)" }, "pages of \(pageRows)")
            #expect(streamed.map(\.samples) == sampleCounts, "pages of \(pageRows)")
            #expect(streamed.map(\.failures) == [0, 1, 0, 1, 0, 1, 0], "pages of \(pageRows)")
            #expect(streamed.map(\.firstReason) == [nil, "expected 'x' — not found", nil, "expected 'x' — not found", nil, "expected 'x' — not found", nil])
        }
        var empty = 0
        for try await _ in store.caseSummaryStream(runID: "no-such-run", pageRows: 2) { empty += 1 }
        #expect(empty == 0)
        await store.close()
    }

    @Test func theTotalsASummaryStreamGathersAreTheRunsFiguresAndServedModels() async throws {
        let folder = try TemporaryDirectory()
        let store = try await RunStore.open(path: folder.url.appendingPathComponent("r.sqlite").path, role: .runs)
        // Two suites, every figure varying from row to row: latency, tokens, cost (some unknown),
        // context use, served model (some not reported), and errors with no response at all.
        var results: [CaseResult] = []
        for index in 0..<23 {
            for sample in 0..<(index % 3 + 1) {
                let status: ResultStatus = (index + sample) % 7 == 0 ? .error : (index % 4 == 0 ? .fail : .pass)
                var made = result(index % 2 == 0 ? "a" : "b", "c\(index)", sample: sample, status: status)
                made.latencyMs = Double(index * 10 + sample) + 0.5
                made.costUSD = index % 5 == 0 ? nil : Double(index) / 1000
                made.contextUse = Double(index) / 25
                if status != .error {
                    made.response?.usage = TokenUsage(inputTokens: 100 + index, outputTokens: sample + 1)
                    made.response?.servedModel = index % 6 == 0 ? nil : "m-\(index % 3)"
                }
                results.append(made)
            }
        }
        try await writeRun(store, "run-1", results.shuffled())
        var expected = FiguresBuilder()
        var served = Set<String>()
        for made in results.sorted(by: { ($0.suite, $0.caseID, $0.sample) < ($1.suite, $1.caseID, $1.sample) }) {
            expected.add(
                suite: made.suite, status: made.status, latencyMs: made.latencyMs, inputTokens: made.response?.usage.inputTokens,
                outputTokens: made.response?.usage.outputTokens, costUSD: made.costUSD, contextUse: made.contextUse)
            if let model = made.response?.servedModel { served.insert(model) }
        }
        let built = expected.build()
        for pageRows in [2, 3, 100] {
            let totals = ResultTotals()
            var summaries = 0
            for try await _ in store.caseSummaryStream(runID: "run-1", pageRows: pageRows, totals: totals) { summaries += 1 }
            #expect(summaries == 23)
            let figures = totals.figures
            #expect(figures.overall == built.overall, "pages of \(pageRows)")
            #expect(figures.suites.map(\.name) == ["a", "b"])
            #expect(figures.suites.map(\.figures) == built.suites.map(\.figures), "pages of \(pageRows)")
            #expect(totals.servedModels == served)
        }
        #expect(served == ["m-0", "m-1", "m-2"])
        let read = try await store.figures(runID: "run-1")
        #expect(read.overall == built.overall)
        #expect(try await store.servedModels(runID: "run-1") == served)
        await store.close()
    }

    @Test func promoteCopiesOneRunIntoTheBaselineFileAndReplacesThePreviousOne() async throws {
        let folder = try TemporaryDirectory()
        let runs = try await RunStore.open(path: folder.url.appendingPathComponent("runs.sqlite").path, role: .runs)
        try await writeRun(runs, "run-1", [result("a", "1")])
        try await writeRun(runs, "run-2", [result("a", "1"), result("a", "2")])
        try await writeRun(runs, "run-3", [result("a", "9")])
        let baselinePath = folder.url.appendingPathComponent("baselines/evalgate.sqlite").path
        let baseline = try await RunStore.open(path: baselinePath, role: .baselineForWriting)
        try await baseline.promote(runID: "run-1", from: runs, name: "main")
        try await baseline.promote(runID: "run-2", from: runs, name: "main")
        try await baseline.promote(runID: "run-2", from: runs, name: "release")
        let entries = try await baseline.baselines()
        #expect(entries.map(\.name) == ["main", "release"])
        #expect(entries.map(\.run.id) == ["run-2", "run-2"])
        #expect(entries.first?.cases == 2)
        #expect(try await baseline.run(id: "run-1") == nil, "the replaced run is dropped from the baseline file")
        #expect(try await baseline.run(id: "run-3") == nil, "only promoted runs are copied")
        await baseline.close()
        await runs.close()
        #expect(!FileManager.default.fileExists(atPath: baselinePath + "-wal"), "no WAL file beside the committed baseline")
    }

    @Test func promotingAnUnknownRunFailsAndChangesNothing() async throws {
        let folder = try TemporaryDirectory()
        let runs = try await RunStore.open(path: folder.url.appendingPathComponent("runs.sqlite").path, role: .runs)
        let baseline = try await RunStore.open(path: folder.url.appendingPathComponent("b.sqlite").path, role: .baselineForWriting)
        await #expect(throws: StoreError.self) { try await baseline.promote(runID: "nope", from: runs, name: "main") }
        #expect(try await baseline.baselines().isEmpty)
        await baseline.close()
        await runs.close()
    }

    @Test func readingABaselineNeverChangesTheFile() async throws {
        let folder = try TemporaryDirectory()
        let runs = try await RunStore.open(path: folder.url.appendingPathComponent("runs.sqlite").path, role: .runs)
        try await writeRun(runs, "run-1", [result("a", "1")])
        let path = folder.url.appendingPathComponent("b.sqlite").path
        let writable = try await RunStore.open(path: path, role: .baselineForWriting)
        try await writable.promote(runID: "run-1", from: runs, name: "main")
        await writable.close()
        await runs.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let reader = try await RunStore.open(path: path, role: .baselineForReading)
        #expect(try await reader.baselineRun(name: "main")?.id == "run-1")
        #expect(try await reader.caseSummaries(runID: "run-1").count == 1)
        await reader.close()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(!files.contains("b.sqlite-wal") && !files.contains("b.sqlite-journal"))
    }

    @Test func aDatabaseFromANewerEvalgateIsRefusedAndLeftAlone() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.url.appendingPathComponent("future.sqlite").path
        let store = try await RunStore.open(path: path, role: .runs)
        await store.close()
        let bump = try await ProcessRunner.tool("sqlite3", [path, "PRAGMA user_version = 99;"])
        #expect(bump.status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        do {
            _ = try await RunStore.open(path: path, role: .runs)
            Issue.record("a newer schema was opened")
        } catch let error as StoreError {
            #expect(error.description.contains("written by a newer evalgate (schema 99"))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    /// `Tests/Fixtures/baseline-schema-v1.sqlite` is the example baseline as the first schema wrote it.
    static let schemaV1 = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/baseline-schema-v1.sqlite")

    @Test func aBaselineFileOfThePreviousSchemaIsReadWithoutBeingChanged() async throws {
        let folder = try TemporaryDirectory()
        let file = folder.url.appendingPathComponent("old.sqlite")
        try FileManager.default.copyItem(at: Self.schemaV1, to: file)
        let before = try Data(contentsOf: file)
        let store = try await RunStore.open(path: file.path, role: .baselineForReading)
        let run = try #require(try await store.baselineRun(name: "main"))
        #expect(try await store.caseSummaries(runID: run.id).count == 20)
        let results = try await store.results(runID: run.id, limit: 1)
        #expect(results.first?.attempts == [], "the new column reads as empty for old rows")
        await store.close()
        #expect(try Data(contentsOf: file) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["old.sqlite"])
    }

    @Test func aStoreOfThePreviousSchemaIsMigratedWhenOpenedForWriting() async throws {
        let folder = try TemporaryDirectory()
        let file = folder.url.appendingPathComponent("runs.sqlite")
        try FileManager.default.copyItem(at: Self.schemaV1, to: file)
        let store = try await RunStore.open(path: file.path, role: .runs)
        try await writeRun(store, "run-new", [result("a", "1")])
        #expect(try await store.results(runID: "run-new").first?.requestID == "req-1-0")
        await store.close()
        let check = try await ProcessRunner.tool("sqlite3", [file.path, "PRAGMA user_version; SELECT COUNT(*) FROM results; PRAGMA integrity_check;"])
        #expect(check.stdout == "\(StoreSchema.currentVersion)\n21\nok\n")
        try await expectStatusCheckedWithoutATablePerRow(file.path, run: "run-new")
    }

    @Test func aNewStoreChecksAResultsStatusWithoutATablePerRow() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.url.appendingPathComponent("runs.sqlite").path
        let store = try await RunStore.open(path: path, role: .runs)
        try await writeRun(store, "run-1", [result("a", "1")])
        await store.close()
        try await expectStatusCheckedWithoutATablePerRow(path, run: "run-1")
    }

    /// Schema 10 checks `status` with comparisons: `IN` with three constants made SQLite fill an
    /// ephemeral table for every inserted row. The constraint must still refuse an unknown status.
    private func expectStatusCheckedWithoutATablePerRow(_ path: String, run: String) async throws {
        let columns = "(run_id, suite, case_id, sample, suite_kind, case_fingerprint, status, score, checks_json, latency_ms, request_id, finished_at)"
        let plan = try await ProcessRunner.tool("sqlite3", [path, "EXPLAIN INSERT OR IGNORE INTO results \(columns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);"])
        #expect(plan.status == 0 && plan.stdout.contains("MakeRecord"), "\(plan.stderr)")
        #expect(!plan.stdout.contains("OpenEphemeral"))
        for (status, accepted) in [("error", true), ("bogus", false)] {
            let insert = try await ProcessRunner.tool("sqlite3", [
                path, "PRAGMA foreign_keys = ON; INSERT INTO results \(columns) VALUES ('\(run)', 'check', '\(status)', 0, 'golden', 'fp', '\(status)', 0, '[]', 0, 'r', 't');",
            ])
            #expect((insert.status == 0) == accepted, "\(status): \(insert.stderr)")
            if !accepted { #expect(insert.stderr.contains("CHECK constraint failed")) }
        }
        let check = try await ProcessRunner.tool("sqlite3", [path, "PRAGMA integrity_check;"])
        #expect(check.stdout == "ok\n")
    }

    @Test func aBaselineFileOfTheVersionBeforeIsReadAsItIs() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.url.appendingPathComponent("nine.sqlite").path
        let runs = try await RunStore.open(path: folder.url.appendingPathComponent("runs.sqlite").path, role: .runs)
        try await writeRun(runs, "run-1", [result("a", "1"), result("a", "2", status: .fail)])
        let baseline = try await RunStore.open(path: path, role: .baselineForWriting)
        try await baseline.promote(runID: "run-1", from: runs, name: "main")
        await baseline.close()
        await runs.close()
        try await rewriteAsSchema9(path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let reader = try await RunStore.open(path: path, role: .baselineForReading)
        let run = try #require(try await reader.baselineRun(name: "main"))
        #expect(try await reader.caseSummaries(runID: run.id).map(\.key.caseID) == ["1", "2"])
        let results = try await reader.results(runID: run.id)
        #expect(results.map(\.caseID) == ["1", "2"])
        #expect(results.allSatisfy { $0.tags == nil }, "schema 9 kept no tags")
        await reader.close()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func theFileIsPlainSQLiteThatTheSqlite3ToolReads() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.url.appendingPathComponent("runs.sqlite").path
        let store = try await RunStore.open(path: path, role: .runs)
        try await writeRun(store, "run-1", [result("a", "1"), result("a", "2", status: .fail)])
        await store.close()
        let output = try await ProcessRunner.tool("sqlite3", [path, "SELECT case_id, status FROM results ORDER BY case_id; PRAGMA integrity_check;"])
        #expect(output.stdout == "1|pass\n2|fail\nok\n")
    }
}
