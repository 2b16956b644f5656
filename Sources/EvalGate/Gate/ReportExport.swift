import EvalGateReports
import EvalGateStore
import Foundation

/// Writes a judged run's reports in one pass over its stored results, a page at a time, with the
/// baseline's results of the same cases read alongside: JUnit, JSON and HTML stream case by case,
/// and the Markdown summary is written last from the totals and the regressed cases' outputs.
struct ReportExport {
    var content: ReportContent
    /// The run's cases counted by suite (for JUnit's per-suite totals).
    var suiteCounts: SuiteCounts
    /// Tags by case from the suites, for results stored without their own.
    var tags: SuiteTags
    /// The formats to write and where, in the order given.
    var targets: [(format: ReportFormat, url: URL)]
    /// The store holding the baseline run, to show its outputs beside this run's (opened and
    /// closed by the caller).
    var baselineStore: RunStore?
    /// Where to append the Markdown summary as well (`$GITHUB_STEP_SUMMARY`).
    var stepSummary: URL?
    var display: @Sendable (URL) -> String

    /// Results read at a time, by the report pass and by the baseline reader.
    static let pageRows = 2000
    /// Where the report pass reads the run's results, when not from the store it is given: a
    /// second connection (`RunStore.readerAlongside`), with its first page already asked for
    /// (`firstPage`, from `readPage`) while the run was judged.
    var resultsStore: RunStore?
    var firstPage: Task<[CaseResult], any Error>?

    /// The results the report pass reads: the Markdown summary alone needs only the regressed
    /// cases' outputs, and they failed now.
    static func resultFilter(_ formats: [ReportFormat]) -> ResultStatus? {
        formats.allSatisfy { $0 == .markdown } ? .fail : nil
    }

    /// Asks for a page of the report pass's results.
    static func readPage(_ store: RunStore, runID: String, after cursor: RunStore.ResultCursor?, only: ResultStatus?) -> Task<[CaseResult], any Error> {
        Task { try await store.results(runID: runID, after: cursor, status: only, limit: pageRows) }
    }

    /// Writes every report; returns their paths for display.
    func write(store: RunStore) async throws(EvalGateError) -> [String] {
        guard !targets.isEmpty else { return [] }
        var current: URL?
        do {
            let shown = targets.map { display($0.url) }
            func others(_ format: ReportFormat) -> [String] {
                zip(targets, shown).filter { $0.0.format != format }.map(\.1)
            }
            let junit = try target(.junit).map { url in
                current = url
                return try JUnitWriter(url: url, name: "evalgate", totals: totals(), properties: runProperties())
            }
            let json = try target(.json).map { url in
                current = url
                return try JSONReportWriter(url: url, content: content)
            }
            let html = try target(.html).map { url in
                current = url
                return try HTMLReportWriter(url: url, content: content, reportFiles: others(.html))
            }
            current = nil
            var outputs: [CaseKey: RegressionOutputs] = [:]
            if junit != nil || json != nil || html != nil || target(.markdown) != nil {
                outputs = try await streamCases(store: store, junit: junit, json: json, html: html)
            }
            if let junit {
                current = target(.junit)
                try junit.finish()
            }
            if let json {
                current = target(.json)
                try json.finish()
            }
            if let html {
                current = target(.html)
                try html.finish()
            }
            if let url = target(.markdown) {
                current = url
                let markdown = MarkdownReport(content: content, outputs: outputs, reportFiles: others(.markdown)).render()
                try ReportFiles.write(markdown, to: url)
                if let stepSummary {
                    current = stepSummary
                    try ReportFiles.append(markdown, to: stepSummary)
                }
            }
            return shown
        } catch let error as EvalGateError {
            throw error
        } catch {
            throw .storage("cannot write \(current.map(display) ?? "the reports"): \(error.localizedDescription)")
        }
    }

    private func target(_ format: ReportFormat) -> URL? {
        targets.first { $0.format == format }?.url
    }

    /// Reads the run (and the baseline) case by case and hands each case to the writers; returns
    /// the outputs of the regressed cases the Markdown summary shows.
    private func streamCases(store: RunStore, junit: JUnitWriter?, json: JSONReportWriter?, html: HTMLReportWriter?) async throws -> [CaseKey: RegressionOutputs] {
        var changes: [CaseKey: CaseChangeKind] = [:]
        if let comparison = content.comparison {
            for key in comparison.added { changes[key] = .new }
            for key in comparison.changed { changes[key] = .changed }
            for change in comparison.insignificantDrops { changes[change.key] = .dropped }
            for change in comparison.fixes { changes[change.key] = .fixed }
            for change in comparison.regressions { changes[change.key] = .regressed }
        }
        let unchanged: CaseChangeKind = content.comparison == nil ? .uncompared : .same
        let shownRegressions = Set(content.regressionsWorstFirst.prefix(MarkdownReport.listLimit).map(\.key))

        var baseline: BaselineReader?
        if let comparison = content.comparison, let baselineStore, json != nil || html != nil || !shownRegressions.isEmpty {
            baseline = BaselineReader(store: baselineStore, runID: comparison.baselineRunID)
        }
        return try await stream(
            store: store, baseline: baseline, changes: changes, unchanged: unchanged, shownRegressions: shownRegressions, junit: junit, json: json, html: html)
    }

    /// Reads the results a page at a time; each page's cases go to the writers at once, each
    /// writer on a task of its own (the JSON and HTML writers are each a third of the work, and
    /// there are two cores), in case order within each file.
    private func stream(
        store: RunStore, baseline: BaselineReader?, changes: [CaseKey: CaseChangeKind], unchanged: CaseChangeKind, shownRegressions: Set<CaseKey>,
        junit: JUnitWriter?, json: JSONReportWriter?, html: HTMLReportWriter?
    ) async throws -> [CaseKey: RegressionOutputs] {
        var outputs: [CaseKey: RegressionOutputs] = [:]
        let only = Self.resultFilter(targets.map(\.format))
        let junitPages = junit.map { JUnitPages(writer: $0, counts: suiteCounts.suites, started: content.run.startedAt, properties: suiteProperties) }
        let writers = PageWriters(junit: junitPages, json: json, html: html)
        var pageCases: [ReportCase] = []

        /// A case's samples, a slice of the page they were read in (copied only when a case
        /// runs on past the end of a page): copying every result out of its page and destroying
        /// both copies was a tenth of the writers' work.
        func emit(_ samples: ArraySlice<CaseResult>) async throws {
            let first = samples.startIndex
            let key = CaseKey(suite: samples[first].suite, caseID: samples[first].caseID)
            let then = try await baseline?.samples(of: key) ?? []
            pageCases.append(ReportCase(
                key: key, kind: samples[first].kind, tags: samples[first].tags ?? tags[key], samples: samples, baseline: then,
                change: changes[key] ?? unchanged))
            if shownRegressions.contains(key) {
                let failing = samples.firstIndex { $0.status == .fail } ?? first
                let thenFirst = then.startIndex
                outputs[key] = RegressionOutputs(
                    current: samples[failing].response?.text ?? samples[failing].error,
                    baseline: then.isEmpty ? nil : then[thenFirst].response?.text ?? then[thenFirst].error)
            }
        }
        // Pipelined: the store thread reads and decodes the next page as soon as one comes, while
        // this one is merged with the baseline and the writers take the one before (at most one
        // page is being written; the writers take the pages in order).
        let runID = content.run.id
        let reading = resultsStore ?? store
        func read(after cursor: RunStore.ResultCursor?) -> Task<[CaseResult], any Error> {
            Self.readPage(reading, runID: runID, after: cursor, only: only)
        }
        var ahead: Task<[CaseResult], any Error>? = firstPage ?? read(after: nil)
        defer { ahead?.cancel() }
        // The samples of the case the page before ended with, which may go on in this page.
        var carried: [CaseResult] = []
        try await withThrowingTaskGroup(of: Void.self) { writing in
            func hand(_ cases: [ReportCase]) async throws {
                try await writing.next()
                writing.addTask { try await writers.write(cases) }
            }
            while let reading = ahead {
                let page = try await reading.value
                guard let last = page.last else { break }
                ahead = page.count < Self.pageRows ? nil : read(after: RunStore.ResultCursor(suite: last.suite, caseID: last.caseID, sample: last.sample))
                var start = page.startIndex
                if !carried.isEmpty {
                    let (suite, caseID) = (carried[0].suite, carried[0].caseID)
                    while start < page.endIndex && page[start].suite == suite && page[start].caseID == caseID { start += 1 }
                    carried.append(contentsOf: page[..<start])
                    if start == page.endIndex && ahead != nil { continue }
                    try await emit(carried[...])
                    carried = []
                }
                while start < page.endIndex {
                    var end = start + 1
                    while end < page.endIndex && page[end].suite == page[start].suite && page[end].caseID == page[start].caseID { end += 1 }
                    // The page's last case may go on in the next page.
                    if end == page.endIndex && ahead != nil {
                        carried = Array(page[start..<end])
                        break
                    }
                    try await emit(page[start..<end])
                    start = end
                }
                try await hand(pageCases)
                pageCases.removeAll(keepingCapacity: true)
            }
            if !carried.isEmpty { try await emit(carried[...]) }
            try await hand(pageCases)
            try await writing.waitForAll()
        }
        return outputs
    }

    private func totals() -> JUnitWriter.Counts {
        suiteCounts.suites.values.reduce(into: JUnitWriter.Counts()) { total, entry in
            total.tests += entry.1.tests
            total.failures += entry.1.failures
            total.errors += entry.1.errors
            total.seconds += entry.1.seconds
        }
    }

    /// The run's identity, verdict and overall figures, repeated in every suite (junit-10.xsd
    /// allows `properties` only there).
    private func runProperties() -> [(String, String)] {
        var properties: [(String, String)] = [
            ("evalgate.run_id", content.run.id), ("evalgate.config_fingerprint", content.configFingerprint),
            ("evalgate.provider", content.provider), ("evalgate.model", content.model), ("evalgate.verdict", content.verdict.outcome.rawValue),
        ]
        if let comparison = content.comparison {
            properties.append(("evalgate.baseline", "\(comparison.baselineName) (run \(comparison.baselineRunID))"))
        }
        func add(_ name: String, _ value: Double?, digits: Int = 4) {
            guard let value else { return }
            properties.append(("evalgate.\(name)", String(format: "%.\(digits)f", value)))
        }
        let figures = content.figures
        add("usefulness", content.scores.usefulness.score)
        add("safety", content.scores.safety.score)
        add("tool_accuracy", content.scores.toolAccuracy)
        add("cost_usd", figures.knownCost, digits: 6)
        add("latency_p50_ms", figures.latencyP50, digits: 1)
        add("latency_p95_ms", figures.latencyP95, digits: 1)
        add("latency_p99_ms", figures.latencyP99, digits: 1)
        add("error_rate", figures.results > 0 ? figures.errorRate : nil)
        properties.append(("evalgate.tokens", "\(figures.inputTokens) in, \(figures.outputTokens) out"))
        return properties
    }

    /// A suite's score and figures as JUnit properties (named `evalgate.suite_…`); absent values are left out.
    private func suiteProperties(_ suite: String, kind: SuiteKind) -> [(String, String)] {
        var properties: [(String, String)] = []
        func add(_ name: String, _ value: Double?, digits: Int = 4) {
            guard let value else { return }
            properties.append(("evalgate.suite_\(name)", String(format: "%.\(digits)f", value)))
        }
        let score = content.scores.suites.first { $0.name == suite }?.line.score
        add(kind == .golden ? "usefulness" : "safety", score)
        if let figures = content.figures(ofSuite: suite) {
            add("cost_usd", figures.knownCost, digits: 6)
            add("latency_p95_ms", figures.latencyP95, digits: 1)
            add("error_rate", figures.results > 0 ? figures.errorRate : nil)
        }
        return properties
    }
}

/// Reads a baseline run's results in store order, handing out each case's samples as the report
/// pass reaches it: a merge of two sorted streams, a page at a time.
final class BaselineReader {
    let store: RunStore
    let runID: String
    private var buffer: [CaseResult] = []
    private var index = 0
    /// The next page, asked for as soon as the last one came (read while this one is used).
    private var ahead: Task<[CaseResult], any Error>?
    private var exhausted = false

    init(store: RunStore, runID: String) {
        self.store = store
        self.runID = runID
        ahead = read(after: nil)
    }

    deinit {
        ahead?.cancel()
    }

    private func read(after cursor: RunStore.ResultCursor?) -> Task<[CaseResult], any Error> {
        let (store, runID) = (store, runID)
        return Task { try await store.results(runID: runID, after: cursor, limit: ReportExport.pageRows) }
    }

    /// The baseline's samples of `key`, a slice of the page they are in (copied only when they
    /// run on past its end); keys must be asked for in ascending order.
    func samples(of key: CaseKey) async throws -> ArraySlice<CaseResult> {
        var carried: [CaseResult] = []
        while true {
            if index >= buffer.count {
                guard !exhausted, let reading = ahead else { return carried[...] }
                buffer = try await reading.value
                index = 0
                guard let last = buffer.last else {
                    exhausted = true
                    return carried[...]
                }
                ahead = buffer.count < ReportExport.pageRows ? nil : read(after: RunStore.ResultCursor(suite: last.suite, caseID: last.caseID, sample: last.sample))
                continue
            }
            while index < buffer.count && CaseKey(suite: buffer[index].suite, caseID: buffer[index].caseID) < key { index += 1 }
            let start = index
            while index < buffer.count && buffer[index].suite == key.suite && buffer[index].caseID == key.caseID { index += 1 }
            // Found up to the page's end: the case may go on in the next page.
            if index == buffer.count && !exhausted && ahead != nil {
                carried.append(contentsOf: buffer[start..<index])
                continue
            }
            if carried.isEmpty { return buffer[start..<index] }
            carried.append(contentsOf: buffer[start..<index])
            return carried[...]
        }
    }
}

/// The streaming writers, handed one page of cases at a time, each on its own task. Each writer is
/// used by one task at a time and the pages go in order, so each file's cases stay in order.
private struct PageWriters: @unchecked Sendable {
    // @unchecked: the writers are classes used by one task at a time (see above).
    var junit: JUnitPages?
    var json: JSONReportWriter?
    var html: HTMLReportWriter?

    func write(_ cases: [ReportCase]) async throws {
        guard !cases.isEmpty else { return }
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let junit { group.addTask { try junit.write(cases) } }
            if let json { group.addTask { for reportCase in cases { try json.add(reportCase) } } }
            if let html { group.addTask { for reportCase in cases { try html.add(reportCase) } } }
            try await group.waitForAll()
        }
    }
}

/// The JUnit writer with the suite it is in: a `testsuite` opens when the cases reach a new suite.
private final class JUnitPages: @unchecked Sendable {
    // @unchecked: used by one task at a time, page after page.
    let writer: JUnitWriter
    let counts: [String: (SuiteKind, JUnitWriter.Counts)]
    let started: Date
    let properties: (String, SuiteKind) -> [(String, String)]
    private var currentSuite: String?

    init(writer: JUnitWriter, counts: [String: (SuiteKind, JUnitWriter.Counts)], started: Date, properties: @escaping (String, SuiteKind) -> [(String, String)]) {
        self.writer = writer
        self.counts = counts
        self.started = started
        self.properties = properties
    }

    func write(_ cases: [ReportCase]) throws {
        for reportCase in cases {
            let suite = reportCase.key.suite
            if currentSuite != suite {
                let (kind, suiteCounts) = counts[suite] ?? (reportCase.kind, JUnitWriter.Counts())
                try writer.beginSuite(name: suite, kind: kind, counts: suiteCounts, timestamp: started, properties: properties(suite, kind))
                currentSuite = suite
            }
            try writer.addCase(reportCase.samples)
        }
    }
}

/// A run's cases counted by suite for JUnit's totals, added up as the case summaries stream past.
struct SuiteCounts: Sendable {
    private(set) var suites: [String: (SuiteKind, JUnitWriter.Counts)] = [:]

    mutating func add(_ summary: CaseSummary) {
        var entry = suites[summary.key.suite] ?? (summary.kind, JUnitWriter.Counts())
        entry.1.tests += 1
        switch summary.status {
        case .fail: entry.1.failures += 1
        case .error: entry.1.errors += 1
        case .pass: break
        }
        entry.1.seconds += summary.totalLatencyMs / 1000
        suites[summary.key.suite] = entry
    }
}
