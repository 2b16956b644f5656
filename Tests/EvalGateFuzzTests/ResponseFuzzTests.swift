@testable import EvalGateCore
@testable import EvalGateProviders
@testable import EvalGateReports
import Foundation
import PropertyBased
import TestSupport
import Testing

/// The providers' response parsers on mutated answers: each gives a response or a
/// `ProviderFailure` (an error result), never a crash; and the report escapers keep anything a
/// model prints inert.
@Suite struct ResponseFuzzTests {
    static let openAI = #"{"id": "c1", "model": "gpt-x", "system_fingerprint": "fp", "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant", "content": "Hi", "tool_calls": [{"id": "t", "type": "function", "function": {"name": "lookup_order", "arguments": "{\"order_id\": \"A-1\"}"}}]}}], "usage": {"prompt_tokens": 10, "completion_tokens": 3}}"#
    static let anthropic = #"{"id": "m", "type": "message", "model": "claude-x", "stop_reason": "tool_use", "content": [{"type": "text", "text": "Hi"}, {"type": "tool_use", "id": "t", "name": "lookup_order", "input": {"order_id": "A-1"}}], "usage": {"input_tokens": 10, "output_tokens": 3}}"#
    static let ollama = #"{"model": "llama", "done": true, "done_reason": "stop", "message": {"role": "assistant", "content": "Hi", "tool_calls": [{"function": {"name": "lookup_order", "arguments": {"order_id": "A-1"}}}]}, "prompt_eval_count": 10, "eval_count": 3}"#
    static let replay = #"{"text": "Hi", "tool_calls": [{"name": "lookup_order", "arguments": "{\"order_id\": \"A-1\"}"}], "usage": {"input_tokens": 1, "output_tokens": 2}, "latency_ms": 12, "model": "m", "finish_reason": "stop"}"#
    static let verdict = #"Here is my verdict: ```json {"pass": true, "score": 0.9, "reason": "fine"} ```"#

    @Test func mutatedProviderAnswersDecodeOrFail() async {
        let redactor = SecretRedactor(["sk-secret-key"])
        await propertyCheck(count: Mutation.count * 2, input: Gen.uint8().array(of: 0...48), Gen.int(in: 0...4)) { ops, which in
            let seed = [Self.openAI, Self.anthropic, Self.ollama, Self.replay, Self.verdict][which]
            let text = Mutation.text(ops, seed: seed)
            if which == 4 {
                _ = try? JudgeVerdict.parse(text)
                return
            }
            guard let json = try? JSONSource.value(text) else { return }
            let answer = EndpointCaller.Answer(json: json, latencyMs: 5, attempts: [])
            switch which {
            case 0: _ = try? OpenAIProvider.decode(answer, redactor: redactor)
            case 1: _ = try? AnthropicProvider.decode(answer, redactor: redactor)
            case 2: _ = try? OllamaProvider.decode(answer, redactor: redactor)
            default: _ = try? ResponseDecoding.decode(json)
            }
        }
    }

    static let recording = #"""
        {"suite": "s", "case": "a", "text": "one"}
        {"suite": "s", "case": "a", "sample": 1, "text": "two", "latency_ms": 3}
        {"suite": "s", "case": "b", "error": "HTTP 500"}
        {"suite": "t", "case": "a", "text": "three", "usage": {"input_tokens": 1}}
        """#

    /// A mutated recording is refused with a location, or answers every key it holds with that
    /// line's answer: asked in the file's order (read forward), then again in reverse (from the
    /// index of every line the second questions make).
    @Test func aMutatedRecordingAnswersEachLineItHolds() async throws {
        let folder = try TemporaryDirectory()
        let url = folder.url.appendingPathComponent("rec.jsonl")
        await propertyCheck(count: Mutation.count, input: Gen.uint8().array(of: 0...32)) { ops in
            let bytes = Mutation.apply(ops, to: Self.recording)
            try? Data(bytes).write(to: url)
            let provider: ReplayProvider
            do {
                provider = try ReplayProvider(recording: url, displayPath: "rec.jsonl")
            } catch let error as ValidationError {
                #expect(!error.diagnostics.isEmpty && error.diagnostics.allSatisfy { $0.location.file == "rec.jsonl" })
                return
            } catch {
                Issue.record("not a ValidationError: \(error)")
                return
            }
            defer { provider.close() }
            let lines = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
            for line in lines + lines.reversed() {
                guard case .object(let members)? = try? JSONSource.value(String(line)), let key = ReplayKey(members) else { continue }
                let request = ProviderRequest(
                    suite: key.suite, caseID: key.caseID, sample: key.sample, request: RenderedRequest(system: nil, messages: []), vars: [:],
                    model: "m", sampling: Sampling(), tools: nil, requestID: "r", timeoutSeconds: 5)
                let answer: Result<ModelResponse, ProviderFailure>
                do {
                    answer = .success(try await provider.respond(to: request))
                } catch let failure as ProviderFailure {
                    answer = .failure(failure)
                } catch {
                    Issue.record("not a ProviderFailure: \(error)")
                    continue
                }
                switch (members["error"], answer) {
                case (.string(let message)?, .failure(let failure)): #expect(failure.message == message)
                case (.string?, .success): Issue.record("an error line answered")
                case (_, .success(let response)): #expect(response.text == (try? ResponseDecoding.decode(.object(members)))?.text)
                case (_, .failure(let failure)): Issue.record("\(line) did not answer: \(failure.message)")
                }
            }
        }
    }

    @Test func anythingAModelPrintsStaysInertInEveryReportFormat() async {
        // Up to U+D7FF: the generator cannot skip the surrogates above; the seed adds astral and U+FFFE.
        let scalars = Gen.unicodeScalar(in: "\u{0}"..."\u{D7FF}")
        await propertyCheck(count: Mutation.count * 3, input: Gen.uint8().array(of: 0...40), scalars.array(of: 0...12)) { ops, extra in
            var text = Mutation.text(ops, seed: "<script>alert(1)</script> ]]> & \"q\" \u{1B}[31m \u{FFFE}\u{FFFF} 😀 \u{10FFFF}")
            text.unicodeScalars.append(contentsOf: extra)
            let xml = XMLText.escape(text, attribute: true)
            #expect(!xml.contains("<") && !xml.contains(">") && !xml.contains("\""))
            #expect(xml.unicodeScalars.allSatisfy { XMLText.isAllowed($0) }, "only characters XML 1.0 can hold")
            var safe: [UInt8] = []
            var writer = JSONWriter()
            writer.string(text)
            HTMLText.scriptSafeJSON(writer.bytes, into: &safe)
            #expect(!safe.contains(UInt8(ascii: "<")) && !safe.contains(UInt8(ascii: ">")))
            #expect((try? JSONSource.value(String(decoding: safe, as: UTF8.self))) == .string(text), "the page's data reads back exactly")
            let html = HTMLText.escape(text)
            #expect(!html.contains("<") && !html.contains("\u{1B}") && !html.contains("\u{202E}"))
            let inline = MarkdownText.inline(text, limit: 10_000)
            #expect(!inline.contains("<") && !inline.contains("\n") && !inline.contains("\u{1B}"))
            let block = MarkdownText.block(text, limit: 10_000)
            let fence = block.prefix { $0 == "`" }
            #expect(!block.dropFirst(fence.count).dropLast(fence.count).contains(String(fence)), "nothing inside closes the fence")
            let line = TerminalText.oneLine(text, limit: 10_000)
            #expect(!line.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || (0x80..<0xA0).contains($0.value) })
        }
    }
}
