import EvalGateCore
import Foundation
import Synchronization
import TestSupport
import Testing

/// The run under faults and under SIGKILL, against the local server: nothing is lost, nothing is
/// sent twice, and every error says why.
@Suite(.serialized) struct SoakTests {
    /// A project of `count` golden cases against an OpenAI-compatible server; `padding` lengthens
    /// each prompt (a suite of 256 KiB or more is kept by line and read again as it runs).
    private func project(
        cases count: Int, server: LoopbackServer, concurrency: Int, timeout: Double, retries: Int, padding: Int = 0, label: String = #function
    ) throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory(label)
        try folder.write("prompts/system.md", "You answer briefly.\n")
        try folder.write("evalgate.yaml", """
            version: 1
            provider: {type: openai, model: soak-1, base_url: "\(server.baseURL)/v1", temperature: 0}
            prompt: {system: prompts/system.md}
            run: {concurrency: \(concurrency), timeout: \(timeout), connect_timeout: 2, retries: \(retries), backoff: {base: 0.01, cap: 0.05}}
            suites: [suites]
            gate: {max_error_rate: 0.05}
            reports: {formats: [junit]}
            """)
        var lines = ""
        let pad = padding > 0 ? " " + String(repeating: "p", count: padding) : ""
        for index in 0..<count { lines += #"{"id": "c\#(index)", "prompt": "Question \#(index)\#(pad)", "expected_contains": ["ok"]}"# + "\n" }
        try folder.write("suites/golden/soak.jsonl", lines)
        return folder
    }

    static let answer = #"{"id": "x", "model": "soak-1", "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 5, "completion_tokens": 1}}"#

    /// 0–99 from the attempt's request id without its run (`suite/case/sample/attempt`): the same
    /// attempt meets the same fault in every run, so the test knows each case's fate in advance.
    static func roll(_ requestID: String) -> Int {
        let key = requestID.split(separator: "/").dropFirst().joined(separator: "/")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        var generator = SplitMix64(seed: hash)
        return Int(generator.next() % 100)
    }

    private func sqlite(_ folder: TemporaryDirectory, _ query: String) async throws -> String {
        let output = try await ProcessRunner.tool("sqlite3", [folder.url.appendingPathComponent(".evalgate/runs.sqlite").path, query])
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aFaultSoakLosesNothingAndEveryErrorSaysWhy() async throws {
        // 10% 429 with Retry-After, 5% 500, 2% hangs past the timeout, 1% closed mid-body, 1% malformed JSON.
        let server = try LoopbackServer { request in
            switch Self.roll(request.header("X-Request-ID") ?? "") {
            case 0..<10: .respond(status: 429, headers: [("Retry-After", "0"), ("Content-Type", "application/json")], body: #"{"error": "rate limited"}"#)
            case 10..<15: .json(#"{"error": "internal"}"#, status: 500)
            case 15..<17: .hang
            case 17: .closeMidBody(status: 200, body: #"{"choices": [{"mess"#, declaredLength: 4000)
            case 18: .json(#"{"choices": [{"message": {"content": "o"#)
            default: .json(Self.answer)
            }
        }
        defer { server.stop() }
        // Only the planted hangs may time out: with 1 s, an ordinary answer held up on a busy
        // two-core machine (the suites run side by side) sometimes did too, and was retried.
        let folder = try project(cases: 5000, server: server, concurrency: 128, timeout: 5, retries: 3)
        let output = try await ProcessRunner.evalgate(["run", "--report", "none"], in: folder.url, environment: ["OPENAI_API_KEY": "sk-soak"])
        #expect(output.status == 0, "\(output.stdout.suffix(3000))\(output.stderr.suffix(2000))")

        #expect(try await sqlite(folder, "SELECT COUNT(*), COUNT(DISTINCT suite || '/' || case_id || '/' || sample) FROM results") == "5000|5000", "exactly one row per case × sample")
        // What the faults make of each case, worked out the way the server will roll them.
        var expectedRequests = 0
        var expectedErrors: Set<String> = []
        for index in 0..<5000 {
            var attempt = 1
            while attempt <= 4 {
                expectedRequests += 1
                if Self.roll("run/soak/c\(index)/0/\(attempt)") >= 19 { break }
                attempt += 1
            }
            if attempt > 4 { expectedErrors.insert("c\(index)") }
        }
        #expect(server.statistics.requests == expectedRequests)
        let errorCases = Set(try await sqlite(folder, "SELECT case_id FROM results WHERE status = 'error'").split(separator: "\n").map(String.init))
        #expect(errorCases == expectedErrors, "errors exactly where every attempt met a fault")
        #expect(!expectedErrors.isEmpty, "the seed gives some cases four faults in a row")
        let attempts = Int(try await sqlite(folder, "SELECT SUM(json_array_length(attempts_json)) FROM results")) ?? -1
        #expect(server.statistics.requests == attempts, "every request the server saw is a recorded attempt: rows plus retries")
        let retried = Int(try await sqlite(folder, "SELECT COUNT(*) FROM results WHERE json_array_length(attempts_json) > 1")) ?? 0
        #expect(retried > 500, "about a fifth of the cases needed a retry: \(retried)")
        // Errors only where all four attempts failed, each naming the last cause.
        #expect(try await sqlite(folder, "SELECT COUNT(*) FROM results WHERE status = 'error' AND json_array_length(attempts_json) != 4") == "0")
        let errors = try await sqlite(folder, "SELECT error FROM results WHERE status = 'error'").split(separator: "\n")
        for error in errors {
            let named = ["HTTP 429", "HTTP 500", "no response within 5 s", "not JSON", "connection", "Transferred a partial file", "transfer closed"].contains { error.contains($0) }
            #expect(named, "the error names its cause: \(error)")
        }
        #expect(try await sqlite(folder, "SELECT COUNT(*) FROM results WHERE status = 'fail'") == "0", "a fault is never a failed answer")
        #expect(try await sqlite(folder, "SELECT status FROM runs") == "completed")
    }

    @Test func twentySIGKILLsLeaveAConsistentStoreAndResumeSendsNothingTwice() async throws {
        let sent = Mutex<[String]>([])
        let server = try LoopbackServer { request in
            if let id = request.header("X-Request-ID") { sent.withLock { $0.append(id) } }
            return .json(Self.answer, delay: 0.01)
        }
        defer { server.stop() }
        var generator = SplitMix64(seed: 20261122)
        var killedMidRun = 0
        var storedAtKill: [Int] = []
        for round in 0..<20 {
            // Every other round's suite is large enough to be kept by line and read as it runs.
            let folder = try project(cases: 300, server: server, concurrency: 16, timeout: 5, retries: 0, padding: round % 2 == 1 ? 900 : 0, label: "kill-\(round)")
            sent.withLock { $0.removeAll() }
            // A moment between the store's creation and the run's likely end.
            let marker = folder.url.appendingPathComponent(".evalgate/runs.sqlite").path
            let delay = Double(generator.next() % 1000) / 1000 * 0.25
            let killed = try await ProcessRunner.evalgate(["run", "--report", "none"], in: folder.url, environment: ["OPENAI_API_KEY": "sk-soak"]) { pid in
                signal(pid, [SIGKILL], whenExists: marker, gaps: [delay])
            }
            let check = try await sqlite(folder, "PRAGMA integrity_check")
            #expect(check == "ok", "round \(round): \(check)")
            let stored = Set(try await sqlite(folder, "SELECT case_id || '/' || sample FROM results").split(separator: "\n").map(String.init))
            let recorded = try await sqlite(folder, "SELECT COUNT(*) FROM runs") == "1"
            let statusAtKill = try await sqlite(folder, "SELECT status FROM runs")
            let sentBeforeKill = sent.withLock { $0.count }
            sent.withLock { $0.removeAll() }
            let resumed = try await ProcessRunner.evalgate(["run", "--resume", "--report", "none"], in: folder.url, environment: ["OPENAI_API_KEY": "sk-soak"])
            if killed.status != SIGKILL {
                // The run ended before the signal: there is nothing to resume.
                #expect(killed.status == 0)
                continue
            }
            if !recorded {
                // Killed while the store was being set up, before the run was recorded: nothing
                // was sent, and there is nothing to resume (which says so and exits 2).
                #expect(sentBeforeKill == 0, "round \(round): requests went out before the run was recorded")
                #expect(resumed.status == 2 && resumed.stderr.contains("no interrupted run"), "round \(round): \(resumed.stderr)")
                continue
            }
            if statusAtKill == "completed" {
                // Killed after every result was stored and the run marked completed (while it was
                // judged and reported): the run is whole, and there is nothing to resume.
                #expect(try await sqlite(folder, "SELECT COUNT(*) FROM results") == "300", "round \(round)")
                #expect(resumed.status == 2 && resumed.stderr.contains("no interrupted run"), "round \(round): \(resumed.stderr)")
                #expect(sent.withLock { $0.isEmpty }, "round \(round): a completed run sent requests again")
                continue
            }
            killedMidRun += 1
            storedAtKill.append(stored.count)
            #expect(resumed.status == 0, "round \(round): \(resumed.stdout.suffix(1500))\(resumed.stderr)")
            let again = sent.withLock { $0 }.compactMap { id -> String? in
                let parts = id.split(separator: "/")
                return parts.count >= 5 ? "\(parts[2])/\(parts[3])" : nil
            }
            #expect(Set(again).isDisjoint(with: stored), "round \(round): a stored case was sent again")
            #expect(try await sqlite(folder, "SELECT COUNT(*) FROM results") == "300", "round \(round)")
            #expect(try await sqlite(folder, "SELECT status FROM runs") == "completed")
        }
        #expect(killedMidRun >= 15, "most kills land while the run is going: \(killedMidRun) of 20")
        #expect(storedAtKill.contains { $0 > 0 && $0 < 300 }, "some kills land with part of the run stored: \(storedAtKill)")
    }
}
