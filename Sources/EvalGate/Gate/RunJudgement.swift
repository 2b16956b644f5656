import EvalGateReports
import EvalGateStore
import Foundation
import Synchronization

/// Judges a stored run — against its baseline for `gate` and `report`, on its own for `run` —
/// writes its reports and builds the terminal summary. Sends nothing to a model.
struct RunJudgement: Sendable {
    var config: EvalConfig
    /// Judge against a baseline (gate, report) or only whether the run completed (run).
    var compare: Bool
    var requireBaseline: Bool
    /// False when the run was filtered, so cases left out on purpose are not called removed.
    var countRemoved: Bool
    /// Case × sample pairs planned, for the budget message.
    var planned: Int
    var workingDirectory: URL
    /// Compare with this run of the run store instead of the configured baseline.
    var againstRunID: String?
    /// The stored run, when judging one again (`report`): its recorded config is its identity,
    /// whatever the config file says now.
    var recorded: RunRecord?
    /// Tags from the suites, for results stored without their own.
    var tags = SuiteTags { CaseTags([]) }
    var reportTargets: [(format: ReportFormat, url: URL)] = []
    /// A JSON report written for `--output json` to print, not listed among the reports.
    var printedJSON: URL?
    var stepSummary: URL?

    init(config: EvalConfig, compare: Bool, requireBaseline: Bool, countRemoved: Bool, planned: Int, workingDirectory: URL) {
        self.config = config
        self.compare = compare
        self.requireBaseline = requireBaseline
        self.countRemoved = countRemoved
        self.planned = planned
        self.workingDirectory = workingDirectory
    }

    func display(_ url: URL) -> String {
        DisplayPath.relative(url, to: workingDirectory)
    }

    /// The reports to write: the listed ones and the JSON printed for `--output json`.
    private var allTargets: [(format: ReportFormat, url: URL)] {
        var targets = reportTargets
        if let printedJSON, !targets.contains(where: { $0.format == .json }) { targets.append((.json, printedJSON)) }
        return targets
    }

    /// Compares with the baseline, writes the reports and builds the summary. The report pass
    /// reads the results on a second connection, its first page asked for before the judging
    /// starts: the two read side by side instead of taking turns on the store's thread.
    func judge(runID: String, status: RunStatus, store: RunStore) async throws(EvalGateError) -> RunReport {
        let targets = allTargets
        let reader = targets.isEmpty ? nil : try? await store.readerAlongside()
        let firstPage = reader.map { ReportExport.readPage($0, runID: runID, after: nil, only: ReportExport.resultFilter(targets.map(\.format))) }
        let report: Result<RunReport, EvalGateError>
        do {
            report = .success(try await judge(runID: runID, status: status, store: store, reader: reader, firstPage: firstPage))
        } catch {
            report = .failure(error)
        }
        firstPage?.cancel()
        await reader?.close()
        return try report.get()
    }

    private func judge(
        runID: String, status: RunStatus, store: RunStore, reader: RunStore?, firstPage: Task<[CaseResult], any Error>?
    ) async throws(EvalGateError) -> RunReport {
        // The run's case summaries are read once, a page at a time: beside the baseline's when
        // there is one to compare with, on their own otherwise. Each adds to the scores, the flaky
        // cases and JUnit's per-suite counts.
        var tally = SummaryTally()
        let fingerprint = recorded?.configFingerprint ?? config.fingerprint
        let model = recorded?.model ?? config.provider.model
        let settings = recorded.map { (try? JSONSource.value($0.configJSON)) ?? .null } ?? config.storedJSON

        var comparison: BaselineComparison?
        var baselineFigures: Figures?
        var configDiff: ConfigDiff?
        var drift: [String] = []
        var baselineName = config.baseline.name
        // The same pass adds up the run's figures and served models.
        var totals = ResultTotals()
        let found: (BaselineComparison, Figures, RunRecord, Set<String>)?
        if !compare {
            found = nil
        } else if let againstRunID {
            baselineName = "run \(againstRunID)"
            found = try await BaselineLookup.compare(
                store.caseSummaryStream(runID: runID, totals: totals), withRun: againstRunID, in: store, countRemoved: countRemoved,
                alpha: config.gate.alpha, tally: &tally)
        } else {
            found = try await BaselineLookup.compare(
                store.caseSummaryStream(runID: runID, totals: totals), with: config.baseline, countRemoved: countRemoved, alpha: config.gate.alpha,
                display: display, tally: &tally)
        }
        let figures: (overall: Figures, suites: [(name: String, figures: Figures)])
        let record: RunRecord?
        do {
            if found == nil {
                // No baseline to compare with: the stream above was not read.
                totals = ResultTotals()
                for try await summary in store.caseSummaryStream(runID: runID, totals: totals) { tally.add(summary) }
            }
            figures = totals.figures
            record = try await store.run(id: runID)
        } catch {
            throw .storage("cannot read the results of run \(runID): \(error)")
        }
        let scores = tally.scores
        let suiteCounts = tally.suiteCounts
        if let found {
            comparison = found.0
            baselineFigures = found.1
            let baselineConfig = (try? JSONSource.value(found.2.configJSON)) ?? .null
            configDiff = ConfigDiff(baseline: baselineConfig, current: settings)
            if found.2.configFingerprint == fingerprint {
                // Same pinned config: any change in results or served model is the provider's doing.
                let served = totals.servedModels
                if !found.3.isEmpty, !served.isEmpty, served != found.3 {
                    drift.append("the provider served \(served.sorted().joined(separator: ", ")) where the baseline got \(found.3.sorted().joined(separator: ", "))")
                }
                if !found.0.regressions.isEmpty {
                    drift.append("\(found.0.regressions.count) case(s) regressed with the config unchanged")
                }
            }
        }
        var verdict: GateVerdict
        if compare {
            verdict = GateJudge.judge(
                scores: scores, comparison: comparison, policy: config.gate, runStatus: status, baselineName: baselineName,
                requireBaseline: requireBaseline)
        } else {
            // `run` judges only whether the run completed; comparing is the gate's job.
            var policy = GatePolicy()
            policy.minSafety = nil
            policy.maxErrorRate = config.gate.maxErrorRate
            var judged = GateJudge.judge(
                scores: scores, comparison: nil, policy: policy, runStatus: status, baselineName: baselineName, requireBaseline: false)
            judged.notes = []
            verdict = judged
        }

        // Relative rises of cost and latency, judged here because they need both runs' figures.
        if compare, let then = baselineFigures {
            let now = figures.overall
            if let limit = config.gate.maxCostRise, let before = then.costPerResponse, let after = now.costPerResponse, before > 0,
                after > before * (1 + limit) + 1e-12
            {
                verdict.outcome = .regression
                verdict.reasons.append(
                    "cost per response rose from $\(String(format: "%.6f", before)) to $\(String(format: "%.6f", after)) (+\(GateJudge.percent(after / before - 1))), more than gate.max_cost_rise \(GateJudge.percent(limit))")
            }
            if let limit = config.gate.maxLatencyP95Rise, let before = then.latencyP95, let after = now.latencyP95, before > 0,
                after > before * (1 + limit) + 1e-9
            {
                verdict.outcome = .regression
                verdict.reasons.append(
                    "latency p95 rose from \(Int(before.rounded())) ms to \(Int(after.rounded())) ms (+\(GateJudge.percent(after / before - 1))), more than gate.max_latency_p95_rise \(GateJudge.percent(limit))")
            }
        }
        if !drift.isEmpty {
            let line = "provider drift (same config fingerprint as the baseline): " + drift.joined(separator: "; ")
            if config.gate.failOnDrift && compare {
                verdict.outcome = .regression
                verdict.reasons.append(line + " — gate.fail_on_drift is set")
            } else {
                verdict.notes.append(line)
            }
        }
        if status == .budgetExceeded, let index = verdict.reasons.firstIndex(where: { $0.hasPrefix("the spending cap") }) {
            let spent = figures.overall
            var detail = "after \(spent.results) of \(planned) requests (spent \(spent.inputTokens + spent.outputTokens) tokens"
            if spent.costUnknown == 0 { detail += ", $" + String(format: "%.4f", spent.costUSD) }
            verdict.reasons[index] = "the spending cap (run.budget) was reached \(detail)); nothing more was started"
        }

        let run = ReportRun(
            id: runID, status: status, startedAt: record?.startedAt ?? Date(), endedAt: record?.endedAt, gitCommit: record?.gitCommit,
            evalgateVersion: record?.evalgateVersion ?? EvalGateVersion.current, planned: record?.planned ?? planned)
        let content = ReportContent(
            run: run, judged: compare, configFingerprint: fingerprint, provider: recorded?.provider ?? config.provider.type.rawValue, model: model,
            config: settings, scores: scores, figures: figures.overall,
            suiteFigures: figures.suites.map { ReportContent.SuiteFigures(name: $0.name, figures: $0.figures) }, baselineName: baselineName,
            comparison: comparison, baselineFigures: baselineFigures, verdict: verdict, configDiff: configDiff, flaky: tally.flaky,
            generatedAt: Date())
        let reportFiles = try await writeReports(content, suiteCounts: suiteCounts, store: store, reader: reader, firstPage: firstPage)

        var errorExamples: [String] = []
        if scores.errorResults > 0 {
            errorExamples = (try? await store.results(runID: runID, status: .error, limit: 5))?
                .map { "\($0.suite)/\($0.caseID) sample \($0.sample): \($0.error ?? "error") [request \($0.requestID)]" } ?? []
        }
        var summary = GateSummary(
            command: compare ? .gate : .run, runID: runID, configFingerprint: fingerprint, model: model, scores: scores,
            comparison: comparison, baselineName: baselineName, verdict: verdict, reportFiles: reportFiles,
            errorExamples: errorExamples, figures: figures.overall, baselineFigures: baselineFigures)
        summary.flaky = content.flaky
        summary.configDiff = configDiff
        summary.suiteFigures = Dictionary(figures.suites.map { ($0.name, $0.figures) }, uniquingKeysWith: { first, _ in first })
        return RunReport(
            runID: runID, status: status, scores: scores, comparison: comparison, verdict: verdict, summary: summary.render(),
            reportFiles: reportFiles, content: content,
            jsonReport: reportTargets.first { $0.format == .json }?.url ?? printedJSON)
    }

    /// Writes the reports, reading the baseline's outputs from its file (or from the run store
    /// when comparing with one of its runs).
    private func writeReports(
        _ content: ReportContent, suiteCounts: SuiteCounts, store: RunStore, reader: RunStore?, firstPage: Task<[CaseResult], any Error>?
    ) async throws(EvalGateError) -> [String] {
        let targets = allTargets
        guard !targets.isEmpty else { return [] }
        var export = ReportExport(
            content: content, suiteCounts: suiteCounts, tags: tags, targets: targets, stepSummary: stepSummary,
            display: { [workingDirectory] in DisplayPath.relative($0, to: workingDirectory) })
        export.resultsStore = reader
        export.firstPage = firstPage
        var opened: RunStore?
        if content.comparison != nil {
            if againstRunID != nil {
                export.baselineStore = store
            } else {
                opened = try? await RunStore.open(path: config.baseline.file.url.path, role: .baselineForReading)
                export.baselineStore = opened
            }
        }
        let written: Result<[String], EvalGateError>
        do {
            let unlisted = printedJSON.map { [DisplayPath.relative($0, to: workingDirectory)] } ?? []
            written = .success(try await export.write(store: store).filter { !unlisted.contains($0) })
        } catch {
            written = .failure(error)
        }
        await opened?.close()
        return try written.get()
    }
}

/// Each case's tags from the suites, made only when a result has none of its own: one stored
/// before results kept their tags (schema 11). A run's reports otherwise hold no index of tags.
final class SuiteTags: Sendable {
    private let make: @Sendable () -> CaseTags
    private let made = Mutex<CaseTags?>(nil)

    init(_ make: @escaping @Sendable () -> CaseTags) {
        self.make = make
    }

    /// The tags of the case with `key` (none for an unknown case).
    subscript(key: CaseKey) -> [String] {
        made.withLock { tags in
            if tags == nil { tags = make() }
            return tags![key]
        }
    }
}

/// Each case's tags, found by key without a dictionary of every case (which was 10 MB at 100,000
/// cases): the cases themselves (the plan's array, shared, not copied) and the positions of the
/// tagged ones sorted by key, searched by halves.
struct CaseTags: Sendable {
    /// A held tagged case: its suite and tag list as indexes into `suites` and `lists` (both hold
    /// each name or list once). Suites kept by line are asked directly (`CaseLines.tags(of:)`).
    private struct Entry {
        var suite: Int32
        var tags: Int32
        var id: String
    }

    private var suites: [String] = []
    private var lists: [[String]] = []
    /// Sorted by suite name, then id.
    private var entries: [Entry] = []
    private var kept: [CaseLines] = []

    init(_ cases: [EvalCase], lines: [CaseLines] = []) {
        var suiteIndex: [String: Int32] = [:]
        var listIndex: [[String]: Int32] = [:]
        func add(suite: String, id: String, tags: [String]) {
            let suiteNumber = suiteIndex[suite] ?? {
                suites.append(suite)
                suiteIndex[suite] = Int32(suites.count - 1)
                return Int32(suites.count - 1)
            }()
            let listNumber = listIndex[tags] ?? {
                lists.append(tags)
                listIndex[tags] = Int32(lists.count - 1)
                return Int32(lists.count - 1)
            }()
            entries.append(Entry(suite: suiteNumber, tags: listNumber, id: id))
        }
        for evalCase in cases where !evalCase.tags.isEmpty { add(suite: evalCase.suite, id: evalCase.id, tags: evalCase.tags) }
        kept = lines
        // Suites are usually written in id order already; sort only when they are not.
        let names = suites
        func key(_ entry: Entry) -> CaseKey { CaseKey(suite: names[Int(entry.suite)], caseID: entry.id) }
        if zip(entries, entries.dropFirst()).contains(where: { !(key($0) < key($1)) }) {
            entries.sort { key($0) < key($1) }
        }
    }

    private func key(_ entry: Entry) -> CaseKey { CaseKey(suite: suites[Int(entry.suite)], caseID: entry.id) }

    /// The tags of the case with `key` (none for an unknown case).
    subscript(key: CaseKey) -> [String] {
        if let suite = kept.first(where: { $0.suite == key.suite }) { return suite.tags(of: key.caseID) }
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if self.key(entries[middle]) < key { low = middle + 1 } else { high = middle }
        }
        guard low < entries.count, self.key(entries[low]) == key else { return [] }
        return lists[Int(entries[low].tags)]
    }
}

/// What the judgement adds up from the run's case summaries as they stream past.
struct SummaryTally {
    var scores = ScoreBoard()
    var flaky: [CaseSummary] = []
    var suiteCounts = SuiteCounts()

    mutating func add(_ summary: CaseSummary) {
        scores.add(summary)
        suiteCounts.add(summary)
        if summary.isFlaky { flaky.append(summary) }
    }
}
