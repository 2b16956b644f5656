import Foundation
import TestSupport
import Testing

/// The built `evalgate` binary run as a process on projects laid out in temporary folders.
@Suite struct GateEndToEndTests {
    @Test func aFirstGateWithoutBaselinePassesAndSaysSo() async throws {
        let project = try ExampleProject()
        let output = try await ProcessRunner.evalgate(["gate"], in: project.url)
        #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
        #expect(output.stdout.hasPrefix("evalgate gate: PASS (exit 0)"))
        #expect(output.stdout.contains("no baseline 'main' yet"))
        #expect(project.directory.exists(".evalgate/runs.sqlite"))
        #expect(project.directory.exists("reports/junit.xml"))
    }

    @Test func theRequireBaselineFlagTurnsAMissingBaselineIntoExit3() async throws {
        let project = try ExampleProject()
        let output = try await ProcessRunner.evalgate(["gate", "--require-baseline"], in: project.url)
        #expect(output.status == 3)
        #expect(output.stdout.contains("no baseline 'main' to compare with, and --require-baseline is set"))
    }

    @Test func aRegressionAgainstThePromotedBaselineExits1AndNamesTheCases() async throws {
        let project = try ExampleProject()
        #expect(try await ProcessRunner.evalgate(["gate"], in: project.url).status == 0)
        let promote = try await ProcessRunner.evalgate(["baseline", "promote"], in: project.url)
        #expect(promote.status == 0, "\(promote.stderr)")
        #expect(promote.stdout.hasPrefix("Promoted run "))

        let again = try await ProcessRunner.evalgate(["gate"], in: project.url)
        #expect(again.status == 0)
        #expect(again.stdout.contains("baseline 'main' = run "))

        let regressed = try await ProcessRunner.evalgate(["gate", "--replay", "recordings/regressed.jsonl"], in: project.url)
        #expect(regressed.status == 1, "\(regressed.stdout + regressed.stderr)")
        #expect(regressed.stdout.hasPrefix("evalgate gate: REGRESSION (exit 1)"))
        #expect(regressed.stdout.contains("FAIL refunds/window [golden]: expected '30 days' — not found"))
        #expect(regressed.stdout.contains("FAIL safety/leak-code [adversarial]: forbidden 'ZX-99' — found at offset"))
        #expect(!regressed.stdout.contains("refunds/method"))
        #expect(!regressed.stdout.contains("\u{1B}"), "no escape sequence from a model reaches the terminal")

        let junit = project.url.appendingPathComponent("reports/junit.xml").path
        let lint = try await ProcessRunner.tool("xmllint", ["--noout", junit])
        #expect(lint.status == 0, "the report holds </testcase>, ]]> and control characters yet parses: \(lint.stderr)")
        let names = try await ProcessRunner.tool("xmllint", ["--xpath", "concat(//testsuites/@failures, '|', count(//testcase[failure]), '|', //testcase[@name='window']/failure/@message)", junit])
        #expect(names.stdout.trimmingCharacters(in: .newlines) == "2|2|expected '30 days' — not found")
    }

    @Test func anInvalidSuiteExits2WithFileAndLineAndRunsNothing() async throws {
        let project = try ExampleProject(files: [
            "suites/golden/broken.yaml": "suite: broken\ncases:\n  - id: one\n    promt: hi\n"
        ])
        let output = try await ProcessRunner.evalgate(["gate"], in: project.url)
        #expect(output.status == 2)
        #expect(output.stderr.contains("suites/golden/broken.yaml:4:5: error: unknown key 'promt' in the case; did you mean 'prompt'?"))
        #expect(output.stderr.contains("suites/golden/broken.yaml:3:5: error: case 'one' needs 'prompt' or 'messages'"))
        #expect(output.stdout.isEmpty)
        #expect(!project.directory.exists(".evalgate/runs.sqlite"), "no run row: the store was never opened")
    }

    @Test func anExecProviderThatHangsGivesErrorResultsAndExit3() async throws {
        let project = try ExampleProject.withAgent("#!/bin/sh\ncat >/dev/null\nsleep 30\n", timeout: 0.3)
        let output = try await ProcessRunner.evalgate(["gate"], in: project.url)
        #expect(output.status == 3, "\(output.stdout + output.stderr)")
        #expect(output.stdout.hasPrefix("evalgate gate: INCOMPLETE (exit 3)"))
        #expect(output.stdout.contains("3 of 3 results are errors (100%), above gate.max_error_rate 0.5%"))
        #expect(output.stdout.contains("ERROR refunds/method sample 0: './agent.sh' did not answer within 0.3 s and was killed"))
        let rows = try await ProcessRunner.tool("sqlite3", [
            project.url.appendingPathComponent(".evalgate/runs.sqlite").path,
            "SELECT status, COUNT(*) FROM results GROUP BY status; SELECT status FROM runs; SELECT request_json FROM results WHERE case_id = 'window';",
        ])
        #expect(rows.stdout == #"""
            error|3
            completed
            {"messages":[{"content":"How long do I have to return something?","role":"user"}],"vars":{"customer_id":"C-1"}}

            """#, "each row keeps the request that was sent")
    }

    @Test func anExecProviderAnswersThroughTheWholeGate() async throws {
        let script = """
            #!/bin/sh
            request=$(cat)
            case "$request" in
              *'"case":"window"'*) printf '{"text": "You have 30 days."}' ;;
              *'"case":"method"'*) printf '{"text": "To the original payment method."}' ;;
              *) printf '{"text": "I cannot share that."}' ;;
            esac
            """
        let project = try ExampleProject.withAgent(script)
        let output = try await ProcessRunner.evalgate(["gate"], in: project.url)
        #expect(output.status == 0, "\(output.stdout + output.stderr)")
        #expect(output.stdout.contains("usefulness   100% (2/2 cases pass)"))
    }

    @Test func aSecondCtrlCCancelsTheRequestsInFlightAndMarksTheRunInterrupted() async throws {
        // Case `window` (first in plan order) answers at once and leaves a marker; `method` takes
        // 30 s. With concurrency 1 the run is inside the slow request when the test sends SIGINT.
        let script = """
            #!/bin/sh
            request=$(cat)
            case "$request" in
              *'"case":"window"'*) printf '{"text": "You have 30 days."}'; touch answered ;;
              *) echo $$ > slow.pid; sleep 30; printf '{"text": "late"}' ;;
            esac
            """
        let project = try ExampleProject.withAgent(script, concurrency: 1, timeout: 60)
        let marker = project.url.appendingPathComponent("answered").path
        let output = try await ProcessRunner.evalgate(["gate", "--case", "method", "--case", "window"], in: project.url) { pid in
            // Interrupt once the first case has answered (the second is then in flight), twice:
            // the second SIGINT cancels the slow request, killing its command's process group.
            signal(pid, [SIGINT, SIGINT], whenExists: marker, gaps: [0.2, 0.3])
        }
        #expect(output.status == 3, "\(output.stdout)\(output.stderr)")
        #expect(output.stderr.contains("stopping after the requests in flight"))
        #expect(output.stderr.contains("cancelling the requests in flight"))
        #expect(output.stdout.contains("the run did not complete (status interrupted)"))
        let rows = try await ProcessRunner.tool("sqlite3", [
            project.url.appendingPathComponent(".evalgate/runs.sqlite").path,
            "SELECT case_id, status FROM results; SELECT status FROM runs; PRAGMA integrity_check;",
        ])
        #expect(rows.stdout == "window|pass\ninterrupted\nok\n", "the finished result is kept, the cancelled one is not stored")
        let pid = try #require(Int32(try project.directory.read("slow.pid").trimmingCharacters(in: .whitespacesAndNewlines)))
        var running = true
        for _ in 0..<100 where running {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            running = !stat.isEmpty && !stat.contains(") Z ")
            if running { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(!running, "the slow command outlived evalgate")
    }

    @Test func aFirstCtrlCLetsTheRequestInFlightFinishAndTheGateExits3() async throws {
        let script = """
            #!/bin/sh
            request=$(cat)
            case "$request" in
              *'"case":"leak-code"'*) touch started; sleep 1; printf '{"text": "I cannot share that."}' ;;
              *) printf '{"text": "You have 30 days."}' ;;
            esac
            """
        let project = try ExampleProject.withAgent(script, concurrency: 1)
        let marker = project.url.appendingPathComponent("started").path
        // Plan order follows the suite files' paths: safety/leak-code (suites/adversarial) runs first.
        let output = try await ProcessRunner.evalgate(["gate"], in: project.url) { pid in
            signal(pid, [SIGINT], whenExists: marker)
        }
        #expect(output.status == 3, "\(output.stdout)\(output.stderr)")
        #expect(output.stdout.contains("the run did not complete (status interrupted)"))
        let rows = try await ProcessRunner.tool("sqlite3", [
            project.url.appendingPathComponent(".evalgate/runs.sqlite").path, "SELECT case_id, status FROM results; SELECT status, planned FROM runs;",
        ])
        #expect(rows.stdout == "leak-code|pass\ninterrupted|3\n", "the request in flight finished and was stored; nothing new started")
    }

    @Test func wrongToolArgumentsLowerToolAccuracyAndFailTheGate() async throws {
        let project = try ExampleProject(files: [
            "evalgate.yaml": ExampleProject.config + "\ntools: tools.json\n",
            "tools.json": #"[{"type": "function", "function": {"name": "lookup_order", "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}}}]"#,
            "suites/golden/orders.yaml": """
                suite: orders
                defaults: {vars: {customer_id: C-1}}
                cases:
                  - id: status
                    prompt: Where is NW-1?
                    expected_tools: [{name: lookup_order, arguments: {order_id: NW-1}}]
                """,
            "recordings/good.jsonl": ExampleProject.goodRecording + "\n" + #"{"suite":"orders","case":"status","text":"Shipped.","tool_calls":[{"name":"lookup_order","arguments":{"order_id":"NW-1"}}]}"#,
            "recordings/wrong.jsonl": ExampleProject.goodRecording + "\n" + #"{"suite":"orders","case":"status","text":"Shipped.","tool_calls":[{"name":"lookup_order","arguments":"{\"order_id\": \"NW-9\"}"}]}"#,
        ])
        let first = try await ProcessRunner.evalgate(["gate"], in: project.url)
        #expect(first.stdout.contains("tool calls   100% mean F1 over 1 case(s)"), "\(first.stdout)")
        #expect(try await ProcessRunner.evalgate(["baseline", "promote"], in: project.url).status == 0)
        let wrong = try await ProcessRunner.evalgate(["gate", "--replay", "recordings/wrong.jsonl"], in: project.url)
        #expect(wrong.status == 1)
        #expect(wrong.stdout.contains(#"FAIL orders/status [golden]: expected tool lookup_order(order_id: "NW-1") — called with order_id = "NW-9", expected "NW-1""#))
        #expect(wrong.stdout.contains("tool accuracy fell from 100% to 0%, more than gate.max_tool_accuracy_drop 0%"))
    }

    @Test func costLatencyAndContextUseAreReported() async throws {
        let priced = try ExampleProject(files: [
            "evalgate.yaml": ExampleProject.config + "\npricing: {test-model-1: {input_per_mtok: 1000, output_per_mtok: 2000}}\ncontext_window: 12\n"
        ])
        let output = try await ProcessRunner.evalgate(["gate"], in: priced.url)
        // The good recording reports usage only for refunds/window: 10 in, 6 out.
        #expect(output.stdout.contains("  cost         $0.0220 + unknown for 2 result(s) · tokens 10 in / 6 out"), "\(output.stdout)")
        #expect(output.stdout.contains("  latency      p50 90 ms · p95 120 ms · p99 120 ms"))
        #expect(output.stdout.contains("  context      1 result(s) used over 80% of the context window (most: 83.3%)"))
        let junit = try priced.directory.read("reports/junit.xml")
        #expect(junit.contains(#"<property name="evalgate.latency_p95_ms" value="120.0"/>"#))
        #expect(!junit.contains("evalgate.cost_usd\" value"), "an unknown total is left out, not written as 0")
        let rows = try await ProcessRunner.tool("sqlite3", [priced.url.appendingPathComponent(".evalgate/runs.sqlite").path, "SELECT case_id, cost_usd, round(context_use, 3) FROM results ORDER BY case_id;"])
        #expect(rows.stdout == "leak-code||\nmethod||\nwindow|0.022|0.833\n")
    }

    @Test func aCaseRepeatedThreeTimesThatFailsOnceIsListedAsFlaky() async throws {
        let project = try ExampleProject(files: [
            "suites/golden/refunds.yaml": ExampleProject.golden.replacingOccurrences(of: "expected_contains: [\"30 days\"]", with: "expected_contains: [\"30 days\"]\n    repeat: 3"),
            "recordings/good.jsonl": ExampleProject.goodRecording + """

                {"suite":"refunds","case":"window","sample":1,"text":"You have two weeks."}
                {"suite":"refunds","case":"window","sample":2,"text":"30 days from delivery."}
                """,
        ])
        let validate = try await ProcessRunner.evalgate(["validate"], in: project.url)
        #expect(validate.stdout.contains("plan: 3 cases, 5 requests"))
        let output = try await ProcessRunner.evalgate(["gate"], in: project.url)
        #expect(output.stdout.contains("FLAKY refunds/window [golden]: 2/3 samples pass (Wilson 95%: 20.8%–93.9%)"), "\(output.stdout)")
        #expect(output.stdout.contains("usefulness   83.3% (1/2 cases pass)"), "the case's pass rate is 2/3, averaged with 1/1")
        let junit = try project.directory.read("reports/junit.xml")
        #expect(junit.contains("2 of 3 samples with a response passed (Wilson 95% interval 20.8%–93.9%)"))
    }

    @Test func aRunKilledMidwayLeavesAConsistentStoreAndShowsAsInterrupted() async throws {
        let script = """
            #!/bin/sh
            request=$(cat)
            case "$request" in
              *'"case":"leak-code"'*) printf '{"text": "I cannot share that."}' ;;
              *) touch started; sleep 30 ;;
            esac
            """
        let project = try ExampleProject.withAgent(script, concurrency: 1, timeout: 60)
        let marker = project.url.appendingPathComponent("started").path
        let output = try await ProcessRunner.evalgate(["gate"], in: project.url) { pid in
            signal(pid, [SIGKILL], whenExists: marker)
        }
        #expect(output.status == SIGKILL, "killed by the test")
        let database = project.url.appendingPathComponent(".evalgate/runs.sqlite").path
        let check = try await ProcessRunner.tool("sqlite3", [database, "PRAGMA integrity_check; SELECT case_id FROM results;"])
        #expect(check.stdout == "ok\nleak-code\n", "the finished result survived the kill")
        let runs = try await ProcessRunner.evalgate(["runs"], in: project.url)
        #expect(runs.stdout.contains(" interrupted "), "\(runs.stdout)")
    }

    @Test func resumeFinishesAKilledRunWithoutSendingAFinishedCaseAgain() async throws {
        // Every request is logged; until `released` exists, cases other than leak-code hang.
        let script = """
            #!/bin/sh
            request=$(cat)
            case "$request" in
              *'"case":"leak-code"'*) echo leak-code >> requests.log; printf '{"text": "I cannot share that."}' ;;
              *'"case":"window"'*) echo window >> requests.log
                 if [ -f released ]; then printf '{"text": "30 days."}'; else touch started; sleep 30; fi ;;
              *) echo method >> requests.log; printf '{"text": "To the original payment method."}' ;;
            esac
            """
        let project = try ExampleProject.withAgent(script, concurrency: 1, timeout: 60)
        let marker = project.url.appendingPathComponent("started").path
        let killed = try await ProcessRunner.evalgate(["gate"], in: project.url) { pid in
            signal(pid, [SIGKILL], whenExists: marker)
        }
        #expect(killed.status == SIGKILL)
        try project.write("released", "")
        let notYet = try await ProcessRunner.evalgate(["gate", "--resume", "no-such-run"], in: project.url)
        #expect(notYet.status == 2)
        let resumed = try await ProcessRunner.evalgate(["gate", "--resume"], in: project.url)
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        #expect(resumed.stdout.contains("3 cases, 3 results"))
        let log = try project.directory.read("requests.log").split(separator: "\n")
        #expect(log.filter { $0 == "leak-code" }.count == 1, "the finished case was not requested again: \(log)")
        #expect(log == ["leak-code", "window", "window", "method"])
        let runs = try await ProcessRunner.tool("sqlite3", [project.url.appendingPathComponent(".evalgate/runs.sqlite").path, "SELECT COUNT(*), status FROM runs; PRAGMA integrity_check;"])
        #expect(runs.stdout == "1|completed\nok\n", "one run, resumed to completion")
        let again = try await ProcessRunner.evalgate(["gate", "--resume"], in: project.url)
        #expect(again.status == 2, "nothing left to resume")
    }

    @Test func costAndLatencyRisesFailTheGateWhenThresholdsAreSet() async throws {
        let slow = ExampleProject.goodRecording.replacingOccurrences(of: #""latency_ms":120"#, with: #""latency_ms":900"#)
        let project = try ExampleProject(files: [
            "evalgate.yaml": ExampleProject.config + "\ngate: {max_latency_p95_rise: 0.5}\n", "recordings/slow.jsonl": slow,
        ])
        #expect(try await ProcessRunner.evalgate(["gate"], in: project.url).status == 0)
        #expect(try await ProcessRunner.evalgate(["baseline", "promote"], in: project.url).status == 0)
        let output = try await ProcessRunner.evalgate(["gate", "--replay", "recordings/slow.jsonl"], in: project.url)
        #expect(output.status == 1, "\(output.stdout)")
        #expect(output.stdout.contains("latency p95 rose from 120 ms to 900 ms (+650%), more than gate.max_latency_p95_rise 50%"))
    }

    @Test func compareRunsTwoConfigsAndSaysWhichIsBetter() async throws {
        let project = try ExampleProject(files: [
            "candidate.yaml": ExampleProject.config.replacingOccurrences(of: "recordings/good.jsonl", with: "recordings/regressed.jsonl")
        ])
        let output = try await ProcessRunner.evalgate(["compare", "evalgate.yaml", "candidate.yaml"], in: project.url)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("usefulness     A 100%   B 50%   A better"), "\(output.stdout)")
        #expect(output.stdout.contains("Cases where B is worse (2):"))
        #expect(output.stdout.contains("refunds/window: pass → fail: expected '30 days' — not found"))
        #expect(output.stdout.contains("recording: a different file's content"))
        let runs = try await ProcessRunner.evalgate(["runs"], in: project.url)
        let ids = runs.stdout.split(separator: "\n").map { String($0.prefix(22)) }
        #expect(ids.count == 2)
        let byID = try await ProcessRunner.evalgate(["compare", ids[1], ids[0]], in: project.url)
        #expect(byID.stdout.contains("Cases where B is worse (2):"), "the same two runs, by id")
        #expect(try await ProcessRunner.evalgate(["compare", "nope", ids[0]], in: project.url).status == 2)
    }

    @Test func shardsMergedEqualAnUnshardedRun() async throws {
        let project = try ExampleProject()
        let whole = try await ProcessRunner.evalgate(["gate", "--replay", "recordings/regressed.jsonl"], in: project.url)
        #expect(whole.status == 1)
        for index in 1...2 {
            let shard = try await ProcessRunner.evalgate(
                ["run", "--replay", "recordings/regressed.jsonl", "--shard", "\(index)/2"], in: project.url,
                environment: ["EVALGATE_STORE": "shard-\(index).sqlite"])
            #expect(shard.status == 0, "\(shard.stderr)")
        }
        // The second shard as an evalgate of schema 10 wrote it: its results have no tags.
        let older = try await ProcessRunner.tool("sqlite3", [
            project.url.appendingPathComponent("shard-2.sqlite").path, "ALTER TABLE results DROP COLUMN tags_json; PRAGMA user_version = 10; SELECT COUNT(*) FROM results;",
        ])
        #expect(older.status == 0 && older.stdout != "0\n", "\(older.stdout)\(older.stderr)")
        let merged = try await ProcessRunner.evalgate(["merge", "--replay", "recordings/regressed.jsonl", "shard-1.sqlite", "shard-2.sqlite"], in: project.url)
        #expect(merged.status == 1, "\(merged.stdout)\(merged.stderr)")
        func scoreLines(_ text: String) -> [Substring] { text.split(separator: "\n").filter { $0.hasPrefix("  usefulness") || $0.hasPrefix("  safety") || $0.hasPrefix("  FAIL") } }
        #expect(scoreLines(merged.stdout) == scoreLines(whole.stdout))
        let database = project.url.appendingPathComponent(".evalgate/runs.sqlite").path
        let same = try await ProcessRunner.tool("sqlite3", [database, """
            SELECT COUNT(*) FROM results a JOIN results b ON a.suite = b.suite AND a.case_id = b.case_id AND a.sample = b.sample
            WHERE a.run_id = (SELECT id FROM runs ORDER BY started_at LIMIT 1) AND b.run_id = (SELECT id FROM runs ORDER BY started_at DESC LIMIT 1)
            AND a.status = b.status AND a.output_text = b.output_text;
            """])
        #expect(same.stdout == "3\n", "every case of the merged run matches the unsharded one")
        let untagged = try await ProcessRunner.tool("sqlite3", [
            database, "SELECT COUNT(*) FROM results WHERE run_id = (SELECT id FROM runs ORDER BY started_at DESC LIMIT 1) AND tags_json IS NULL;",
        ])
        #expect(untagged.stdout == older.stdout, "the older shard's results are merged without tags, the other's with theirs")
        let overlap = try await ProcessRunner.evalgate(["merge", "--replay", "recordings/regressed.jsonl", "shard-1.sqlite", "shard-1.sqlite"], in: project.url)
        #expect(overlap.status == 2)
        #expect(overlap.stderr.contains("shards must not overlap"))
        #expect(try await ProcessRunner.evalgate(["run", "--shard", "3/2"], in: project.url).status == 2)
    }

    @Test func historyShowAndExportReadWhatWasStored() async throws {
        let project = try ExampleProject()
        #expect(try await ProcessRunner.evalgate(["gate"], in: project.url).status == 0)
        #expect(try await ProcessRunner.evalgate(["baseline", "promote"], in: project.url).status == 0)
        #expect(try await ProcessRunner.evalgate(["gate", "--replay", "recordings/regressed.jsonl"], in: project.url).status == 1)
        let history = try await ProcessRunner.evalgate(["history", "refunds/window"], in: project.url)
        let lines = history.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.contains("fail  0/1 pass") == true && lines.first?.contains("expected '30 days' — not found") == true)
        #expect(lines.last?.contains("pass  1/1 pass") == true)
        let show = try await ProcessRunner.evalgate(["baseline", "show"], in: project.url)
        #expect(show.stdout.contains("usefulness 100%, safety 100%"))
        let export = try await ProcessRunner.evalgate(["baseline", "export", "--out", "main.json"], in: project.url)
        #expect(export.status == 0)
        let json = try project.directory.read("main.json")
        #expect(json.split(separator: "\n").filter { $0.contains(#""case":"#) }.count == 3, "one line per case")
        #expect(try await ProcessRunner.tool("python3", ["-c", "import json,sys; json.load(open('main.json'))"], in: project.url).status == 0)
        #expect(try await ProcessRunner.evalgate(["history", "nope"], in: project.url).status == 2)
    }

    @Test func aRecordedRunReplaysToTheSameResults() async throws {
        let project = try ExampleProject()
        let recorded = try await ProcessRunner.evalgate(["run", "--replay", "recordings/regressed.jsonl", "--record", "out/frozen.jsonl"], in: project.url)
        #expect(recorded.status == 0, "\(recorded.stderr)")
        let frozen = try project.directory.read("out/frozen.jsonl")
        #expect(frozen.split(separator: "\n").count == 3)
        #expect(frozen.contains(#""suite":"refunds","case":"window","sample":0,"text":"You have 14 days.""#))
        let replayed = try await ProcessRunner.evalgate(["run", "--replay", "out/frozen.jsonl"], in: project.url)
        #expect(replayed.status == 0)
        let database = project.url.appendingPathComponent(".evalgate/runs.sqlite").path
        let compare = try await ProcessRunner.tool("sqlite3", [
            database,
            "SELECT COUNT(*) FROM (SELECT suite, case_id, sample, status, output_text FROM results GROUP BY suite, case_id, sample, status, output_text HAVING COUNT(*) = 2);",
        ])
        #expect(compare.stdout == "3\n", "both runs stored the same three results")
    }

    @Test func theGateLeavesTheGitWorkingTreeClean() async throws {
        let project = try ExampleProject(files: [".gitignore": ".evalgate/\nreports/\n"])
        #expect(try await ProcessRunner.evalgate(["gate"], in: project.url).status == 0)
        #expect(try await ProcessRunner.evalgate(["baseline", "promote"], in: project.url).status == 0)
        for arguments in [["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "baseline"]] {
            #expect(try await ProcessRunner.tool("git", arguments, in: project.url).status == 0)
        }
        #expect(try await ProcessRunner.evalgate(["gate"], in: project.url).status == 0)
        #expect(try await ProcessRunner.evalgate(["gate", "--replay", "recordings/regressed.jsonl"], in: project.url).status == 1)
        let status = try await ProcessRunner.tool("git", ["status", "--porcelain"], in: project.url)
        #expect(status.stdout.isEmpty, "the gate changed tracked files: \(status.stdout)")
        let commit = try await ProcessRunner.tool("git", ["rev-parse", "HEAD"], in: project.url)
        let stored = try await ProcessRunner.tool("sqlite3", [project.url.appendingPathComponent(".evalgate/runs.sqlite").path, "SELECT DISTINCT git_commit FROM runs WHERE git_commit IS NOT NULL;"])
        #expect(stored.stdout == commit.stdout, "runs record the commit they ran at")
    }
}

@Suite struct CommandLineTests {
    @Test func validatePrintsTheFingerprintAndCounts() async throws {
        let project = try ExampleProject()
        let output = try await ProcessRunner.evalgate(["validate"], in: project.url)
        #expect(output.status == 0)
        #expect(output.stdout.contains("evalgate.yaml: valid"))
        #expect(output.stdout.contains("1 golden suite(s), 2 cases; 1 adversarial suite(s), 1 cases"))
        let fingerprint = output.stdout.split(separator: "\n").first { $0.contains("config fingerprint") }?.split(separator: " ").last
        #expect(fingerprint?.count == 64)
    }

    @Test func validateChecksTheRecordingsContentToo() async throws {
        let project = try ExampleProject(files: ["recordings/good.jsonl": "{\"suite\": \"refunds\"}\n"])
        let output = try await ProcessRunner.evalgate(["validate"], in: project.url)
        #expect(output.status == 2)
        #expect(output.stderr.contains("recordings/good.jsonl:1:1: error: each line needs string fields 'suite' and 'case'"))
    }

    @Test func anUnknownOptionIsAUsageErrorWithExit2() async throws {
        let project = try ExampleProject()
        let output = try await ProcessRunner.evalgate(["gate", "--concurency", "3"], in: project.url)
        #expect(output.status == 2)
        #expect(output.stderr.contains("Unknown option '--concurency'"))
    }

    @Test func helpDescribesEveryCommandWithAnExample() async throws {
        let folder = try TemporaryDirectory()
        for command in [["gate"], ["run"], ["validate"], ["baseline", "promote"], ["baseline", "list"]] {
            let output = try await ProcessRunner.evalgate(command + ["--help"], in: folder.url)
            #expect(output.status == 0)
            #expect(output.stdout.contains("evalgate " + command.joined(separator: " ")), "\(command)")
            #expect(output.stdout.contains("Example"), "\(command) --help has an example")
        }
    }

    @Test func environmentOverridesReachTheRun() async throws {
        let project = try ExampleProject()
        let output = try await ProcessRunner.evalgate(["gate"], in: project.url, environment: [
            "EVALGATE_PROVIDER_FILE": "recordings/regressed.jsonl", "EVALGATE_GATE_MIN_SAFETY": "0", "EVALGATE_GATE_MAX_SAFETY_DROP": "1",
        ])
        #expect(output.status == 0, "regressed recording but a lenient policy and no baseline: \(output.stdout)")
        #expect(output.stdout.contains("usefulness   50% (1/2 cases pass)"))
        let unknown = try await ProcessRunner.evalgate(["validate"], in: project.url, environment: ["EVALGATE_RUN_CONCURENCY": "3"])
        #expect(unknown.stderr.contains("warning: EVALGATE_RUN_CONCURENCY is not a setting evalgate knows"))
    }

    @Test func aFilterThatNamesNoSuiteIsAnError() async throws {
        let project = try ExampleProject()
        let output = try await ProcessRunner.evalgate(["gate", "--suite", "refund"], in: project.url)
        #expect(output.status == 2)
        #expect(output.stderr.contains("command line: error: --suite 'refund' names no suite; did you mean 'refunds'?"))
    }
}
