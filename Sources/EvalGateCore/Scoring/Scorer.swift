import Foundation

/// Pure functions from a case and what the provider answered to a `CaseResult`.
public enum Scorer {
    /// Scores one sample. A provider failure is an `error`, never a `fail`. `requestID` is the id
    /// of the last attempt when the outcome records none.
    public static func score(
        _ evalCase: EvalCase, sample: Int, outcome: Result<ModelResponse, ProviderFailure>, requestID: String,
        context: ScoringContext = ScoringContext(), finishedAt: Date = Date()
    ) -> CaseResult {
        switch outcome {
        case .failure(let failure):
            return CaseResult(
                suite: evalCase.suite, kind: evalCase.kind, caseID: evalCase.id, caseFingerprint: evalCase.fingerprint,
                sample: sample, status: .error, score: 0, checks: [], response: nil, error: failure.message,
                requestID: failure.attempts.last?.requestID ?? requestID, latencyMs: failure.latencyMs, finishedAt: finishedAt,
                attempts: failure.attempts)
        case .success(let response):
            var checks = self.checks(evalCase, response: response)
            var toolScore: Double?
            if !evalCase.expectedTools.isEmpty {
                let match = ToolCallMatcher.match(expected: evalCase.expectedTools, actual: response.toolCalls, ordered: evalCase.toolsInOrder, schemas: context.toolSchemas)
                checks += match.checks
                toolScore = match.f1
            }
            for name in evalCase.forbiddenTools {
                let calls = response.toolCalls.filter { $0.name == name }.count
                checks.append(
                    calls == 0
                        ? CheckResult(check: "forbidden_tools", passed: true, reason: "forbidden tool \(name) — not called")
                        : CheckResult(check: "forbidden_tools", passed: false, reason: "forbidden tool \(name) — called \(calls == 1 ? "once" : "\(calls) times")"))
            }
            let passed = checks.filter(\.passed).count
            let score = checks.isEmpty ? 1 : Double(passed) / Double(checks.count)
            return CaseResult(
                suite: evalCase.suite, kind: evalCase.kind, caseID: evalCase.id, caseFingerprint: evalCase.fingerprint,
                sample: sample, status: passed == checks.count ? .pass : .fail, score: score, checks: checks,
                response: response, error: nil, requestID: response.attempts.last?.requestID ?? requestID, latencyMs: response.latencyMs,
                finishedAt: finishedAt, attempts: response.attempts, toolScore: toolScore, costUSD: context.cost(of: response),
                contextUse: context.contextUse(of: response))
        }
    }

    /// Every check of the case against the response, in the order the case lists them.
    public static func checks(_ evalCase: EvalCase, response: ModelResponse) -> [CheckResult] {
        let matcher = TextMatcher(response.text, caseSensitive: evalCase.caseSensitive)
        var results: [CheckResult] = []
        results.reserveCapacity(evalCase.expectedContains.count + evalCase.forbiddenContains.count)
        for expected in evalCase.expectedContains {
            if let offset = matcher.offset(of: expected) {
                results.append(CheckResult(check: "expected_contains", passed: true, reason: "expected '\(expected)' — found at offset \(offset)"))
            } else {
                results.append(CheckResult(check: "expected_contains", passed: false, reason: "expected '\(expected)' — not found"))
            }
        }
        for forbidden in evalCase.forbiddenContains {
            if let offset = matcher.offset(of: forbidden) {
                results.append(CheckResult(check: "forbidden_contains", passed: false, reason: "forbidden '\(forbidden)' — found at offset \(offset)"))
            } else {
                results.append(CheckResult(check: "forbidden_contains", passed: true, reason: "forbidden '\(forbidden)' — absent"))
            }
        }
        return results
    }
}

/// Substring search that is case-insensitive unless asked otherwise, reporting offsets in characters.
public struct TextMatcher: Sendable {
    private let text: String
    private let caseSensitive: Bool

    public init(_ text: String, caseSensitive: Bool) {
        self.text = text
        self.caseSensitive = caseSensitive
    }

    /// The offset (in characters from the start) of the first occurrence of `needle`, or nil.
    public func offset(of needle: String) -> Int? {
        let options: String.CompareOptions = caseSensitive ? [.literal] : [.caseInsensitive]
        guard let range = text.range(of: needle, options: options) else { return nil }
        return text.distance(from: text.startIndex, to: range.lowerBound)
    }
}
