import EvalGateCore
@testable import EvalGateStore
import Foundation
import Testing

@Suite struct ResultCodingTests {
    /// The cache's response JSON is written directly; it must be the canonical text of the value it
    /// stands for, byte for byte, and read back as the same response.
    @Test func aCachedResponseIsTheCanonicalTextOfItsValueAndReadsBack() throws {
        let responses = [
            ModelResponse(text: "ok", usage: TokenUsage(inputTokens: nil, outputTokens: nil), latencyMs: 0),
            ModelResponse(
                text: "Line one.\nSay \"hi\" \\ <b>", toolCalls: [ToolCall(name: "lookup", arguments: ["id": "7", "deep": [1, 2.5, nil, true]])],
                usage: TokenUsage(inputTokens: 740, outputTokens: 58), latencyMs: 840.25, servedModel: "m-2026", finishReason: "tool_calls",
                systemFingerprint: "fp_1"),
        ]
        for response in responses {
            var members: [String: JSONValue] = [
                "text": .string(response.text),
                "tool_calls": .array(response.toolCalls.map { ["name": .string($0.name), "arguments": $0.arguments] }),
                "latency_ms": .number(response.latencyMs),
            ]
            if let value = response.usage.inputTokens { members["input_tokens"] = .number(Double(value)) }
            if let value = response.usage.outputTokens { members["output_tokens"] = .number(Double(value)) }
            if let value = response.servedModel { members["model"] = .string(value) }
            if let value = response.finishReason { members["finish_reason"] = .string(value) }
            if let value = response.systemFingerprint { members["system_fingerprint"] = .string(value) }
            var json = JSONWriter()
            ResultCoding.writeResponse(response, to: &json)
            let text = String(decoding: json.bytes, as: UTF8.self)
            #expect(text == JSONValue.object(members).canonicalText)
            #expect(ResultCoding.response(fromJSON: text) == response)
        }
    }
}
