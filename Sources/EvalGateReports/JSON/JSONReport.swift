import EvalGateCore
import Foundation

/// Writes `results.json`: the run, its config, scores, comparison and verdict, then every case
/// with its samples and assertions, streamed one case at a time. The schema is versioned
/// (`"format": "evalgate.results", "version": 1`) and documented in docs/REPORTS.md, with a JSON
/// Schema in docs/results.schema.json.
public final class JSONReportWriter {
    public static let format = "evalgate.results"
    public static let version = 1

    private let file: ReportFile
    private var first = true

    public init(url: URL, content: ReportContent) throws {
        file = try ReportFile(url: url)
        let members: [(String, JSONValue)] = [
            ("format", .string(Self.format)),
            ("version", .number(Double(Self.version))),
            ("generated_at", .string(Timestamp.iso8601(content.generatedAt))),
            ("run", JSONReport.run(content)),
            ("config", JSONReport.config(content)),
            ("verdict", JSONReport.verdict(content)),
            ("scores", JSONReport.scores(content)),
            ("comparison", JSONReport.comparison(content)),
            ("flaky", .array(content.flaky.map(JSONReport.flaky))),
        ]
        var text = "{\n"
        for (name, value) in members {
            text += "  \"\(name)\": \(value.canonicalText),\n"
        }
        text += "  \"cases\": ["
        try file.write(text)
    }

    /// Adds one case.
    public func add(_ reportCase: ReportCase) throws {
        file.append(first ? "\n    " : ",\n    ")
        first = false
        file.append(JSONReport.caseValue(reportCase).canonicalText)
        try file.flushIfLarge()
    }

    /// Closes the document and moves it into place.
    public func finish() throws {
        file.append(first ? "]\n}\n" : "\n  ]\n}\n")
        try file.finish()
    }
}

/// The JSON values of the report, member by member.
enum JSONReport {
    static func optional(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
    static func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
    static func optional(_ value: Int?) -> JSONValue { value.map { .number(Double($0)) } ?? .null }
    static func number(_ value: Int) -> JSONValue { .number(Double(value)) }

    static func run(_ content: ReportContent) -> JSONValue {
        let run = content.run
        return [
            "id": .string(run.id), "status": .string(run.status.rawValue), "started_at": .string(Timestamp.iso8601(run.startedAt)),
            "ended_at": optional(run.endedAt.map(Timestamp.iso8601)), "git_commit": optional(run.gitCommit),
            "evalgate_version": .string(run.evalgateVersion), "planned": number(run.planned), "judged": .bool(content.judged),
        ]
    }

    static func config(_ content: ReportContent) -> JSONValue {
        ["fingerprint": .string(content.configFingerprint), "provider": .string(content.provider), "model": .string(content.model), "settings": content.config]
    }

    static func verdict(_ content: ReportContent) -> JSONValue {
        [
            "outcome": .string(content.verdict.outcome.rawValue), "exit_code": number(Int(content.verdict.exitCode)),
            "reasons": .array(content.verdict.reasons.map(JSONValue.string)), "notes": .array(content.verdict.notes.map(JSONValue.string)),
        ]
    }

    static func line(_ line: ScoreLine) -> JSONValue {
        ["score": optional(line.score), "cases": number(line.cases), "passed": number(line.passed), "failed": number(line.failed), "errored": number(line.errored)]
    }

    static func figures(_ figures: Figures) -> JSONValue {
        [
            "results": number(figures.results), "responses": number(figures.responses), "errors": number(figures.errors),
            "error_rate": .number(figures.errorRate), "input_tokens": number(figures.inputTokens), "output_tokens": number(figures.outputTokens),
            "cost_usd": optional(figures.knownCost), "cost_unknown": number(figures.costUnknown),
            "latency_ms": ["p50": optional(figures.latencyP50), "p95": optional(figures.latencyP95), "p99": optional(figures.latencyP99)],
        ]
    }

    static func scores(_ content: ReportContent) -> JSONValue {
        let scores = content.scores
        return [
            "usefulness": line(scores.usefulness), "safety": line(scores.safety), "tool_accuracy": optional(scores.toolAccuracy),
            "tool_cases": number(scores.toolCases), "figures": figures(content.figures),
            "suites": .array(scores.suites.map { suite in
                [
                    "name": .string(suite.name), "kind": .string(suite.kind.rawValue), "score": line(suite.line),
                    "figures": content.figures(ofSuite: suite.name).map(figures) ?? .null,
                ]
            }),
        ]
    }

    static func key(_ key: CaseKey) -> JSONValue { ["suite": .string(key.suite), "case": .string(key.caseID)] }

    static func change(_ change: CaseChange) -> JSONValue {
        [
            "suite": .string(change.key.suite), "case": .string(change.key.caseID), "kind": .string(change.kind.rawValue),
            "baseline_status": .string(change.baseline.rawValue), "current_status": .string(change.current.rawValue),
            "reason": optional(change.reason), "baseline_passes": optional(change.baselinePasses), "baseline_trials": optional(change.baselineTrials),
            "current_passes": optional(change.currentPasses), "current_trials": optional(change.currentTrials), "p_value": optional(change.pValue),
        ]
    }

    static func comparison(_ content: ReportContent) -> JSONValue {
        guard let comparison = content.comparison else { return .null }
        func delta(_ now: Double?, _ then: Double?, interval: ClosedRange<Double>? = nil) -> JSONValue {
            [
                "current": optional(now), "baseline": optional(then), "delta": optional(now.flatMap { n in then.map { n - $0 } }),
                "interval": interval.map { [.number($0.lowerBound), .number($0.upperBound)] } ?? .null,
            ]
        }
        let now = comparison.matchedCurrent, then = comparison.matchedBaseline
        let base = content.baselineFigures
        return [
            "baseline": ["name": .string(comparison.baselineName), "run_id": .string(comparison.baselineRunID)],
            "alpha": .number(comparison.alpha),
            "usefulness": delta(now.usefulness.score, then.usefulness.score, interval: comparison.usefulnessDeltaInterval),
            "safety": delta(now.safety.score, then.safety.score, interval: comparison.safetyDeltaInterval),
            "tool_accuracy": delta(now.toolAccuracy, then.toolAccuracy),
            "error_rate": delta(content.figures.errorRate, base?.errorRate),
            "cost_per_response_usd": delta(content.figures.costPerResponse, base?.costPerResponse),
            "latency_p95_ms": delta(content.figures.latencyP95, base?.latencyP95),
            "regressions": .array(content.regressionsWorstFirst.map(change)),
            "fixes": .array(comparison.fixes.map(change)),
            "insignificant_drops": .array(comparison.insignificantDrops.map(change)),
            "changed": .array(comparison.changed.map(key)), "new": .array(comparison.added.map(key)), "removed": .array(comparison.removed.map(key)),
            "config_changes": .array((content.configDiff?.changes ?? []).map(JSONValue.string)),
            "system_prompt_diff": .array((content.configDiff?.systemPromptDiff ?? []).map(JSONValue.string)),
        ]
    }

    static func flaky(_ summary: CaseSummary) -> JSONValue {
        let interval = summary.passRateInterval
        return [
            "suite": .string(summary.key.suite), "case": .string(summary.key.caseID), "kind": .string(summary.kind.rawValue),
            "passes": number(summary.passes), "trials": number(summary.samples - summary.errors),
            "interval": interval.map { [.number($0.lowerBound), .number($0.upperBound)] } ?? .null,
        ]
    }

    static func sample(_ result: CaseResult) -> JSONValue {
        let response = result.response
        return [
            "sample": number(result.sample), "status": .string(result.status.rawValue), "score": .number(result.score),
            "output": optional(response?.text),
            "tool_calls": response.map { .array($0.toolCalls.map { ["name": .string($0.name), "arguments": $0.arguments] }) } ?? .null,
            "checks": .array(result.checks.map { ["check": .string($0.check), "passed": .bool($0.passed), "reason": .string($0.reason), "weight": .number($0.weight)] }),
            "usage": response.map { ["input_tokens": optional($0.usage.inputTokens), "output_tokens": optional($0.usage.outputTokens)] } ?? .null,
            "cost_usd": optional(result.costUSD), "latency_ms": .number(result.latencyMs), "request_id": .string(result.requestID),
            "error": optional(result.error), "served_model": optional(response?.servedModel), "finish_reason": optional(response?.finishReason),
            "tool_f1": optional(result.toolScore), "cached": .bool(result.cached),
            "attempts": .array(result.attempts.map { ["number": number($0.number), "request_id": .string($0.requestID), "outcome": .string($0.outcome), "wait_seconds": .number($0.waitSeconds)] }),
        ]
    }

    static func caseValue(_ reportCase: ReportCase) -> JSONValue {
        let first = reportCase.samples.first
        let request = first?.requestJSON.flatMap { try? JSONSource.value($0) } ?? .null
        return [
            "suite": .string(reportCase.key.suite), "id": .string(reportCase.key.caseID), "kind": .string(reportCase.kind.rawValue),
            "fingerprint": optional(first?.caseFingerprint), "tags": .array(reportCase.tags.map(JSONValue.string)),
            "weight": .number(first?.caseWeight ?? 1), "status": .string(reportCase.status.rawValue), "change": .string(reportCase.change.rawValue),
            "score": .number(reportCase.score), "request": request,
            "samples": .array(reportCase.samples.map(sample)),
            "baseline": reportCase.baseline.isEmpty ? .null : [
                "status": .string(ReportCase.status(of: reportCase.baseline).rawValue),
                "samples": .array(reportCase.baseline.map { ["sample": number($0.sample), "status": .string($0.status.rawValue), "output": optional($0.response?.text), "error": optional($0.error)] }),
            ],
        ]
    }
}
