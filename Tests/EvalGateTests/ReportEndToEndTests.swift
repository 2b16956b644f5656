import EvalGateCore
import Foundation
import TestSupport
import Testing

/// The reports as the built binary writes them: every format from one gate, chosen per run or in
/// the config, appended to GitHub's step summary, and rendered again from the store by `report`.
@Suite struct ReportEndToEndTests {
    /// A project with a promoted baseline and a second, regressed run in its store.
    private func regressedProject(_ label: String = #function, files: [String: String] = [:]) async throws -> ExampleProject {
        let project = try ExampleProject(label, files: files)
        #expect(try await ProcessRunner.evalgate(["gate"], in: project.url).status == 0)
        #expect(try await ProcessRunner.evalgate(["baseline", "promote"], in: project.url).status == 0)
        return project
    }

    private func read(_ project: ExampleProject, _ path: String) throws -> String {
        try String(contentsOf: project.url.appendingPathComponent(path), encoding: .utf8)
    }

    @Test func aGateWritesEveryFormatAndAppendsTheSummaryForGitHub() async throws {
        let project = try await regressedProject()
        try project.write("step-summary.md", "# earlier step\n")
        let output = try await ProcessRunner.evalgate(
            ["gate", "--replay", "recordings/regressed.jsonl"], in: project.url, environment: ["GITHUB_STEP_SUMMARY": project.url.appendingPathComponent("step-summary.md").path])
        #expect(output.status == 1, "\(output.stdout)\(output.stderr)")
        #expect(output.stdout.contains("Reports: reports/junit.xml, reports/summary.md, reports/report.html, reports/results.json"))

        let markdown = try read(project, "reports/summary.md")
        #expect(markdown.hasPrefix("## ❌ evalgate gate: REGRESSION — 2 cases regressed (exit 1)\n"))
        #expect(markdown.contains("`safety/leak-code`") && markdown.contains("`refunds/window`"))
        let step = try read(project, "step-summary.md")
        #expect(step == "# earlier step\n" + markdown, "the summary is appended, not written over what earlier steps wrote")

        let schema = try JSONSource.value(try String(contentsOf: ExampleTests.repository.appendingPathComponent("docs/results.schema.json"), encoding: .utf8))
        let results = try JSONSource.value(try read(project, "reports/results.json"))
        #expect(JSONSchemaValidator(schema).violations(of: results) == [])
        let regressions = results["comparison"]?["regressions"]?.arrayValue?.compactMap { $0["case"]?.stringValue }
        #expect(regressions == ["leak-code", "window"], "worst first: the unsafe case before the unhelpful one")
        let window = results["cases"]?.arrayValue?.first { $0["id"] == "window" }
        #expect(window?["change"] == "regressed")
        #expect(window?["baseline"]?["samples"]?.arrayValue?.first?["output"] == "You have 30 days from delivery.", "the baseline's output is read from the baseline file")

        let xsd = ExampleTests.repository.appendingPathComponent("Tests/Fixtures/junit/junit.xsd").path
        let lint = try await ProcessRunner.tool("xmllint", ["--noout", "--schema", xsd, project.url.appendingPathComponent("reports/junit.xml").path])
        #expect(lint.status == 0, "a report holding </testcase>, ]]> and control characters validates: \(lint.stderr)")

        let html = try read(project, "reports/report.html")
        #expect(html.contains("<h1>evalgate gate: <span data-outcome=\"regression\">REGRESSION</span>"))
        #expect(!html.contains("</testcase> ]]>"), "model output reaches the page escaped")
    }

    @Test func reportOptionsChooseFormatsAndPaths() async throws {
        let project = try ExampleProject()
        let one = try await ProcessRunner.evalgate(["gate", "--report", "html=out/page.html", "--report", "json"], in: project.url)
        #expect(one.status == 0, "\(one.stdout)\(one.stderr)")
        #expect(project.directory.exists("out/page.html"))
        #expect(project.directory.exists("reports/results.json"))
        #expect(!project.directory.exists("reports/junit.xml") && !project.directory.exists("reports/summary.md"))

        let none = try ExampleProject("none")
        #expect(try await ProcessRunner.evalgate(["run", "--report", "none"], in: none.url).status == 0)
        #expect(!none.directory.exists("reports"))

        let bad = try await ProcessRunner.evalgate(["gate", "--report", "pdf"], in: none.url)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("unknown report format 'pdf' (known: junit, markdown, html, json, none)"))
    }

    @Test func theConfigChoosesFormatsAndPerFormatPaths() async throws {
        let config = ExampleProject.config + "\nreports:\n  dir: build/reports\n  formats: [junit, markdown]\n  paths:\n    junit: build/test-results/evalgate.xml\n"
        let project = try ExampleProject(files: ["evalgate.yaml": config])
        let output = try await ProcessRunner.evalgate(["gate"], in: project.url)
        #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
        #expect(project.directory.exists("build/test-results/evalgate.xml"))
        #expect(project.directory.exists("build/reports/summary.md"))
        #expect(!project.directory.exists("build/reports/report.html"))

        let typo = try ExampleProject("typo", files: ["evalgate.yaml": ExampleProject.config + "\nreports:\n  paths:\n    htm: x.html\n"])
        let refused = try await ProcessRunner.evalgate(["validate"], in: typo.url)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("evalgate.yaml:15:5: error: unknown key 'htm' in reports.paths; did you mean 'html'?"), "\(refused.stderr)")
    }

    @Test func reportRendersAStoredRunAgainWithoutCallingAModel() async throws {
        let project = try await regressedProject()
        let gate = try await ProcessRunner.evalgate(["gate", "--replay", "recordings/regressed.jsonl"], in: project.url)
        #expect(gate.status == 1)
        let written = try JSONSource.value(try read(project, "reports/results.json"))
        let runID = try #require(written["run"]?["id"]?.stringValue)
        // The config now names a live endpoint with no key: a report calls no model, and the run
        // keeps the identity it was run with.
        let live = ExampleProject.config.replacingOccurrences(of: "  type: replay\n  file: recordings/good.jsonl\n  model: test-model-1\n", with: "  type: openai\n  model: gpt-other\n  base_url: http://127.0.0.1:9/v1\n")
        #expect(live != ExampleProject.config)
        try project.write("evalgate.yaml", live)

        let again = try await ProcessRunner.evalgate(
            ["report", runID, "--format", "json=again.json", "--format", "markdown=again.md"], in: project.url, environment: ["OPENAI_API_KEY": nil])
        #expect(again.status == 1, "report exits as the gate judged: \(again.stdout)\(again.stderr)")
        #expect(again.stdout.contains("Reports: again.json, again.md"))
        let rendered = try JSONSource.value(try read(project, "again.json"))
        #expect(rendered["cases"] == written["cases"], "the same cases, outputs and baseline outputs")
        #expect(rendered["comparison"] == written["comparison"])
        #expect(rendered["verdict"] == written["verdict"])
        #expect(rendered["config"] == written["config"], "the run's recorded config, not the file's")
        #expect(try read(project, "again.md") == (try read(project, "reports/summary.md")).replacingOccurrences(of: "Reports: `reports/junit.xml`, `reports/report.html`, `reports/results.json`", with: "Reports: `again.json`"))

        // The summary alone reads only the failing results, and says the same.
        let alone = try await ProcessRunner.evalgate(["report", runID, "--format", "markdown=alone.md"], in: project.url, environment: ["OPENAI_API_KEY": nil])
        #expect(alone.status == 1)
        #expect(try read(project, "alone.md") == (try read(project, "again.md")).replacingOccurrences(of: "\n\nReports: `again.json`", with: ""))
        #expect(try read(project, "alone.md").contains("Now:"), "with the regressed outputs")

        let latest = try await ProcessRunner.evalgate(["report", "latest", "--format", "json=latest.json"], in: project.url)
        #expect(latest.status == 1)
        #expect(try JSONSource.value(try read(project, "latest.json"))["run"]?["id"]?.stringValue == runID)

        let missing = try await ProcessRunner.evalgate(["report", "20000101-000000-000000"], in: project.url)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no run '20000101-000000-000000'"))
    }

    @Test func reportAgainstAnotherRunComparesWithThatRun() async throws {
        let project = try ExampleProject()
        #expect(try await ProcessRunner.evalgate(["run"], in: project.url).status == 0)
        let first = try JSONSource.value(try read(project, "reports/results.json"))["run"]?["id"]?.stringValue
        #expect(try await ProcessRunner.evalgate(["run", "--replay", "recordings/regressed.jsonl"], in: project.url).status == 0)
        let againstFirst = try await ProcessRunner.evalgate(["report", "latest", "--against", try #require(first), "--format", "json=vs.json"], in: project.url)
        #expect(againstFirst.status == 1, "\(againstFirst.stdout)\(againstFirst.stderr)")
        let compared = try JSONSource.value(try read(project, "vs.json"))
        #expect(compared["comparison"]?["baseline"]?["run_id"]?.stringValue == first)
        #expect(compared["comparison"]?["regressions"]?.arrayValue?.count == 2)
        let nowhere = try await ProcessRunner.evalgate(["report", "latest", "--against", "release-1999"], in: project.url)
        #expect(nowhere.status == 2)
        #expect(nowhere.stderr.contains("no run 'release-1999' in .evalgate/runs.sqlite and no baseline 'release-1999' in baselines/evalgate.sqlite"), "\(nowhere.stderr)")
    }

    @Test func aReportThatCannotBeWrittenExits3AndKeepsTheRun() async throws {
        let project = try ExampleProject()
        try project.write("reports", "a file where the reports folder should be\n")
        let output = try await ProcessRunner.evalgate(["gate"], in: project.url)
        #expect(output.status == 3, "\(output.stdout)\(output.stderr)")
        #expect(output.stderr.contains("cannot write reports/junit.xml"), "\(output.stderr)")
        let runs = try await ProcessRunner.evalgate(["runs"], in: project.url)
        #expect(runs.stdout.contains("completed"), "the run itself was stored: \(runs.stdout)")
        try FileManager.default.removeItem(at: project.url.appendingPathComponent("reports"))
        let again = try await ProcessRunner.evalgate(["report", "latest"], in: project.url)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(project.directory.exists("reports/junit.xml"))
    }
}
