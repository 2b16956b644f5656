import EvalGate
import EvalGateCore
import Foundation
import TestSupport
import Testing

/// A JSONL suite large enough to be kept by line (`CaseLines`): read again from its file as its
/// cases run, through the whole gate.
@Suite struct LargeSuiteTests {
    static let count = 3_000

    /// The bulk suite's line for case `index`: every third tagged, every seventh sampled twice.
    static func caseLine(_ index: Int) -> String {
        let tags = index % 3 == 0 ? #", "tags": ["t\#(index % 2)"]"# : ""
        let repeatCount = index % 7 == 0 ? #", "repeat": 2"# : ""
        let padding = String(repeating: "x", count: 60)
        return #"{"id": "c-\#(index)", "prompt": "Question \#(index) \#(padding)", "vars": {"customer_id": "C-9"}, "expected_contains": ["ok"]\#(tags)\#(repeatCount)}"#
    }

    static func project(_ label: String = #function) throws -> ExampleProject {
        let suite = (0..<count).map(caseLine).joined(separator: "\n") + "\n"
        var recording = ExampleProject.goodRecording
        if !recording.hasSuffix("\n") { recording += "\n" }
        for index in 0..<count {
            for sample in 0..<(index % 7 == 0 ? 2 : 1) {
                // Every 100th case answers without what it must contain.
                recording += #"{"suite":"bulk","case":"c-\#(index)","sample":\#(sample),"text":"\#(index % 100 == 5 ? "no" : "ok")"}"# + "\n"
            }
        }
        return try ExampleProject(label, files: ["suites/golden/bulk.jsonl": suite, "recordings/good.jsonl": recording])
    }

    @Test func aSuiteKeptByLineRunsEveryCaseWithItsTagsAndSamples() async throws {
        let project = try Self.project()
        let output = try await ProcessRunner.evalgate(["gate"], in: project.url)
        #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(try project.directory.read("reports/results.json").utf8)) as? [String: Any]
        let cases = try #require(report?["cases"] as? [[String: Any]])
        let bulk = cases.filter { $0["suite"] as? String == "bulk" }
        #expect(bulk.count == Self.count)
        func bulkCase(_ id: String) -> [String: Any]? { bulk.first { $0["id"] as? String == id } }
        #expect(bulkCase("c-3")?["tags"] as? [String] == ["t1"], "tags come from the suite kept by line")
        #expect(bulkCase("c-4")?["tags"] as? [String] == [])
        #expect((bulkCase("c-14")?["samples"] as? [Any])?.count == 2, "a case's own repeat is kept with its line")
        #expect(bulkCase("c-105")?["status"] as? String == "fail")
        let failed = bulk.filter { $0["status"] as? String == "fail" }.count
        #expect(failed == Self.count / 100)
    }

    /// Every case sampled three times, 700 cases: the report pass reads results in pages of
    /// 2,000, so a case's samples run on from one page into the next, in the run and in its
    /// baseline alike, and each case must still come out whole, once, with its baseline's samples.
    @Test func aCaseWhoseSamplesStraddleTwoPagesIsReportedWhole() async throws {
        let count = 700
        let suite = (0..<count).map { #"{"id": "c-\#($0)", "prompt": "Question \#($0)", "vars": {"customer_id": "C-9"}, "expected_contains": ["ok"], "repeat": 3}"# }
        var recording = ExampleProject.goodRecording
        if !recording.hasSuffix("\n") { recording += "\n" }
        for index in 0..<count {
            for sample in 0..<3 {
                // Case c-5 fails its last sample now and passed it in the baseline.
                let text = index == 5 && sample == 2 ? "now:no" : "ok-\(index)-\(sample)"
                recording += #"{"suite":"bulk","case":"c-\#(index)","sample":\#(sample),"text":"\#(text)"}"# + "\n"
            }
        }
        let project = try ExampleProject(#function, files: [
            "suites/golden/bulk.jsonl": suite.joined(separator: "\n") + "\n",
            "recordings/good.jsonl": recording.replacingOccurrences(of: "now:no", with: "ok-5-2"),
        ])
        #expect(try await ProcessRunner.evalgate(["gate"], in: project.url).status == 0)
        #expect(try await ProcessRunner.evalgate(["baseline", "promote"], in: project.url).status == 0)
        try project.write("recordings/good.jsonl", recording)
        let output = try await ProcessRunner.evalgate(["gate", "--report", "json"], in: project.url)
        #expect(output.status == 0 || output.status == 1, "\(output.stdout)\(output.stderr)")

        let report = try JSONSerialization.jsonObject(with: Data(try project.directory.read("reports/results.json").utf8)) as? [String: Any]
        let bulk = try #require(report?["cases"] as? [[String: Any]]).filter { $0["suite"] as? String == "bulk" }
        #expect(bulk.count == count, "each case once")
        #expect(Set(bulk.compactMap { $0["id"] as? String }).count == count)
        var whole = 0
        for reportCase in bulk {
            let id = reportCase["id"] as? String ?? "?"
            let samples = (reportCase["samples"] as? [[String: Any]]) ?? []
            let baseline = ((reportCase["baseline"] as? [String: Any])?["samples"] as? [[String: Any]]) ?? []
            let number = Int(id.dropFirst(2)) ?? -1
            let outputs = samples.compactMap { $0["output"] as? String }
            let expected = (0..<3).map { number == 5 && $0 == 2 ? "now:no" : "ok-\(number)-\($0)" }
            if samples.compactMap({ $0["sample"] as? Int }) == [0, 1, 2], outputs == expected,
                baseline.compactMap({ $0["sample"] as? Int }) == [0, 1, 2],
                baseline.compactMap({ $0["output"] as? String }) == (0..<3).map({ "ok-\(number)-\($0)" })
            {
                whole += 1
            } else {
                Issue.record("case \(id): samples \(samples.count), baseline \(baseline.count), outputs \(outputs)")
            }
        }
        #expect(whole == count)
        let failing = bulk.first { $0["id"] as? String == "c-5" }
        #expect(failing?["status"] as? String == "fail")
    }

    @Test func aStoredRunIsReportedWithTheTagsItRanWith() async throws {
        let project = try Self.project()
        let gate = try await ProcessRunner.evalgate(["gate"], in: project.url)
        #expect(gate.status == 0, "\(gate.stdout)\(gate.stderr)")
        // The suite's tags change after the run; one case's stored tags are taken away, as in a row
        // written before results kept their tags.
        let retagged = (0..<Self.count).map { Self.caseLine($0).replacingOccurrences(of: #""tags": ["t"#, with: #""tags": ["new-t"#) }
        try project.write("suites/golden/bulk.jsonl", retagged.joined(separator: "\n") + "\n")
        let database = project.url.appendingPathComponent(".evalgate/runs.sqlite").path
        let stored = try await ProcessRunner.tool("sqlite3", [database, "SELECT tags_json FROM results WHERE case_id IN ('c-3', 'c-4'); UPDATE results SET tags_json = NULL WHERE case_id = 'c-6';"])
        #expect(stored.stdout == "[\"t1\"]\n[]\n", "each result keeps its case's tags")

        let output = try await ProcessRunner.evalgate(["report", "latest", "--format", "json"], in: project.url)
        #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(try project.directory.read("reports/results.json").utf8)) as? [String: Any]
        let cases = try #require(report?["cases"] as? [[String: Any]])
        func tags(_ id: String) -> [String]? { cases.first { $0["id"] as? String == id }?["tags"] as? [String] }
        #expect(tags("c-3") == ["t1"], "the tags the case ran with, not the suite's new ones")
        #expect(tags("c-4") == [])
        #expect(tags("c-6") == ["new-t0"], "a result stored without tags takes the suite's")
    }

    @Test func aSuiteChangedUnderTheRunStopsItWithTheLineAndKeepsTheStoreConsistent() async throws {
        let project = try Self.project()
        let loaded = try await Project.load(Project.Options(workingDirectory: project.url))
        // After loading (and checking) and before the run: case c-2000 is no longer what was checked.
        var lines = (0..<Self.count).map(Self.caseLine)
        lines[2_000] = lines[2_000].replacingOccurrences(of: "Question", with: "Questlon")
        try project.write("suites/golden/bulk.jsonl", lines.joined(separator: "\n") + "\n")
        do {
            _ = try await GateRun(project: loaded).execute()
            Issue.record("a run over a changed suite completed")
        } catch {
            guard case .invalidInput(let failure) = error else {
                Issue.record("expected invalid input, got \(error)")
                return
            }
            #expect(failure.diagnostics.map(\.description) == [
                "suites/golden/bulk.jsonl:1:1: the file changed during the run: lines 1–3000 are not what was checked; run again"
            ])
        }
        let database = project.url.appendingPathComponent(".evalgate/runs.sqlite").path
        let stored = try await ProcessRunner.tool("sqlite3", [database, "PRAGMA integrity_check; SELECT status FROM runs; SELECT COUNT(*) FROM results WHERE case_id = 'c-2000';"])
        #expect(stored.stdout == "ok\ninterrupted\n0\n", "the run is stored as interrupted, and the changed case was never sent")
    }
}
