import EvalGateCore
@testable import EvalGateProviders
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

    /// The recording is read a block at a time: a line past the first 1 MiB block answers, and a
    /// line changed after the recording was checked is an error naming it, never another answer.
    @Test func answersFromPastTheFirstBlockAndRefusesALineChangedUnderTheRun() async throws {
        let folder = try TemporaryDirectory()
        let provider = try await Self.changedUnderTheRun(in: folder, lines: 40_000, asking: 39_999, thenChanging: 31_000)
        await #expect(throws: ProviderFailure("rec.jsonl changed during the run: line 31001 is not the line that was checked")) {
            try await provider.respond(to: request("s", "c31000"))
        }
        provider.close()
    }

    /// Reading forward, a block changed under the run is refused whole, before any of its lines
    /// answers: the message names the block's lines.
    @Test func aBlockChangedUnderTheRunIsRefusedBeforeItsLinesAnswer() async throws {
        let folder = try TemporaryDirectory()
        let provider = try await Self.changedUnderTheRun(in: folder, lines: 20_000, asking: 0, thenChanging: 19_000)
        do {
            _ = try await provider.respond(to: request("s", "c19999"))
            Issue.record("a line of a changed block answered")
        } catch {
            #expect(error.message.hasPrefix("rec.jsonl changed during the run: lines "))
            #expect(error.message.hasSuffix("–20000 are not what was checked"))
        }
    }

    /// A provider over a recording of `count` lines that has answered case `asked`, whose file
    /// then had line `changed` (0-based) edited.
    static func changedUnderTheRun(in folder: TemporaryDirectory, lines count: Int, asking asked: Int, thenChanging changed: Int) async throws
        -> ReplayProvider
    {
        var lines = Self.lines(count)
        let file = try folder.write("rec.jsonl", lines.joined(separator: "\n") + "\n")
        let provider = try ReplayProvider(recording: file, displayPath: "rec.jsonl")
        #expect(try await provider.respond(to: request("s", "c\(asked)")).text == Self.answer(asked))
        lines[changed] = lines[changed].replacingOccurrences(of: "answer", with: "ANSWER")
        try folder.write("rec.jsonl", lines.joined(separator: "\n") + "\n")
        return provider
    }

    /// Asked in the recording's order, each answer is the next line and nothing is kept of the
    /// lines before it; asked ahead, the lines read past wait by key until they are asked for.
    @Test func readsForwardHoldingOnlyTheLinesReadPast() async throws {
        let folder = try TemporaryDirectory()
        let provider = try ReplayProvider(
            recording: try folder.write("rec.jsonl", Self.lines(20_000).joined(separator: "\n") + "\n"), displayPath: "rec.jsonl")
        for index in 0..<10_000 {
            #expect(try await provider.respond(to: request("s", "c\(index)")).text == Self.answer(index))
        }
        #expect(provider.heldLines == 0)
        #expect(try await provider.respond(to: request("s", "c10005")).text == Self.answer(10005))
        #expect(provider.heldLines == 5)
        for index in 10_000..<10_005 {
            #expect(try await provider.respond(to: request("s", "c\(index)")).text == Self.answer(index))
        }
        #expect(provider.heldLines == 0)
    }

    /// Asked all at once in no order, every answer is its own case's, and once every line has been
    /// asked for none is held.
    @Test func concurrentQuestionsInAnyOrderEachGetTheirOwnAnswer() async throws {
        let folder = try TemporaryDirectory()
        let provider = try ReplayProvider(
            recording: try folder.write("rec.jsonl", Self.lines(3_000).joined(separator: "\n") + "\n"), displayPath: "rec.jsonl")
        let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in (0..<3_000).shuffled() {
                group.addTask { try await provider.respond(to: request("s", "c\(index)")).text == Self.answer(index) ? 0 : 1 }
            }
            return try await group.reduce(0, +)
        }
        #expect(mismatches == 0)
        #expect(provider.heldLines == 0)
    }

    /// A judge asks for a case's answer once for each of its rubrics: an answer asked for again,
    /// after a missing one sent the read to the end of the file, is still found (from the index
    /// of every line the miss makes).
    @Test func anAnswerAskedForTwiceOrAfterAMissIsStillFound() async throws {
        let folder = try TemporaryDirectory()
        let provider = try ReplayProvider(
            recording: try folder.write("rec.jsonl", Self.lines(100).joined(separator: "\n") + "\n"), displayPath: "rec.jsonl")
        #expect(try await provider.respond(to: request("s", "c3")).text == Self.answer(3))
        #expect(try await provider.respond(to: request("s", "c3")).text == Self.answer(3))
        #expect(provider.heldLines == 100)
        await #expect(throws: ProviderFailure("no recorded response for s/c100 sample 0 in rec.jsonl")) {
            try await provider.respond(to: request("s", "c100"))
        }
        #expect(try await provider.respond(to: request("s", "c99")).text == Self.answer(99))
    }

    /// A recording in another order than the questions (here, reversed) holds no more than its
    /// lines' index, and answers every question.
    @Test func aRecordingInAnotherOrderIsIndexedRatherThanHeldLineByLine() async throws {
        let folder = try TemporaryDirectory()
        let count = RecordedLines.windowLimit + 1000
        let provider = try ReplayProvider(
            recording: try folder.write("rec.jsonl", Self.lines(count).reversed().joined(separator: "\n") + "\n"), displayPath: "rec.jsonl")
        var wrong = 0
        for index in 0..<count where try await provider.respond(to: request("s", "c\(index)")).text != Self.answer(index) { wrong += 1 }
        #expect(wrong == 0)
        #expect(provider.heldLines == count)
    }

    static func answer(_ index: Int) -> String { "answer \(index) " + String(repeating: "p", count: 100) }

    static func lines(_ count: Int) -> [String] {
        (0..<count).map { #"{"suite":"s","case":"c\#($0)","text":"\#(answer($0))"}"# }
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
