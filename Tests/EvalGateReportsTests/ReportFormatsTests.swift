import EvalGateCore
@testable import EvalGateReports
import Foundation
import TestSupport
import Testing

/// Each format on the fixed fixture run: its golden file, its schema, and its escaping of model
/// output. `EVALGATE_UPDATE_GOLDEN=1 swift test --filter ReportFormatsTests` rewrites the golden
/// files after an intended change (then read the diff).
@Suite struct ReportFormatsTests {
    private func written() throws -> (TemporaryDirectory, [ReportFormat: URL]) {
        let folder = try TemporaryDirectory()
        return (folder, try ReportFixture.writeAll(into: folder.url.appendingPathComponent("reports")))
    }

    @Test(arguments: ReportFormat.allCases)
    func eachFormatMatchesItsGoldenFile(_ format: ReportFormat) throws {
        let (_, urls) = try written()
        let text = try String(contentsOf: try #require(urls[format]), encoding: .utf8)
        let golden = ReportFixture.goldenFolder.appendingPathComponent(format.defaultFileName)
        if ProcessInfo.processInfo.environment["EVALGATE_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: ReportFixture.goldenFolder, withIntermediateDirectories: true)
            try text.write(to: golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        if text != expected {
            let line = zip(text.split(separator: "\n", omittingEmptySubsequences: false), expected.split(separator: "\n", omittingEmptySubsequences: false))
                .enumerated().first { $0.element.0 != $0.element.1 }
            Issue.record("\(format.defaultFileName) differs from its golden file at line \((line?.offset ?? 0) + 1):\n  now:    \(line.map { String($0.element.0.prefix(300)) } ?? "(length differs)")\n  golden: \(line.map { String($0.element.1.prefix(300)) } ?? "")")
        }
    }

    @Test func theJUnitFileValidatesAgainstTheSchemaJenkinsAndGitLabAccept() async throws {
        let (_, urls) = try written()
        let schema = ReportFixture.repository.appendingPathComponent("Tests/Fixtures/junit/junit.xsd")
        let check = try await ProcessRunner.tool("xmllint", ["--noout", "--schema", schema.path, try #require(urls[.junit]).path])
        #expect(check.status == 0, "\(check.stderr)")
        // The schema is strict enough to fail: evalgate's first JUnit layout put properties on the root.
        let folder = try TemporaryDirectory()
        let old = folder.url.appendingPathComponent("old.xml")
        try #"<?xml version="1.0"?><testsuites skipped="0"><properties><property name="a" value="b"/></properties></testsuites>"#.write(to: old, atomically: true, encoding: .utf8)
        let refused = try await ProcessRunner.tool("xmllint", ["--noout", "--schema", schema.path, old.path])
        #expect(refused.status != 0)
    }

    @Test func theJUnitFileCarriesReasonsOutputsAndRequestIDs() async throws {
        let (_, urls) = try written()
        let url = try #require(urls[.junit])
        let query = try await ProcessRunner.tool("xmllint", [
            "--xpath",
            "concat(count(//testcase), '|', //testcase[@name='return-window']/failure/@message, '|', count(//testcase[@name='down']/error), '|', //testsuite[@name='refunds']/properties/property[@name='evalgate.suite_kind']/@value, '|', //testsuite[@name='refunds']/properties/property[@name='evalgate.model']/@value)",
            url.path,
        ])
        #expect(query.stdout.trimmingCharacters(in: .newlines) == "6|expected '30 days' — not found|1|golden|model-2026-11")
        let xml = try String(contentsOf: url, encoding: .utf8)
        #expect(xml.contains("request id: 20261121-120000-abcdef/refunds/return-window/0/1"))
        #expect(xml.contains("2 of 3 samples with a response passed"), "a sampled case is one testcase with its pass count")
        #expect(xml.contains("(request id 20261121-120000-abcdef/orders/down/0/1)"), "an error names its request")
        #expect(!xml.contains("<script>"))
    }

    @Test func theJSONFileFollowsItsDocumentedSchema() throws {
        let (_, urls) = try written()
        let schema = try JSONSource.value(try String(contentsOf: ReportFixture.repository.appendingPathComponent("docs/results.schema.json"), encoding: .utf8))
        let report = try JSONSource.value(try String(contentsOf: try #require(urls[.json]), encoding: .utf8))
        let validator = JSONSchemaValidator(schema)
        #expect(validator.violations(of: report) == [])
        #expect(report["format"] == "evalgate.results" && report["version"] == 1)
        #expect(report["cases"]?.arrayValue?.count == 6)
        let hostile = report["cases"]?.arrayValue?.first { $0["suite"]?.stringValue == ReportFixture.hostileSuite }
        #expect(hostile?["samples"]?.arrayValue?.first?["output"]?.stringValue == ReportFixture.hostile, "JSON keeps the output exactly")
        // The schema can fail: a report missing its cases, or with an unknown status, does not pass.
        guard case .object(var broken) = report else { return }
        broken["cases"] = nil
        broken["verdict"] = ["outcome": "maybe", "exit_code": 1, "reasons": [], "notes": []]
        let violations = validator.violations(of: .object(broken))
        #expect(violations.contains("$: missing required 'cases'"))
        #expect(violations.contains { $0.hasPrefix("$.verdict.outcome:") })
    }

    @Test func junitSecondsAreWhatFoundationsFormatWrites() {
        var values: [Double] = [0, 0.0005, 0.0015, 0.0025, 1e-9, 0.999_5, 12.345_5, 1e15, -0.0004, -3.25, .infinity, .nan]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 { values.append(Double.random(in: 0..<100_000, using: &generator) / 1000) }
        for value in values {
            #expect(JUnitWriter.seconds(value) == String(format: "%.3f", value), "\(value)")
        }
    }

    @Test func aStoredRequestIsCopiedWhenItParsesAndNullWhenItDoesNot() throws {
        // results.json copies each case's stored request as it is; a store edited by hand (or
        // damaged) must not make the report invalid JSON.
        var good = ReportFixture.result("s", "good", status: .pass)
        good.requestJSON = #"{"messages":[{"content":"Hi <b>","role":"user"}],"vars":{"a":"1"}}"#
        var bad = ReportFixture.result("s", "bad", status: .pass)
        bad.requestJSON = #"{"messages":[{"content":"unterminated"#
        for (result, expected) in [(good, try JSONSource.value(good.requestJSON ?? "")), (bad, JSONValue.null)] {
            var json = JSONWriter()
            JSONReport.write(
                ReportCase(key: CaseKey(suite: "s", caseID: result.caseID), kind: .golden, tags: [], samples: [result], baseline: [], change: .same),
                into: &json)
            let written = try JSONSource.value(String(decoding: json.bytes, as: UTF8.self))
            #expect(written["request"] == expected, "\(result.caseID)")
        }
    }

    @Test func theMarkdownSummaryLeadsWithTheVerdictAndKeepsModelOutputInert() throws {
        let (_, urls) = try written()
        let markdown = try String(contentsOf: try #require(urls[.markdown]), encoding: .utf8)
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "## ❌ evalgate gate: REGRESSION — 2 cases regressed (exit 1)")
        #expect(markdown.contains("| Usefulness |"))
        #expect(markdown.contains("| Latency p95 |"))
        // Worst first: the unsafe case before the one that is only not useful.
        let unsafe = try #require(markdown.range(of: "`injection/fake-staff`"))
        let notUseful = try #require(markdown.range(of: "`refunds/return-window`"))
        #expect(unsafe.lowerBound < notUseful.lowerBound)
        #expect(markdown.contains("<details><summary>output now and in the baseline</summary>"))
        #expect(markdown.contains("Flaky cases (1)"))
        // Outside code, nothing from the model becomes HTML, an image, a link or a mention.
        var outsideCode = ""
        var fence: Substring?
        for line in lines {
            let trimmed = line.drop { $0 == " " }
            if let open = fence {
                if trimmed == open { fence = nil }
                continue
            }
            if trimmed.hasPrefix("```") {
                fence = trimmed.prefix { $0 == "`" }
                continue
            }
            outsideCode += line + "\n"
        }
        let withoutSpans = outsideCode.replacingOccurrences(of: "`[^`]*`", with: "", options: .regularExpression)
        #expect(!withoutSpans.contains("<script"))
        #expect(!withoutSpans.contains("<img"))
        #expect(!withoutSpans.contains("@here"))
        #expect(!withoutSpans.contains("](http"))
        #expect(!markdown.contains("\u{1B}"), "ANSI escapes are shown, not passed through")
        #expect(!markdown.contains("\u{202E}"), "bidi overrides are shown, not passed through")
    }

    @Test func aLongRegressionListStaysUnderGitHubsCommentLimit() {
        var content = ReportFixture.content
        var comparison = BaselineComparison(baselineName: "main", baselineRunID: "base")
        var outputs: [CaseKey: RegressionOutputs] = [:]
        for index in 0..<500 {
            let key = CaseKey(suite: "bulk", caseID: "case-\(index)")
            comparison.regressions.append(CaseChange(key: key, kind: .golden, baseline: .pass, current: .fail, reason: String(repeating: "long reason ", count: 40)))
            outputs[key] = RegressionOutputs(current: String(repeating: "x", count: 10_000), baseline: String(repeating: "y", count: 10_000))
        }
        content.comparison = comparison
        let markdown = MarkdownReport(content: content, outputs: outputs).render()
        #expect(markdown.count < 65_536)
        #expect(markdown.contains("… and 480 more"))
    }

    @Test func theHTMLPageRunsOnlyItsOwnScriptAndCarriesNoRawMarkupFromTheModel() throws {
        let (_, urls) = try written()
        let html = try String(contentsOf: try #require(urls[.html]), encoding: .utf8)
        #expect(html.components(separatedBy: "<script").count - 1 == 2, "the data block and the page's script, nothing else")
        let dataStart = try #require(html.range(of: "<script type=\"application/json\" id=\"evalgate-data\">"))
        let dataEnd = try #require(html.range(of: "</script>", range: dataStart.upperBound..<html.endIndex))
        let data = html[dataStart.upperBound..<dataEnd.lowerBound]
        #expect(!data.contains("<") && !data.contains(">") && !data.contains("&"), "the JSON block escapes markup characters")
        #expect(!html.contains("onerror=\""), "an attribute from the model never appears unescaped")
        #expect(html.range(of: #"(src|href)="(https?:)?//"#, options: .regularExpression) == nil, "no external asset")
        #expect(html.contains("Content-Security-Policy"))
        #expect(html.contains("script-src 'sha256-"))
        #expect(!html.contains("unsafe-inline'; script") && !html.contains("script-src 'unsafe-inline'"))
        #expect(html.contains(">hostile&lt;&amp;&gt;<title>"), "the hostile suite name is escaped in the overview's chart")
    }

    /// Whether a planted payload ran: it would have set an attribute on `<body>`.
    static func pwned(_ dom: String) -> Bool {
        dom.range(of: #"<body[^>]*data-pwned"#, options: .regularExpression) != nil
    }

    @Test func theHTMLPageRendersFiltersAndShowsPlantedPayloadsAsTextInABrowser() async throws {
        let (folder, urls) = try written()
        let page = try #require(urls[.html])
        let dom = try await Browser.dumpDOM(page, fragment: "status=fail")
        #expect(dom.contains("data-ready=\"1\""), "the page's script ran (the CSP admits it)")
        #expect(!Self.pwned(dom), "no planted script or onerror handler ran")
        #expect(dom.contains("data-count=\"4\""), "status=fail shows the four failing cases")
        let rows = dom.components(separatedBy: "<tr data-key=").count - 1
        #expect(rows == 4)
        #expect(!dom.contains("data-status=\"pass\""))

        let all = try await Browser.dumpDOM(page, fragment: "suite=refunds")
        #expect(all.contains("data-count=\"3\""), "the suite filter keeps the refunds cases")

        let hostileKey = (ReportFixture.hostileSuite + "/" + ReportFixture.hostileCase).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let detail = try await Browser.dumpDOM(page, fragment: "open=" + hostileKey)
        #expect(!Self.pwned(detail))
        #expect(detail.contains("&lt;img src=x onerror=\"document.body.setAttribute('data-pwned','img')\"&gt;"), "the planted image shows as text")
        #expect(detail.contains("&lt;script&gt;document.body.setAttribute('data-pwned','script')&lt;/script&gt;"), "the planted script shows as text")
        #expect(!detail.contains("<img src=\"x\""))
        #expect(detail.contains("escalate"), "tool calls are shown")
        #expect(detail.contains("\\u{1B}[31mred") && detail.contains("\\u{202E}desrever"), "control characters and bidi overrides are shown, not applied")
        let shown = detail.replacingOccurrences(of: #"<script[^>]*>[\s\S]*?</script>"#, with: "", options: .regularExpression)
        #expect(!shown.contains("\u{1B}") && !shown.contains("\u{202E}"), "nothing outside the data block holds them raw")

        let diff = try await Browser.dumpDOM(page, fragment: "open=refunds%2Freturn-window")
        #expect(diff.contains("<del>30</del>") && diff.contains("<ins>14</ins>"), "the baseline and current outputs are shown side by side with the change marked")
        #expect(diff.contains("<pre class=\"output\">user: How long do I have to return return-window?</pre>"), "the prompt that was sent")
        #expect(diff.contains("20261121-120000-abcdef/refunds/return-window/0/1"), "the request id")

        let png = folder.url.appendingPathComponent("report.png")
        try await Browser.screenshot(page, fragment: "open=refunds%2Freturn-window", to: png)
        let bytes = try Data(contentsOf: png)
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) && bytes.count > 20_000, "a real screenshot of the rendered page")
    }
}
