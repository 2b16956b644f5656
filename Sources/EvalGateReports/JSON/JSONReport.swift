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
    private var writer = JSONWriter(capacity: 16 * 1024)

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
        writer.reset()
        JSONReport.write(reportCase, into: &writer)
        file.append(bytes: writer.bytes)
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

    /// One case, keys in sorted order (the text `canonicalText` would give, without building it).
    static func write(_ reportCase: ReportCase, into json: inout JSONWriter) {
        json.beginObject()
        json.key("baseline")
        if reportCase.baseline.isEmpty {
            json.null()
        } else {
            json.beginObject()
            json.key("samples"); json.beginArray()
            reportCase.baseline.withUnsafeBufferPointer { samples in
                for index in samples.indices { writeBaseline(samples.baseAddress! + index, into: &json) }
            }
            json.endArray()
            json.key("status"); json.string(ReportCase.status(of: reportCase.baseline).rawValue)
            json.endObject()
        }
        json.key("change"); json.string(reportCase.change.rawValue)
        json.key("fingerprint"); json.string(reportCase.samples.isEmpty ? nil : reportCase.samples[reportCase.samples.startIndex].caseFingerprint)
        json.key("id"); json.string(reportCase.key.caseID)
        json.key("kind"); json.string(reportCase.kind.rawValue)
        // The stored request is the canonical text the runner wrote: copied as it is when it still
        // parses (parsing it into values and writing them again was a tenth of this report).
        json.key("request")
        if let request = reportCase.requestJSON, JSONSource.isWellFormed(request) { json.raw(request) } else { json.null() }
        json.key("samples"); json.beginArray()
        reportCase.samples.withUnsafeBufferPointer { samples in
            for index in samples.indices { write(samples.baseAddress! + index, into: &json) }
        }
        json.endArray()
        json.key("score"); json.number(reportCase.score)
        json.key("status"); json.string(reportCase.status.rawValue)
        json.key("suite"); json.string(reportCase.key.suite)
        json.array("tags") { json in
            for tag in reportCase.tags { json.string(tag) }
        }
        json.key("weight"); json.number(reportCase.samples.isEmpty ? 1 : reportCase.samples[reportCase.samples.startIndex].caseWeight)
        json.endObject()
    }

    // A sample is handed over as a pointer to it in its case's array: passed as a value, each
    // was copied first (a retain and a release of each of its strings and arrays, 3% of this
    // report), since the compiler cannot tell that writing the JSON leaves the array alone.
    static func writeBaseline(_ sample: UnsafePointer<CaseResult>, into json: inout JSONWriter) {
        json.beginObject()
        json.key("error"); json.string(sample.pointee.error)
        json.key("output"); json.string(sample.pointee.response?.text)
        json.key("sample"); json.number(sample.pointee.sample)
        json.key("status"); json.string(sample.pointee.status.rawValue)
        json.endObject()
    }

    static func write(_ sample: UnsafePointer<CaseResult>, into json: inout JSONWriter) {
        json.beginObject()
        json.key("attempts"); json.beginArray()
        for index in sample.pointee.attempts.indices {
            json.beginObject()
            json.key("number"); json.number(sample.pointee.attempts[index].number)
            json.key("outcome"); json.string(sample.pointee.attempts[index].outcome)
            json.key("request_id"); json.string(sample.pointee.attempts[index].requestID)
            json.key("wait_seconds"); json.number(sample.pointee.attempts[index].waitSeconds)
            json.endObject()
        }
        json.endArray()
        json.key("cached"); json.bool(sample.pointee.cached)
        json.key("checks"); json.beginArray()
        for index in sample.pointee.checks.indices {
            json.beginObject()
            json.key("check"); json.string(sample.pointee.checks[index].check)
            json.key("passed"); json.bool(sample.pointee.checks[index].passed)
            json.key("reason"); json.string(sample.pointee.checks[index].reason)
            json.key("weight"); json.number(sample.pointee.checks[index].weight)
            json.endObject()
        }
        json.endArray()
        json.key("cost_usd"); json.number(sample.pointee.costUSD)
        json.key("error"); json.string(sample.pointee.error)
        json.key("finish_reason"); json.string(sample.pointee.response?.finishReason)
        json.key("latency_ms"); json.number(sample.pointee.latencyMs)
        json.key("output"); json.string(sample.pointee.response?.text)
        json.key("request_id"); json.string(sample.pointee.requestID)
        json.key("sample"); json.number(sample.pointee.sample)
        json.key("score"); json.number(sample.pointee.score)
        json.key("served_model"); json.string(sample.pointee.response?.servedModel)
        json.key("status"); json.string(sample.pointee.status.rawValue)
        json.key("tool_calls")
        if let calls = sample.pointee.response?.toolCalls { json.toolCalls(calls) } else { json.null() }
        json.key("tool_f1"); json.number(sample.pointee.toolScore)
        json.key("usage")
        if let usage = sample.pointee.response?.usage {
            json.beginObject()
            json.key("input_tokens"); json.number(usage.inputTokens)
            json.key("output_tokens"); json.number(usage.outputTokens)
            json.endObject()
        } else {
            json.null()
        }
        json.endObject()
    }

}
