import EvalGateCore
import Foundation

/// How a `CaseResult` maps to a row of `results` and back.
enum ResultCoding {
    static let insertSQL = """
        INSERT OR REPLACE INTO results (run_id, suite, case_id, sample, suite_kind, case_fingerprint, status, score, \
        first_reason, checks_json, output_text, tool_calls_json, input_tokens, output_tokens, latency_ms, served_model, \
        finish_reason, request_id, error, finished_at, attempts_json, system_fingerprint, tool_f1, cost_usd, context_use, case_weight, cached, request_json) \
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    static func values(runID: String, _ result: CaseResult) -> [SQLValue] {
        let checks = JSONValue.array(result.checks.map { check in
            var members: [String: JSONValue] = ["check": .string(check.check), "passed": .bool(check.passed), "reason": .string(check.reason)]
            if check.weight != 1 { members["weight"] = .number(check.weight) }
            return .object(members)
        })
        let toolCalls = result.response.map { response in
            JSONValue.array(response.toolCalls.map { ["name": .string($0.name), "arguments": $0.arguments] }).canonicalText
        }
        return [
            .text(runID), .text(result.suite), .text(result.caseID), .integer(result.sample), .text(result.kind.rawValue),
            .text(result.caseFingerprint), .text(result.status.rawValue), .real(result.score), .optional(result.firstReason),
            .text(checks.canonicalText), .optional(result.response?.text), .optional(toolCalls),
            .optional(result.response?.usage.inputTokens), .optional(result.response?.usage.outputTokens),
            .real(result.latencyMs), .optional(result.response?.servedModel), .optional(result.response?.finishReason),
            .text(result.requestID), .optional(result.error), .text(Timestamp.iso8601(result.finishedAt)),
            .optional(result.attempts.isEmpty ? nil : attemptsJSON(result.attempts)), .optional(result.response?.systemFingerprint),
            .optional(result.toolScore), .optional(result.costUSD), .optional(result.contextUse),
            result.caseWeight == 1 ? .null : .real(result.caseWeight), .integer(result.cached ? 1 : 0), .optional(result.requestJSON),
        ]
    }

    /// A response as cache JSON.
    static func responseJSON(_ response: ModelResponse) -> String {
        var members: [String: JSONValue] = [
            "text": .string(response.text),
            "tool_calls": .array(response.toolCalls.map { ["name": .string($0.name), "arguments": $0.arguments] }),
            "latency_ms": .number(response.latencyMs),
        ]
        if let value = response.usage.inputTokens { members["input_tokens"] = .number(Double(value)) }
        if let value = response.usage.outputTokens { members["output_tokens"] = .number(Double(value)) }
        if let value = response.servedModel { members["model"] = .string(value) }
        if let value = response.finishReason { members["finish_reason"] = .string(value) }
        if let value = response.systemFingerprint { members["system_fingerprint"] = .string(value) }
        return JSONValue.object(members).canonicalText
    }

    static func response(fromJSON text: String) -> ModelResponse? {
        guard let value = try? JSONSource.value(text), case .string(let body)? = value["text"] else { return nil }
        let calls = value["tool_calls"]?.arrayValue?.map { ToolCall(name: $0["name"]?.stringValue ?? "", arguments: $0["arguments"] ?? .null) } ?? []
        return ModelResponse(
            text: body, toolCalls: calls,
            usage: TokenUsage(inputTokens: value["input_tokens"]?.numberValue.map { Int($0) }, outputTokens: value["output_tokens"]?.numberValue.map { Int($0) }),
            latencyMs: value["latency_ms"]?.numberValue ?? 0, servedModel: value["model"]?.stringValue, finishReason: value["finish_reason"]?.stringValue,
            systemFingerprint: value["system_fingerprint"]?.stringValue)
    }

    static func attemptsJSON(_ attempts: [AttemptRecord]) -> String {
        JSONValue.array(attempts.map {
            ["number": .number(Double($0.number)), "request_id": .string($0.requestID), "outcome": .string($0.outcome), "wait_seconds": .number($0.waitSeconds)]
        }).canonicalText
    }

    static func attempts(_ text: String?) -> [AttemptRecord] {
        guard let text, let values = (try? JSONSource.value(text))?.arrayValue else { return [] }
        return values.map {
            AttemptRecord(
                number: Int($0["number"]?.numberValue ?? 0), requestID: $0["request_id"]?.stringValue ?? "",
                outcome: $0["outcome"]?.stringValue ?? "", waitSeconds: $0["wait_seconds"]?.numberValue ?? 0)
        }
    }

    /// The columns `decode` reads, in its order.
    static let selectColumns = """
        suite, case_id, sample, suite_kind, case_fingerprint, status, score, checks_json, output_text, tool_calls_json, \
        input_tokens, output_tokens, latency_ms, served_model, finish_reason, request_id, error, finished_at, attempts_json, \
        system_fingerprint, tool_f1, cost_usd, context_use, case_weight, cached, request_json
        """

    /// Reads a row selected with `selectColumns`.
    static func decode(_ row: Statement) -> CaseResult {
        let checks = (try? JSONSource.value(row.string(7) ?? "[]"))?.arrayValue?.map { value in
            CheckResult(
                check: value["check"]?.stringValue ?? "", passed: value["passed"] == .bool(true),
                reason: value["reason"]?.stringValue ?? "", weight: value["weight"]?.numberValue ?? 1)
        } ?? []
        var response: ModelResponse?
        if let text = row.string(8) {
            let calls = (try? JSONSource.value(row.string(9) ?? "[]"))?.arrayValue?.map { value in
                ToolCall(name: value["name"]?.stringValue ?? "", arguments: value["arguments"] ?? .null)
            } ?? []
            response = ModelResponse(
                text: text, toolCalls: calls, usage: TokenUsage(inputTokens: row.int(10), outputTokens: row.int(11)),
                latencyMs: row.double(12) ?? 0, servedModel: row.string(13), finishReason: row.string(14), systemFingerprint: row.string(19))
        }
        var result = CaseResult(
            suite: row.string(0) ?? "", kind: SuiteKind(rawValue: row.string(3) ?? "") ?? .golden, caseID: row.string(1) ?? "",
            caseFingerprint: row.string(4) ?? "", sample: row.int(2) ?? 0, status: ResultStatus(rawValue: row.string(5) ?? "") ?? .error,
            score: row.double(6) ?? 0, checks: checks, response: response, error: row.string(16), requestID: row.string(15) ?? "",
            latencyMs: row.double(12) ?? 0, finishedAt: row.string(17).flatMap(Timestamp.parse) ?? Date(timeIntervalSince1970: 0),
            attempts: attempts(row.string(18)), toolScore: row.double(20), costUSD: row.double(21), contextUse: row.double(22))
        result.caseWeight = row.double(23) ?? 1
        result.cached = row.int(24) == 1
        result.requestJSON = row.string(25)
        return result
    }
}
