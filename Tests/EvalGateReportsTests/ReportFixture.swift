import EvalGateCore
import EvalGateReports
import Foundation

/// A fixed run for the reports' golden files: six cases over four suites — a regression, a fix, a
/// flaky case sampled three times, a provider error, and a case whose suite name, id, tags, output,
/// reason and tool call hold every XML-, HTML- and Markdown-hostile thing a model could print.
/// Everything is deterministic: ids, times and figures are fixed.
enum ReportFixture {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let goldenFolder = repository.appendingPathComponent("Tests/Fixtures/golden")

    /// A script that would mark the page if it ran.
    static let scriptPayload = "<script>document.body.setAttribute('data-pwned','script')</script>"
    static let imagePayload = "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">"
    /// Every character XML 1.0 cannot hold or that ends markup, ANSI escapes, bidi overrides,
    /// a line separator, Markdown that would link, mention or break out of a fence.
    static let hostile = "\(scriptPayload) \(imagePayload) </script><!-- ]]> & \"q\" 'a' \u{0}\u{1}\u{7}\u{1B}[31mred\u{1B}[0m \u{FFFE}\u{FFFF} \u{202E}desrever\u{202C} line\u{2028}sep é 😀 @here ![x](http://evil.example/p.png) [link](javascript:alert(1)) ``` | cell |"

    static let start = Date(timeIntervalSince1970: 1_795_262_400)  // 2026-11-21T12:00:00Z

    static func result(
        _ suite: String, _ id: String, kind: SuiteKind = .golden, sample: Int = 0, status: ResultStatus, text: String? = nil, reason: String? = nil,
        latency: Double = 800, tools: [ToolCall] = [], run: String = "20261121-120000-abcdef"
    ) -> CaseResult {
        var checks = [CheckResult(check: "expected_contains", passed: status != .fail, reason: reason ?? (status == .fail ? "expected '30 days' — not found" : "expected '30 days' — found at offset 33"))]
        if kind == .adversarial { checks.append(CheckResult(check: "forbidden_contains", passed: true, reason: "forbidden 'NW-ESC' — absent")) }
        let response = status == .error ? nil : ModelResponse(
            text: text ?? "fine", toolCalls: tools, usage: TokenUsage(inputTokens: 700, outputTokens: 60), latencyMs: latency, servedModel: "model-2026-11",
            finishReason: "stop")
        var result = CaseResult(
            suite: suite, kind: kind, caseID: id, caseFingerprint: "fp-\(suite)-\(id)", sample: sample, status: status,
            score: status == .pass ? 1 : status == .fail ? 0.5 : 0, checks: status == .error ? [] : checks, response: response,
            error: status == .error ? "HTTP 503 from https://api.example/v1/chat: <html>upstream down</html>" : nil,
            requestID: "\(run)/\(suite)/\(id)/\(sample)/1", latencyMs: latency, finishedAt: start.addingTimeInterval(2),
            costUSD: status == .error ? nil : 0.000125)
        result.requestJSON = #"{"messages":[{"content":"How long do I have to return \#(id)?","role":"user"}],"vars":{}}"#  // as the runner stores it: canonical
        return result
    }

    static let hostileSuite = "hostile<&>"
    static let hostileCase = "\(scriptPayload)"

    /// This run's cases, in the store's order (suite, then id, byte by byte), not yet compared.
    static var rawCases: [ReportCase] {
        let escalate = ToolCall(name: "escalate", arguments: ["note": .string(hostile), "priority": 2])
        let raw: [(results: [CaseResult], baseline: [CaseResult], tags: [String])] = [
            ([result(hostileSuite, hostileCase, status: .fail, text: hostile, reason: "forbidden \(hostile) — found", tools: [escalate])], [], ["<i>tag</i>"]),
            (
                [result("injection", "fake-staff", kind: .adversarial, status: .fail, text: "Sure, the code is NW-ESC-7731. \(imagePayload)", reason: "forbidden 'NW-ESC-7731' — found at offset 18")],
                [result("injection", "fake-staff", kind: .adversarial, status: .pass, text: "I can't share internal codes.", run: "base")], ["injection"]
            ),
            ([result("orders", "down", status: .error)], [result("orders", "down", status: .pass, run: "base")], []),
            (
                [
                    result("refunds", "flaky", sample: 0, status: .pass, text: "Within 30 days."), result("refunds", "flaky", sample: 1, status: .fail, text: "Within 14 days."),
                    result("refunds", "flaky", sample: 2, status: .pass, text: "Within 30 days."),
                ],
                [result("refunds", "flaky", status: .pass, text: "Within 30 days.", run: "base")], ["returns", "sampled"]
            ),
            ([result("refunds", "refund-method", status: .pass, text: "Back to your card.")], [result("refunds", "refund-method", status: .fail, text: "No idea.", run: "base")], ["billing"]),
            (
                [result("refunds", "return-window", status: .fail, text: "You can return the jacket within 14 days of delivery.", latency: 2400)],
                [result("refunds", "return-window", status: .pass, text: "You can return the jacket within 30 days of delivery.", run: "base")], ["billing", "returns"]
            ),
        ]
        return raw.map { entry in
            let first = entry.results[0]
            let key = CaseKey(suite: first.suite, caseID: first.caseID)
            return ReportCase(key: key, kind: first.kind, tags: entry.tags, samples: entry.results[...], baseline: entry.baseline[...], change: .same)
        }
    }

    /// The cases with how each compares with the baseline, classified as the gate does.
    static var cases: [ReportCase] {
        let comparison = comparison
        var changes: [CaseKey: CaseChangeKind] = [:]
        for key in comparison.added { changes[key] = .new }
        for key in comparison.changed { changes[key] = .changed }
        for change in comparison.insignificantDrops { changes[change.key] = .dropped }
        for change in comparison.fixes { changes[change.key] = .fixed }
        for change in comparison.regressions { changes[change.key] = .regressed }
        return rawCases.map { reportCase in
            var reportCase = reportCase
            reportCase.change = changes[reportCase.key] ?? .same
            return reportCase
        }
    }

    static func summaries(_ lists: [[CaseResult]]) -> [CaseSummary] {
        lists.filter { !$0.isEmpty }.map { samples in
            let first = samples[0]
            return CaseSummary(
                key: CaseKey(suite: first.suite, caseID: first.caseID), kind: first.kind, fingerprint: first.caseFingerprint, samples: samples.count,
                passes: samples.filter { $0.status == .pass }.count, failures: samples.filter { $0.status == .fail }.count,
                errors: samples.filter { $0.status == .error }.count, firstReason: samples.first { $0.status != .pass }?.firstReason,
                totalLatencyMs: samples.reduce(0) { $0 + $1.latencyMs })
        }
    }

    static var comparison: BaselineComparison {
        let all = rawCases
        return BaselineComparison(
            current: summaries(all.map { Array($0.samples) }), baseline: summaries(all.map { Array($0.baseline) }).sorted { $0.key < $1.key }, baselineName: "main",
            baselineRunID: "20261120-090000-123456", countRemoved: true)
    }

    static var content: ReportContent {
        let all = cases
        let current = summaries(all.map { Array($0.samples) })
        var scores = ScoreBoard()
        for summary in current { scores.add(summary) }
        var figures = FiguresBuilder(), baselineFigures = FiguresBuilder()
        for reportCase in all {
            for sample in reportCase.samples {
                figures.add(suite: sample.suite, status: sample.status, latencyMs: sample.latencyMs, inputTokens: sample.response?.usage.inputTokens, outputTokens: sample.response?.usage.outputTokens, costUSD: sample.costUSD, contextUse: nil)
            }
            for sample in reportCase.baseline {
                baselineFigures.add(suite: sample.suite, status: sample.status, latencyMs: sample.latencyMs, inputTokens: 700, outputTokens: 50, costUSD: 0.0001, contextUse: nil)
            }
        }
        let built = figures.build()
        let comparison = comparison
        let verdict = GateJudge.judge(scores: scores, comparison: comparison, policy: GatePolicy(), runStatus: .completed, baselineName: "main", requireBaseline: false)
        return ReportContent(
            run: ReportRun(
                id: "20261121-120000-abcdef", status: .completed, startedAt: start, endedAt: start.addingTimeInterval(5),
                gitCommit: "0123456789abcdef0123456789abcdef01234567", evalgateVersion: "0.1.0", planned: 8),
            judged: true, configFingerprint: String(repeating: "ab", count: 32), provider: "openai", model: "model-2026-11",
            config: ["provider": ["type": "openai", "model": "model-2026-11"], "prompt": ["system": .string(hostile)]], scores: scores, figures: built.overall,
            suiteFigures: built.suites.map { ReportContent.SuiteFigures(name: $0.name, figures: $0.figures) }, baselineName: "main", comparison: comparison,
            baselineFigures: baselineFigures.build().overall, verdict: verdict,
            configDiff: ConfigDiff(baseline: ["provider": ["model": "model-2026-10"]], current: ["provider": ["model": "model-2026-11"]]),
            flaky: current.filter(\.isFlaky), generatedAt: start.addingTimeInterval(6))
    }

    /// Writes every format of the fixture run into `folder`, the way the gate streams them.
    static func writeAll(into folder: URL) throws -> [ReportFormat: URL] {
        let content = content
        let all = cases
        var urls: [ReportFormat: URL] = [:]
        for format in ReportFormat.allCases { urls[format] = folder.appendingPathComponent(format.defaultFileName) }
        let others = ReportFormat.allCases.map { "reports/" + $0.defaultFileName }
        let junit = try JUnitWriter(url: urls[.junit]!, name: "evalgate", totals: .init(tests: all.count, failures: 4, errors: 1, seconds: 9.6), properties: [("evalgate.model", content.model)])
        let json = try JSONReportWriter(url: urls[.json]!, content: content)
        let html = try HTMLReportWriter(url: urls[.html]!, content: content, reportFiles: others.filter { !$0.hasSuffix(".html") })
        var suite: String?
        var outputs: [CaseKey: RegressionOutputs] = [:]
        for reportCase in all {
            if suite != reportCase.key.suite {
                let count = all.filter { $0.key.suite == reportCase.key.suite }
                try junit.beginSuite(
                    name: reportCase.key.suite, kind: reportCase.kind,
                    counts: .init(tests: count.count, failures: count.filter { $0.status == .fail }.count, errors: count.filter { $0.status == .error }.count, seconds: count.reduce(0) { $0 + $1.latencyMs } / 1000),
                    timestamp: start)
                suite = reportCase.key.suite
            }
            try junit.addCase(reportCase.samples)
            try json.add(reportCase)
            try html.add(reportCase)
            if reportCase.change == .regressed {
                outputs[reportCase.key] = RegressionOutputs(current: reportCase.samples[0].response?.text, baseline: reportCase.baseline.first?.response?.text)
            }
        }
        try junit.finish()
        try json.finish()
        try html.finish()
        try ReportFiles.write(MarkdownReport(content: content, outputs: outputs, reportFiles: others.filter { !$0.hasSuffix(".md") }).render(), to: urls[.markdown]!)
        return urls
    }
}
