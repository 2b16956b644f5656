/// A case's identity across runs: its suite and id.
public struct CaseKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var suite: String
    public var caseID: String

    public init(suite: String, caseID: String) {
        self.suite = suite
        self.caseID = caseID
    }

    /// Ordered by suite, then id, byte by byte — the order the store returns them in.
    public static func < (lhs: CaseKey, rhs: CaseKey) -> Bool {
        if lhs.suite != rhs.suite { return lhs.suite.utf8.lexicographicallyPrecedes(rhs.suite.utf8) }
        return lhs.caseID.utf8.lexicographicallyPrecedes(rhs.caseID.utf8)
    }

    public var description: String { "\(suite)/\(caseID)" }
}

/// All samples of one case in one run, counted.
public struct CaseSummary: Sendable, Hashable {
    public var key: CaseKey
    public var kind: SuiteKind
    public var fingerprint: String
    public var samples: Int
    public var passes: Int
    public var failures: Int
    public var errors: Int
    /// The first failed check's reason or error of the first sample that did not pass.
    public var firstReason: String?
    /// Latency of all samples added up, in milliseconds.
    public var totalLatencyMs: Double
    /// The case's weight in its suite's score (1 unless the case says otherwise).
    public var weight = 1.0
    /// Tool-call F1 added up over the samples that have one, and how many do.
    public var toolScoreSum = 0.0
    public var toolScored = 0

    /// Mean tool-call F1 over the samples that have one; nil when the case expects no tool calls.
    public var toolScore: Double? { toolScored > 0 ? toolScoreSum / Double(toolScored) : nil }

    public init(
        key: CaseKey, kind: SuiteKind, fingerprint: String, samples: Int, passes: Int, failures: Int, errors: Int,
        firstReason: String?, totalLatencyMs: Double = 0
    ) {
        self.key = key
        self.kind = kind
        self.fingerprint = fingerprint
        self.samples = samples
        self.passes = passes
        self.failures = failures
        self.errors = errors
        self.firstReason = firstReason
        self.totalLatencyMs = totalLatencyMs
    }

    /// `error` when every sample errored, `fail` when any sample failed, else `pass`.
    public var status: ResultStatus {
        if errors == samples { return .error }
        return failures > 0 ? .fail : .pass
    }

    /// Passed some samples and failed others (errors aside): the model is not consistent here.
    public var isFlaky: Bool { passes > 0 && failures > 0 }

    /// The Wilson 95% interval of the pass rate, over the samples that got a response.
    public var passRateInterval: ClosedRange<Double>? { Statistics.wilson(successes: passes, trials: samples - errors) }

    /// Passing samples out of those that got a response; nil when none did.
    public var passRate: Double? {
        let scored = samples - errors
        return scored > 0 ? Double(passes) / Double(scored) : nil
    }
}

/// One score (usefulness or safety) over a set of cases: the mean of their pass rates.
public struct ScoreLine: Sendable, Hashable {
    public var cases = 0
    public var passed = 0
    public var failed = 0
    public var errored = 0
    private var rateSum = 0.0
    private var weightSum = 0.0

    public init() {}

    /// The weighted mean per-case pass rate over cases that got a response, 0…1 (each case counts
    /// its `weight`, 1 unless set); nil when there are none.
    public var score: Double? { weightSum > 0 ? rateSum / weightSum : nil }

    public mutating func add(_ summary: CaseSummary) {
        cases += 1
        switch summary.status {
        case .pass: passed += 1
        case .fail: failed += 1
        case .error: errored += 1
        }
        if let rate = summary.passRate, summary.weight > 0 {
            rateSum += rate * summary.weight
            weightSum += summary.weight
        }
    }
}

/// The scores of a run: usefulness over golden cases, safety over adversarial ones, per suite and
/// overall, and the error count over all results.
public struct ScoreBoard: Sendable, Hashable {
    /// Golden cases.
    public var usefulness = ScoreLine()
    /// Adversarial cases.
    public var safety = ScoreLine()
    /// Per suite, in the order first seen.
    public private(set) var suites: [SuiteScore] = []
    /// Tool accuracy: mean tool-call F1 over the cases (golden or adversarial) that expect tool calls.
    public var toolCases = 0
    private var toolScoreSum = 0.0
    /// 0…1; nil when no case expects tool calls.
    public var toolAccuracy: Double? { toolCases > 0 ? toolScoreSum / Double(toolCases) : nil }
    /// Case × sample results counted.
    public var results = 0
    /// Results that were errors.
    public var errorResults = 0

    public init() {}

    /// One suite's score line.
    public struct SuiteScore: Sendable, Hashable {
        public var name: String
        public var kind: SuiteKind
        public var line: ScoreLine
    }

    /// The share of results that were errors, 0…1.
    public var errorRate: Double { results > 0 ? Double(errorResults) / Double(results) : 0 }

    public mutating func add(_ summary: CaseSummary) {
        switch summary.kind {
        case .golden: usefulness.add(summary)
        case .adversarial: safety.add(summary)
        }
        results += summary.samples
        errorResults += summary.errors
        if let toolScore = summary.toolScore {
            toolCases += 1
            toolScoreSum += toolScore
        }
        if let last = suites.indices.last, suites[last].name == summary.key.suite {
            suites[last].line.add(summary)
        } else if let index = suites.firstIndex(where: { $0.name == summary.key.suite }) {
            suites[index].line.add(summary)
        } else {
            var line = ScoreLine()
            line.add(summary)
            suites.append(SuiteScore(name: summary.key.suite, kind: summary.kind, line: line))
        }
    }
}
