import EvalGateCore
import Foundation
import TestSupport
import Testing

/// Loads one case whose `assert:` list is `yaml` (indented list items), or the diagnostics.
private func load(_ yaml: String, caseSensitive: Bool = false) throws -> Result<EvalCase, ValidationError> {
    let folder = try TemporaryDirectory()
    try folder.write("suites/a.yaml", "suite: a\ncases:\n  - id: one\n    prompt: hi\n    case_sensitive: \(caseSensitive)\n    assert:\n" + yaml)
    let reference = PathReference(display: "suites", url: folder.url.appendingPathComponent("suites"), location: SourceLocation(file: "c", line: 1, column: 1))
    do {
        return .success(try SuiteLoader.load([reference], workingDirectory: folder.url)[0].cases[0])
    } catch {
        return .failure(error)
    }
}

private func score(_ yaml: String, _ text: String, latencyMs: Double = 100, usage: TokenUsage = TokenUsage(), finishReason: String? = "stop") throws -> CaseResult {
    let evalCase = try load(yaml).get()
    let response = ModelResponse(text: text, usage: usage, latencyMs: latencyMs, finishReason: finishReason)
    let context = ScoringContext(pricing: ["m": ModelPrice(inputPerMillion: 1000, outputPerMillion: 1000)], model: "m")
    return Scorer.score(evalCase, sample: 0, outcome: .success(response), requestID: "r", context: context, systemPrompt: nil)
}

private func errors(_ yaml: String) throws -> [String] {
    if case .failure(let error) = try load(yaml) { return error.diagnostics.map(\.message) }
    return []
}

@Suite struct AssertionTests {
    @Test(arguments: [
        ("      - {type: equals, value: Hello}", "hello", "Hello there"),
        ("      - {type: contains, value: 30 days}", "within 30 DAYS", "within a month"),
        ("      - {type: contains_any, value: [refund, credit]}", "store credit", "nothing"),
        ("      - {type: contains_all, value: [refund, receipt]}", "refund with receipt", "refund only"),
        ("      - {type: starts_with, value: Sure}", "sure, here", "Here, sure"),
        ("      - {type: regex, value: 'NW-\\d{5}'}", "order NW-20417", "order NW-2"),
        ("      - {type: levenshtein, value: 'thirty days', threshold: 2}", "thirty dayz", "thirty-one days or so"),
        ("      - {type: word_count, min: 2, max: 4}", "three short words", "one"),
        ("      - {type: max_length, value: 10}", "short", "far too long for this"),
        ("      - {type: is_json}", #"{"a": 1}"#, "{a: 1}"),
        ("      - {type: json_schema, value: {type: object, required: [id]}}", #"{"id": 1}"#, #"{"name": 1}"#),
        ("      - {type: json_path, path: order.status, equals: shipped}", #"{"order": {"status": "shipped"}}"#, #"{"order": {"status": "lost"}}"#),
        ("      - {type: json_path, path: 'items[0]', contains: boot}", #"{"items": ["Hiking Boots"]}"#, #"{"items": ["tent"]}"#),
        ("      - {type: contains_json}", "Here you go:\n```json\n{\"id\": 7, \"tags\": [\"a]\"]}\n```\nAnything else?", "Here you go: {id: 7} and [oops"),
        ("      - {type: contains_json, value: {type: object, required: [id]}}", #"First {"name": 1}, then {"id": 2}."#, #"Only {"name": 1} here."#),
        ("      - {type: is_refusal}", "I can't share that.", "Here it is."),
        ("      - {type: no_pii}", "Nothing personal.", "Mail dana.lee@example.com"),
        ("      - {type: contains, value: secret, not: true}", "nothing to see", "the secret is out"),
    ])
    func eachTypePassesAndFails(_ yaml: String, _ passing: String, _ failing: String) throws {
        let passed = try score(yaml, passing)
        #expect(passed.status == .pass, "\(yaml) should pass on '\(passing)': \(passed.checks.map(\.reason))")
        #expect(try score(yaml, failing).status == .fail, "\(yaml) should fail on '\(failing)'")
    }

    @Test func runFiguresAreChecked() throws {
        #expect(try score("      - {type: latency_ms, value: 500}", "x", latencyMs: 400).status == .pass)
        #expect(try score("      - {type: latency_ms, value: 500}", "x", latencyMs: 600).checks[0].reason == "latency_ms — 600 ms, at most 500 ms")
        #expect(try score("      - {type: output_tokens, value: 10}", "x", usage: TokenUsage(outputTokens: 11)).status == .fail)
        #expect(try score("      - {type: cost_usd, value: 0.01}", "x", usage: TokenUsage(inputTokens: 5, outputTokens: 4)).status == .pass)
        #expect(try score("      - {type: cost_usd, value: 0.01}", "x").checks[0].reason == "cost_usd — cost unknown (no price or no usage), so not at most $0.01")
        #expect(try score("      - {type: finish_reason, value: stop}", "x", finishReason: "length").status == .fail)
    }

    @Test func weightsGivePartialCredit() throws {
        let result = try score("      - {type: contains, value: a, weight: 3}\n      - {type: contains, value: zzz}", "a")
        #expect(result.score == 0.75)
        #expect(result.status == .fail)
        #expect(result.checks.map(\.check) == ["assert:contains", "assert:contains"])
    }

    @Test func malformedAssertionsAreValidationErrors() throws {
        #expect(try errors("      - {type: contians, value: x}") == ["unknown assertion type 'contians'; did you mean 'contains'?"])
        #expect(try errors("      - {type: regex, value: '(unclosed'}").first?.hasPrefix("invalid regex /(unclosed/") == true)
        #expect(try errors("      - {type: regex, value: '(a+)+$'}").first?.contains("can backtrack catastrophically") == true)
        #expect(try errors("      - {type: json_schema, value: [1]}") == ["'value' of json_schema must be a JSON schema object, found a list"])
        #expect(try errors("      - {type: levenshtein, value: x}") == ["assertion 'levenshtein' needs 'threshold': the most edits allowed"])
        #expect(try errors("      - {type: llm_rubric, value: be polite}") == ["assertion 'llm_rubric' needs a judge model: add a 'judge: {provider: …}' block to the config"])
        #expect(try errors("      - {type: contains}") == ["assertion 'contains' needs 'value'"])
    }

    @Test func aHugeAnswerAgainstAShortReferenceIsJudgedWithoutTheFullTable() throws {
        let huge = String(repeating: "x", count: 2_000_000)
        #expect(try score("      - {type: levenshtein, value: short, threshold: 3}", huge).status == .fail)
    }

    @Test func safeRegexesAreAccepted() throws {
        #expect(try errors("      - {type: regex, value: '(ab)+c[+*]?\\d{2,3}'}").isEmpty)
    }
}
