import EvalGateCore
import Foundation

/// Everything about a run that every report shows, judged and ready: the run, its config, scores
/// and figures, the comparison with the baseline and the verdict. Cases stream separately, one
/// `ReportCase` at a time, so no report holds a run's results in memory.
public struct ReportContent: Sendable {
    public var run: ReportRun
    /// Whether the run was judged against a baseline (`gate`, `report`) or only run (`run`).
    public var judged: Bool
    public var configFingerprint: String
    public var provider: String
    public var model: String
    /// The stored config (no secrets), for the JSON report.
    public var config: JSONValue
    public var scores: ScoreBoard
    public var figures: Figures
    public var suiteFigures: [SuiteFigures]
    public var baselineName: String
    public var comparison: BaselineComparison?
    public var baselineFigures: Figures?
    public var verdict: GateVerdict
    public var configDiff: ConfigDiff?
    /// Cases that passed some samples and failed others.
    public var flaky: [CaseSummary]
    /// When the reports were made (not part of any result).
    public var generatedAt: Date

    /// One suite's figures.
    public struct SuiteFigures: Sendable {
        public var name: String
        public var figures: Figures

        public init(name: String, figures: Figures) {
            self.name = name
            self.figures = figures
        }
    }

    public init(
        run: ReportRun, judged: Bool, configFingerprint: String, provider: String, model: String, config: JSONValue, scores: ScoreBoard,
        figures: Figures, suiteFigures: [SuiteFigures], baselineName: String, comparison: BaselineComparison?, baselineFigures: Figures?,
        verdict: GateVerdict, configDiff: ConfigDiff?, flaky: [CaseSummary], generatedAt: Date
    ) {
        self.run = run
        self.judged = judged
        self.configFingerprint = configFingerprint
        self.provider = provider
        self.model = model
        self.config = config
        self.scores = scores
        self.figures = figures
        self.suiteFigures = suiteFigures
        self.baselineName = baselineName
        self.comparison = comparison
        self.baselineFigures = baselineFigures
        self.verdict = verdict
        self.configDiff = configDiff
        self.flaky = flaky
        self.generatedAt = generatedAt
    }

    /// The verdict as one word: PASS, COMPLETED (a run not judged), REGRESSION or INCOMPLETE.
    public var headline: String {
        switch verdict.outcome {
        case .pass: judged ? "PASS" : "COMPLETED"
        case .regression: "REGRESSION"
        case .incomplete: "INCOMPLETE"
        }
    }

    /// The number of cases in the run.
    public var caseCount: Int { scores.usefulness.cases + scores.safety.cases }

    /// The regressions, worst first: safety before usefulness, then the most significant drop,
    /// then by suite and case.
    public var regressionsWorstFirst: [CaseChange] {
        (comparison?.regressions ?? []).sorted { a, b in
            if a.kind != b.kind { return a.kind == .adversarial }
            let pa = a.pValue ?? 0, pb = b.pValue ?? 0
            if pa != pb { return pa < pb }
            return a.key < b.key
        }
    }

    /// The suite's figures, when the run has results in it.
    public func figures(ofSuite name: String) -> Figures? {
        suiteFigures.first { $0.name == name }?.figures
    }
}

/// The stored run a report describes.
public struct ReportRun: Sendable {
    public var id: String
    public var status: RunStatus
    public var startedAt: Date
    public var endedAt: Date?
    public var gitCommit: String?
    public var evalgateVersion: String
    /// Case × sample pairs planned.
    public var planned: Int

    public init(id: String, status: RunStatus, startedAt: Date, endedAt: Date?, gitCommit: String?, evalgateVersion: String, planned: Int) {
        self.id = id
        self.status = status
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.gitCommit = gitCommit
        self.evalgateVersion = evalgateVersion
        self.planned = planned
    }
}

/// How a case compares with the baseline.
public enum CaseChangeKind: String, Sendable, CaseIterable {
    /// Passed in the baseline, fails now (significantly, when sampled).
    case regressed
    /// Failed in the baseline, passes now.
    case fixed
    /// The pass rate fell, but not significantly.
    case dropped
    /// The case's content changed since the baseline: not compared.
    case changed
    /// The baseline does not have the case.
    case new
    /// Compared, and no different.
    case same
    /// There was no baseline to compare with.
    case uncompared
}

/// One case of a run with all its samples, and the baseline's samples of the same case: what the
/// HTML, JSON and JUnit reports are written from, one case at a time.
public struct ReportCase: Sendable {
    public var key: CaseKey
    public var kind: SuiteKind
    /// The case's tags, from its suite.
    public var tags: [String]
    /// This run's samples, by sample number: usually a slice of the page of results they were
    /// read in, so that a case's results are not copied out of it.
    public var samples: ArraySlice<CaseResult>
    /// The baseline run's samples of the case (empty when it has none).
    public var baseline: ArraySlice<CaseResult>
    public var change: CaseChangeKind

    public init(
        key: CaseKey, kind: SuiteKind, tags: [String], samples: ArraySlice<CaseResult>, baseline: ArraySlice<CaseResult>, change: CaseChangeKind
    ) {
        self.key = key
        self.kind = kind
        self.tags = tags
        self.samples = samples
        self.baseline = baseline
        self.change = change
    }

    /// `error` when every sample errored, `fail` when any failed, else `pass` (as in `CaseSummary`).
    public var status: ResultStatus { Self.status(of: samples) }

    /// The baseline's status of the case, when it has the case.
    public var baselineStatus: ResultStatus? { baseline.isEmpty ? nil : Self.status(of: baseline) }

    // These read each sample's fields in place (`samples[index].field`): iterating an array of
    // `CaseResult`s copies every one, retaining its twenty-odd strings and arrays, and that was
    // the biggest cost of writing a 100,000-case report.

    static func status(of samples: ArraySlice<CaseResult>) -> ResultStatus {
        var allErrors = true
        var anyFailure = false
        for index in samples.indices {
            let status = samples[index].status
            if status != .error { allErrors = false }
            if status == .fail { anyFailure = true }
        }
        if allErrors { return .error }
        return anyFailure ? .fail : .pass
    }

    /// The first failing sample's first reason, or the first error.
    public var reason: String? {
        if let index = samples.indices.first(where: { samples[$0].status == .fail }) { return samples[index].firstReason }
        if let index = samples.indices.first(where: { samples[$0].status == .error }) { return samples[index].error }
        return nil
    }

    /// The mean score over the samples.
    public var score: Double {
        guard !samples.isEmpty else { return 0 }
        var total = 0.0
        for index in samples.indices { total += samples[index].score }
        return total / Double(samples.count)
    }

    /// The summed latency of the samples, in milliseconds.
    public var latencyMs: Double {
        var total = 0.0
        for index in samples.indices { total += samples[index].latencyMs }
        return total
    }

    /// The summed cost, or nil when any response's cost is unknown.
    public var costUSD: Double? {
        var total = 0.0
        for index in samples.indices where samples[index].status != .error {
            guard let cost = samples[index].costUSD else { return nil }
            total += cost
        }
        return total
    }

    /// The first sample's stored request (the same for every sample).
    public var requestJSON: String? { samples.isEmpty ? nil : samples[samples.startIndex].requestJSON }
}

/// A regressed case's outputs now and in the baseline, for the Markdown summary.
public struct RegressionOutputs: Sendable {
    public var current: String?
    public var baseline: String?

    public init(current: String?, baseline: String?) {
        self.current = current
        self.baseline = baseline
    }
}
