@testable import EvalGate
import EvalGateCore
import EvalGateReports
import EvalGateStore
import Foundation
import TestSupport
import Testing

/// The judgement reads the run and the baseline a page at a time; these check that what it
/// pieces together is what the whole runs say.
@Suite struct StreamedJudgementTests {
    private func result(_ id: String, sample: Int, pass: Bool, fingerprint: String = "f") -> CaseResult {
        CaseResult(
            suite: "s", kind: .golden, caseID: id, caseFingerprint: fingerprint, sample: sample, status: pass ? .pass : .fail, score: pass ? 1 : 0,
            checks: [CheckResult(check: "expected_contains", passed: pass, reason: pass ? "found" : "expected 'x' — not found")],
            response: ModelResponse(text: "answer", latencyMs: 5), error: nil, requestID: "r-\(id)-\(sample)", latencyMs: 5,
            finishedAt: Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test func aComparisonReadAPageAtATimeEqualsOneOfTheWholeRuns() async throws {
        let folder = try TemporaryDirectory()
        let store = try await RunStore.open(path: folder.url.appendingPathComponent("runs.sqlite").path, role: .runs)
        // Three samples a case, so pages of 2 and 5 rows cut cases in two. Cases 0-9 in both
        // runs (case 3 regresses, case 4 is fixed, case 5 changed), 10-11 only in the baseline,
        // 12-13 only now.
        var then: [CaseResult] = [], now: [CaseResult] = []
        for index in 0..<14 {
            let id = String(format: "c%02d", index)
            for sample in 0..<3 {
                if index < 12 { then.append(result(id, sample: sample, pass: index != 4, fingerprint: index == 5 ? "old" : "f")) }
                if index < 10 || index >= 12 { now.append(result(id, sample: sample, pass: index != 3)) }
            }
        }
        for (id, results) in [("baseline", then), ("current", now)] {
            try await store.insertRun(RunRecord(
                id: id, startedAt: Date(), status: .running, configFingerprint: "c", configJSON: "{}", provider: "replay", model: "m",
                gitCommit: nil, evalgateVersion: "test", planned: results.count, filterJSON: nil))
            let writer = store.resultWriter(runID: id)
            for result in results.shuffled() { writer.append(result) }
            try await writer.flush()
        }
        let whole = BaselineComparison(
            current: try await store.caseSummaries(runID: "current"), baseline: try await store.caseSummaries(runID: "baseline"),
            baselineName: "main", baselineRunID: "baseline", countRemoved: true)
        var tally = SummaryTally()
        let paged = try await BaselineComparison.reading(
            current: store.caseSummaryStream(runID: "current", pageRows: 2), baseline: store.caseSummaryStream(runID: "baseline", pageRows: 5),
            baselineName: "main", baselineRunID: "baseline", countRemoved: true, alpha: 0.05, tally: &tally)
        // Every case of the current run went through the tally once, on the way.
        #expect(tally.scores.usefulness.cases == 12)
        #expect(tally.suiteCounts.suites["s"]?.1.tests == 12)
        #expect(tally.suiteCounts.suites["s"]?.1.failures == 1)
        #expect(paged.regressions.map(\.key.caseID) == ["c03"])
        #expect(paged.fixes.map(\.key.caseID) == ["c04"])
        #expect(paged.changed.map(\.caseID) == ["c05"])
        #expect(paged.removed.map(\.caseID) == ["c10", "c11"])
        #expect(paged.added.map(\.caseID) == ["c12", "c13"])
        #expect(paged.regressions == whole.regressions && paged.fixes == whole.fixes && paged.insignificantDrops == whole.insignificantDrops)
        #expect(paged.changed == whole.changed && paged.added == whole.added && paged.removed == whole.removed)
        #expect(paged.matchedCurrent.usefulness.cases == 9 && paged.matchedBaseline.usefulness.cases == 9)
        await store.close()
    }

    @Test func tagsAreFoundByKeyWhetherOrNotTheCasesAreInKeyOrder() {
        func makeCase(_ suite: String, _ id: String, _ tags: [String]) -> EvalCase {
            EvalCase(
                id: id, suite: suite, kind: .golden, input: .prompt("p"), vars: [:], expectedContains: [], forbiddenContains: [], tags: tags,
                caseSensitive: false, description: nil, location: SourceLocation(file: "f", line: 1, column: 1), fingerprint: id)
        }
        let unsorted = [makeCase("b", "2", ["x"]), makeCase("a", "9", ["y", "z"]), makeCase("b", "1", []), makeCase("a", "10", ["w"])]
        for cases in [unsorted, unsorted.sorted { CaseKey(suite: $0.suite, caseID: $0.id) < CaseKey(suite: $1.suite, caseID: $1.id) }] {
            let tags = CaseTags(cases)
            #expect(tags[CaseKey(suite: "a", caseID: "9")] == ["y", "z"])
            #expect(tags[CaseKey(suite: "a", caseID: "10")] == ["w"])
            #expect(tags[CaseKey(suite: "b", caseID: "2")] == ["x"])
            #expect(tags[CaseKey(suite: "b", caseID: "1")] == [])
            #expect(tags[CaseKey(suite: "c", caseID: "1")] == [])
        }
    }
}

@Suite struct StoredRequestTests {
    /// The runner writes the stored request directly; it must be the canonical text of the value
    /// it stands for, byte for byte (keys sorted, strings escaped the same way).
    @Test func theStoredRequestIsTheCanonicalTextOfItsValue() {
        let cases: [([ChatMessage], [String: String])] = [
            ([], [:]),
            ([ChatMessage(role: "user", content: "How long do I have to return it?")], [:]),
            (
                [ChatMessage(role: "system", content: "Be brief.\nAlways."), ChatMessage(role: "user", content: "say \"hi\" \\ <b> \u{1}")],
                ["zeta": "1", "alpha": "two", "Émile": "é", "a\"b": "quote", "B": "upper", "": "empty"]
            ),
        ]
        for (messages, vars) in cases {
            let value: JSONValue = [
                "messages": .array(messages.map { ["role": .string($0.role), "content": .string($0.content)] }),
                "vars": .object(vars.mapValues(JSONValue.string)),
            ]
            #expect(Runner.requestJSON(messages, vars: vars) == value.canonicalText)
        }
    }
}
