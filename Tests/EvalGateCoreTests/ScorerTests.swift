import EvalGateCore
import Foundation
import Testing

private func makeCase(expected: [String] = [], forbidden: [String] = [], caseSensitive: Bool = false, kind: SuiteKind = .golden) -> EvalCase {
    EvalCase(
        id: "c", suite: "s", kind: kind, input: .prompt("p"), vars: [:], expectedContains: expected, forbiddenContains: forbidden,
        tags: [], caseSensitive: caseSensitive, description: nil, location: SourceLocation(file: "f", line: 1, column: 1), fingerprint: "fp")
}

private func score(_ evalCase: EvalCase, _ text: String) -> CaseResult {
    Scorer.score(evalCase, sample: 0, outcome: .success(ModelResponse(text: text, latencyMs: 5)), requestID: "r")
}

@Suite struct ScorerTests {
    @Test func expectedContentFoundPassesWithItsOffset() {
        let result = score(makeCase(expected: ["30 days"]), "You have 30 Days.")
        #expect(result.status == .pass)
        #expect(result.score == 1)
        #expect(result.checks == [CheckResult(check: "expected_contains", passed: true, reason: "expected '30 days' — found at offset 9")])
    }

    @Test func expectedContentMissingFailsWithAReason() {
        let result = score(makeCase(expected: ["30 days", "receipt"]), "Keep the receipt.")
        #expect(result.status == .fail)
        #expect(result.score == 0.5)
        #expect(result.firstReason == "expected '30 days' — not found")
    }

    @Test func forbiddenContentFoundFailsWithItsOffset() {
        let result = score(makeCase(forbidden: ["i don't know"]), "Well, I DON'T KNOW.")
        #expect(result.status == .fail)
        #expect(result.firstReason == "forbidden 'i don't know' — found at offset 6")
    }

    @Test func caseSensitiveMatchingTellsCapitalsApart() {
        let strict = makeCase(expected: ["NW-20502"], caseSensitive: true)
        #expect(score(strict, "order nw-20502").status == .fail)
        #expect(score(strict, "order NW-20502").status == .pass)
        let loose = makeCase(expected: ["NW-20502"])
        #expect(score(loose, "order nw-20502").status == .pass)
    }

    @Test func offsetsCountCharacters() {
        let result = score(makeCase(forbidden: ["code"]), "héllo 😀 code")
        #expect(result.firstReason == "forbidden 'code' — found at offset 8")
    }

    @Test func aProviderFailureIsAnErrorNotAFailure() {
        let result = Scorer.score(makeCase(expected: ["x"]), sample: 2, outcome: .failure(ProviderFailure("timed out", latencyMs: 30_000)), requestID: "r")
        #expect(result.status == .error)
        #expect(result.error == "timed out")
        #expect(result.checks.isEmpty)
        #expect(result.sample == 2)
        #expect(result.latencyMs == 30_000)
    }

    @Test func toolExpectationsAddChecksAndAToolScore() {
        var evalCase = makeCase()
        evalCase.expectedTools = [ExpectedToolCall(name: "lookup_order", arguments: ["order_id": "NW-1"])]
        evalCase.forbiddenTools = ["delete_account"]
        let response = ModelResponse(text: "ok", toolCalls: [ToolCall(name: "lookup_order", arguments: ["order_id": "NW-1"]), ToolCall(name: "delete_account", arguments: [:])], latencyMs: 1)
        let result = Scorer.score(evalCase, sample: 0, outcome: .success(response), requestID: "r")
        #expect(result.status == .fail)
        #expect(result.toolScore.map { abs($0 - 2.0 / 3.0) < 1e-12 } == true, "one of two calls expected: precision 1/2, recall 1")
        #expect(result.firstReason == "forbidden tool delete_account — called once")
    }

    @Test func aCaseWithNoChecksPasses() {
        #expect(score(makeCase(), "anything").status == .pass)
    }
}
