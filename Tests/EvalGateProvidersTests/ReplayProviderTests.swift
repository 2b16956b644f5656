import EvalGateCore
import EvalGateProviders
import Foundation
import TestSupport
import Testing

func request(_ suite: String = "s", _ caseID: String = "c", sample: Int = 0, timeout: Double = 5) -> ProviderRequest {
    ProviderRequest(
        suite: suite, caseID: caseID, sample: sample,
        request: RenderedRequest(system: "Be brief.", messages: [ChatMessage(role: "user", content: "Hi \"there\"\n")]),
        vars: ["k": "v"], model: "m-1", sampling: Sampling(temperature: 0, seed: 1), tools: nil, requestID: "req-1",
        timeoutSeconds: timeout)
}

@Suite struct ReplayProviderTests {
    @Test func answersFromTheRecordingBySuiteCaseAndSample() async throws {
        let folder = try TemporaryDirectory()
        let file = try folder.write("rec.jsonl", """
            {"suite":"s","case":"c","sample":0,"text":"zero","tool_calls":[{"name":"lookup","arguments":"{\\"id\\": 7}"}],"usage":{"input_tokens":5,"output_tokens":2},"latency_ms":40}
            {"suite":"s","case":"c","sample":1,"text":"one"}
            {"suite":"s","case":"d","error":"HTTP 503 after 3 attempts","latency_ms":900}
            """)
        let provider = try ReplayProvider(recording: file, displayPath: "rec.jsonl")
        let zero = try await provider.respond(to: request())
        #expect(zero.text == "zero")
        #expect(zero.toolCalls == [ToolCall(name: "lookup", arguments: ["id": 7])])
        #expect(zero.usage == TokenUsage(inputTokens: 5, outputTokens: 2))
        #expect(zero.latencyMs == 40)
        #expect(try await provider.respond(to: request(sample: 1)).text == "one")
        await #expect(throws: ProviderFailure("HTTP 503 after 3 attempts", latencyMs: 900)) { try await provider.respond(to: request("s", "d")) }
    }

    /// The recording is read a block at a time and answered from by offset: a line past the
    /// first 1 MiB block answers, and a line changed after the recording was checked is an error
    /// naming it, never another answer.
    @Test func answersFromPastTheFirstBlockAndRefusesALineChangedUnderTheRun() async throws {
        let folder = try TemporaryDirectory()
        let padding = String(repeating: "p", count: 100)
        var lines = (0..<40_000).map { #"{"suite":"s","case":"c\#($0)","text":"answer \#($0) \#(padding)"}"# }
        let file = try folder.write("rec.jsonl", lines.joined(separator: "\n") + "\n")
        let provider = try ReplayProvider(recording: file, displayPath: "rec.jsonl")
        #expect(try await provider.respond(to: request("s", "c39999")).text == "answer 39999 \(padding)")
        #expect(try await provider.respond(to: request("s", "c31000")).text == "answer 31000 \(padding)")
        lines[31_000] = lines[31_000].replacingOccurrences(of: "answer", with: "ANSWER")
        try folder.write("rec.jsonl", lines.joined(separator: "\n") + "\n")
        await #expect(throws: ProviderFailure("rec.jsonl changed during the run: line 31001 is not the line that was checked")) {
            try await provider.respond(to: request("s", "c31000"))
        }
        provider.close()
    }

    @Test func aMissingEntryIsAnErrorThatNamesTheCase() async throws {
        let folder = try TemporaryDirectory()
        let provider = try ReplayProvider(recording: try folder.write("rec.jsonl", #"{"suite":"s","case":"c","text":"x"}"#), displayPath: "rec.jsonl")
        do {
            _ = try await provider.respond(to: request("s", "other", sample: 2))
            Issue.record("a missing entry answered")
        } catch {
            #expect(error.message == "no recorded response for s/other sample 2 in rec.jsonl")
        }
    }

    @Test func aMalformedRecordingIsRejectedWithEveryBadLine() throws {
        let folder = try TemporaryDirectory()
        let file = try folder.write("rec.jsonl", """
            {"suite":"s","case":"c","text":"ok"}
            {"suite":"s","case":"c","text":"again"}
            {"suite":"s","text":"no case"}
            not json
            {"suite":"s","case":"e","text":5}
            {"suite":"s","case":"f","sample":1e300,"text":"too far to be a sample"}
            {"suite":"s","case":"g","sample":-1,"text":"before the first"}
            """)
        do {
            _ = try ReplayProvider(recording: file, displayPath: "rec.jsonl")
            Issue.record("a malformed recording was accepted")
        } catch {
            #expect(error.diagnostics.map(\.description) == [
                "rec.jsonl:2:1: a second response for s/c sample 0",
                "rec.jsonl:3:1: each line needs string fields 'suite' and 'case'",
                "rec.jsonl:4:1: invalid literal, expected 'null'",
                "rec.jsonl:5:1: 'text' must be a string, found a number",
                "rec.jsonl:6:1: 'sample' must be a whole number from 0",
                "rec.jsonl:7:1: 'sample' must be a whole number from 0",
            ])
        }
    }
}
