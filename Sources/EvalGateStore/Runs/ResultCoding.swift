import EvalGateCore
import Foundation

/// How a `CaseResult` maps to a row of `results` and back.
enum ResultCoding {
    /// A run stores each (suite, case, sample) once: a resumed run skips what is stored. `OR
    /// IGNORE`, not `OR REPLACE`: a statement that may delete a conflicting row makes SQLite keep a
    /// statement journal, a copy of every page the insert touches (16 KiB a row: 3.4 GB written
    /// for 100,000 rows, where the rows themselves are 78 MB).
    static let insertSQL = """
        INSERT OR IGNORE INTO results (run_id, suite, case_id, sample, suite_kind, case_fingerprint, status, score, \
        first_reason, checks_json, output_text, tool_calls_json, input_tokens, output_tokens, latency_ms, served_model, \
        finish_reason, request_id, error, finished_at, attempts_json, system_fingerprint, tool_f1, cost_usd, context_use, case_weight, cached, request_json, \
        tags_json) \
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// The row's values, in `insertSQL`'s order. Checks, tool calls and attempts are written as
    /// JSON bytes directly, keys in sorted order (the text `canonicalText` gave, without a
    /// dictionary built and sorted for each: that was most of the store thread's own time).
    static func row(runID: String, _ result: CaseResult) -> PackedRow {
        let response = result.response
        var row = PackedRow(capacity: 640 + (response?.text.utf8.count ?? 0) + (result.requestJSON?.utf8.count ?? 0), columns: 29)
        row.text(runID); row.text(result.suite); row.text(result.caseID); row.integer(result.sample); row.text(result.kind.rawValue)
        row.text(result.caseFingerprint); row.text(result.status.rawValue); row.real(result.score); row.text(result.firstReason)
        row.json { writeChecks(result.checks, to: &$0) }; row.text(response?.text)
        if let response { row.json { $0.toolCalls(response.toolCalls) } } else { row.null() }
        row.integer(response?.usage.inputTokens); row.integer(response?.usage.outputTokens)
        row.real(result.latencyMs); row.text(response?.servedModel); row.text(response?.finishReason)
        row.text(result.requestID); row.text(result.error); row.text { Timestamp.writeISO8601(result.finishedAt, to: &$0) }
        if result.attempts.isEmpty { row.null() } else { row.json { writeAttempts(result.attempts, requestID: result.requestID, to: &$0) } }
        row.text(response?.systemFingerprint)
        row.real(result.toolScore); row.real(result.costUSD); row.real(result.contextUse)
        row.real(result.caseWeight == 1 ? nil : result.caseWeight); row.integer(result.cached ? 1 : 0); row.text(result.requestJSON)
        if let tags = result.tags {
            row.json { json in
                json.beginArray()
                for tag in tags { json.string(tag) }
                json.endArray()
            }
        } else {
            row.null()
        }
        return row
    }

    /// The response cache's row for a fresh answer.
    static func cacheRow(config: String, _ result: CaseResult, _ response: ModelResponse) -> PackedRow {
        var row = PackedRow(capacity: 256 + response.text.utf8.count, columns: 5)
        row.text(config); row.text(result.caseFingerprint); row.integer(result.sample); row.json { writeResponse(response, to: &$0) }
        row.text { Timestamp.writeISO8601(result.finishedAt, to: &$0) }
        return row
    }

    /// `[{"check", "passed", "reason", "weight" (when not 1)}]`.
    static func writeChecks(_ checks: [CheckResult], to json: inout JSONWriter) {
        json.beginArray()
        for check in checks {
            json.beginObject()
            json.key("check"); json.string(check.check)
            json.key("passed"); json.bool(check.passed)
            json.key("reason"); json.string(check.reason)
            if check.weight != 1 { json.key("weight"); json.number(check.weight) }
            json.endObject()
        }
        json.endArray()
    }

    /// A response as cache JSON, keys sorted (the canonical text of its value), written into the
    /// row's buffer as the result's own columns are: it was a dictionary built and sorted for
    /// every fresh answer.
    static func writeResponse(_ response: ModelResponse, to json: inout JSONWriter) {
        json.beginObject()
        if let value = response.finishReason { json.key("finish_reason"); json.string(value) }
        if let value = response.usage.inputTokens { json.key("input_tokens"); json.number(value) }
        json.key("latency_ms"); json.number(response.latencyMs)
        if let value = response.servedModel { json.key("model"); json.string(value) }
        if let value = response.usage.outputTokens { json.key("output_tokens"); json.number(value) }
        if let value = response.systemFingerprint { json.key("system_fingerprint"); json.string(value) }
        json.key("text"); json.string(response.text)
        json.key("tool_calls"); json.toolCalls(response.toolCalls)
        json.endObject()
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

    /// `[{"number", "outcome", "request_id", "wait_seconds"}]`, leaving out a request id that is
    /// the result's own and a wait of 0: most results were answered at the first attempt, and
    /// their attempts took 110 bytes a row to say what the row already says.
    static func writeAttempts(_ attempts: [AttemptRecord], requestID: String, to json: inout JSONWriter) {
        json.beginArray()
        for attempt in attempts {
            json.beginObject()
            json.key("number"); json.number(attempt.number)
            json.key("outcome"); json.string(attempt.outcome)
            if attempt.requestID != requestID { json.key("request_id"); json.string(attempt.requestID) }
            if attempt.waitSeconds != 0 { json.key("wait_seconds"); json.number(attempt.waitSeconds) }
            json.endObject()
        }
        json.endArray()
    }

    /// Attempts as stored; a missing request id is the result's own, a missing wait is 0.
    static func attempts(_ text: String?, requestID: String) -> [AttemptRecord] {
        guard let text else { return [] }
        return JSONSource.attemptRecords(text, requestID: requestID)
    }

    /// The columns `decode` reads, in its order; a file older than schema 11 has no tags to read.
    static func selectColumns(tags: Bool) -> String {
        """
        suite, case_id, sample, suite_kind, case_fingerprint, status, score, checks_json, output_text, tool_calls_json, \
        input_tokens, output_tokens, latency_ms, served_model, finish_reason, request_id, error, finished_at, attempts_json, \
        system_fingerprint, tool_f1, cost_usd, context_use, case_weight, cached, request_json, \(tags ? "tags_json" : "NULL")
        """
    }

    /// Values that repeat from one row to the next, kept to be reused (`Statement.string(_:sameAs:)`).
    struct Repeats {
        var suite: String?
        var servedModel: String?
    }

    /// Reads a row selected with `selectColumns`.
    static func decode(_ row: Statement, repeats: inout Repeats) -> CaseResult {
        let suite = row.string(0, sameAs: repeats.suite) ?? ""
        repeats.suite = suite
        let checks = JSONSource.checkResults(row.string(7) ?? "[]") ?? []
        var response: ModelResponse?
        if let text = row.string(8) {
            // Most answers call no tool: their column is null or `[]`, read without a parse.
            var calls: [ToolCall] = []
            if let stored = row.string(9), stored != "[]" {
                calls = (try? JSONSource.value(stored))?.arrayValue?.map { value in
                    ToolCall(name: value["name"]?.stringValue ?? "", arguments: value["arguments"] ?? .null)
                } ?? []
            }
            let servedModel = row.string(13, sameAs: repeats.servedModel)
            repeats.servedModel = servedModel ?? repeats.servedModel
            response = ModelResponse(
                text: text, toolCalls: calls, usage: TokenUsage(inputTokens: row.int(10), outputTokens: row.int(11)),
                latencyMs: row.double(12) ?? 0, servedModel: servedModel, finishReason: row.string(14), systemFingerprint: row.string(19))
        }
        let requestID = row.string(15) ?? ""
        var result = CaseResult(
            suite: suite, kind: SuiteKind(rawValue: row.string(3) ?? "") ?? .golden, caseID: row.string(1) ?? "",
            caseFingerprint: row.string(4) ?? "", sample: row.int(2) ?? 0, status: row.resultStatus(5),
            score: row.double(6) ?? 0, checks: checks, response: response, error: row.string(16), requestID: requestID,
            latencyMs: row.double(12) ?? 0, finishedAt: row.string(17).flatMap(Timestamp.parse) ?? Date(timeIntervalSince1970: 0),
            attempts: attempts(row.string(18), requestID: requestID), toolScore: row.double(20), costUSD: row.double(21), contextUse: row.double(22))
        result.caseWeight = row.double(23) ?? 1
        result.cached = row.int(24) == 1
        result.requestJSON = row.string(25)
        result.tags = row.string(26).map(tags(fromJSON:))
        return result
    }

    /// A stored tag list (`[]` for most rows, read without a parse).
    static func tags(fromJSON text: String) -> [String] {
        if text == "[]" { return [] }
        return (try? JSONSource.value(text))?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}
