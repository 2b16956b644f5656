import Foundation

/// The outcome of one case × sample.
public enum ResultStatus: String, Sendable, Hashable, CaseIterable {
    /// Every check held.
    case pass
    /// At least one check did not hold: a verdict on the model.
    case fail
    /// The provider gave no response: infrastructure trouble, not a verdict on the model.
    case error
}

/// One check's verdict with a reason a person can read.
public struct CheckResult: Sendable, Hashable {
    /// The kind of check: `expected_contains`, `forbidden_contains`, …
    public var check: String
    public var passed: Bool
    /// "expected '30 days' — not found", "forbidden 'I don't know' — found at offset 12".
    public var reason: String
    /// How much the check counts in the case's score (1 unless an assertion says otherwise).
    public var weight: Double

    public init(check: String, passed: Bool, reason: String, weight: Double = 1) {
        self.check = check
        self.passed = passed
        self.reason = reason
        self.weight = weight
    }
}

/// The result of one case × sample: what was sent back and how it scored.
public struct CaseResult: Sendable, Hashable {
    public var suite: String
    public var kind: SuiteKind
    public var caseID: String
    public var caseFingerprint: String
    public var sample: Int
    public var status: ResultStatus
    /// The share of checks that held, 0…1 (1 when the case has no checks); 0 for an error.
    public var score: Double
    public var checks: [CheckResult]
    /// The response, absent for an error.
    public var response: ModelResponse?
    /// What went wrong, for an error.
    public var error: String?
    /// The `X-Request-ID` of the last attempt (`run/suite/case/sample/attempt`).
    public var requestID: String
    public var latencyMs: Double
    public var finishedAt: Date
    /// Every attempt with its outcome, for providers that retry (empty otherwise).
    public var attempts: [AttemptRecord]
    /// Tool-call F1 (0…1) when the case expects tool calls and got a response; else nil.
    public var toolScore: Double?
    /// USD from the usage and the pinned pricing; nil when unknown (no price, or no usage).
    public var costUSD: Double?
    /// Input tokens ÷ the pinned context window; nil when either is unknown.
    public var contextUse: Double?
    /// The case's weight in its suite's score.
    public var caseWeight: Double = 1
    /// The response came from the response cache; its latency is the original request's.
    public var cached = false
    /// What was sent: `{"messages": [{role, content}], "vars": {…}}` (the system prompt is the
    /// config's template filled with these vars).
    public var requestJSON: String?
    /// The case's tags as it ran; nil for a result stored before tags were (schema 11).
    public var tags: [String]?

    public init(
        suite: String, kind: SuiteKind, caseID: String, caseFingerprint: String, sample: Int, status: ResultStatus,
        score: Double, checks: [CheckResult], response: ModelResponse?, error: String?, requestID: String,
        latencyMs: Double, finishedAt: Date, attempts: [AttemptRecord] = [], toolScore: Double? = nil, costUSD: Double? = nil,
        contextUse: Double? = nil
    ) {
        self.suite = suite
        self.kind = kind
        self.caseID = caseID
        self.caseFingerprint = caseFingerprint
        self.sample = sample
        self.status = status
        self.score = score
        self.checks = checks
        self.response = response
        self.error = error
        self.requestID = requestID
        self.latencyMs = latencyMs
        self.finishedAt = finishedAt
        self.attempts = attempts
        self.toolScore = toolScore
        self.costUSD = costUSD
        self.contextUse = contextUse
    }

    /// The first failed check's reason, or the error.
    public var firstReason: String? {
        if let error { return error }
        return checks.first { !$0.passed }?.reason
    }
}
