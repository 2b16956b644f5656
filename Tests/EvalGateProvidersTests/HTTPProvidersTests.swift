import EvalGateCore
import EvalGateProviders
import Foundation
import Synchronization
import TestSupport
import Testing

/// A provider built the way a run builds it: from a config file, through the factory.
private func makeProvider(_ providerYAML: String, server: LoopbackServer, environment: [String: String] = [:], tools: Bool = false) throws -> any Provider {
    let folder = try TemporaryDirectory()
    let yaml = providerYAML.replacingOccurrences(of: "SERVER", with: server.baseURL)
    try folder.write("evalgate.yaml", "provider:\n" + yaml + (tools ? "\ntools: tools.json\n" : "\n") + "run: {retries: 2, backoff: {base: 0.001, cap: 0.01}}\n")
    try folder.write("tools.json", #"[{"type": "function", "function": {"name": "lookup_order", "description": "Find an order", "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}}}]"#)
    try folder.write("suites/a.yaml", "suite: a\ncases: [{id: x, prompt: hi}]\n")
    let config = try ConfigLoader.load(path: "evalgate.yaml", workingDirectory: folder.url, environment: environment)
    return try ProviderFactory.make(config, workingDirectory: folder.url, environment: environment)
}

private func call(_ provider: any Provider, tools: [JSONValue]? = nil, vars: [String: String] = ["city": "Zürich"]) async throws(ProviderFailure) -> ModelResponse {
    let request = ProviderRequest(
        suite: "s", caseID: "c", sample: 0,
        request: RenderedRequest(system: "Be brief.", messages: [ChatMessage(role: "user", content: "Say \"hi\"\nplease")]),
        vars: vars, model: "m-1", sampling: Sampling(temperature: 0.2, seed: 7, maxTokens: 100), tools: tools, requestID: "run/s/c/0",
        timeoutSeconds: 5)
    return try await provider.respond(to: request)
}

/// Keeps the requests a server received.
private final class Recorder: Sendable {
    let requests = Mutex<[LoopbackServer.Request]>([])
    func add(_ request: LoopbackServer.Request) { requests.withLock { $0.append(request) } }
    var last: LoopbackServer.Request? { requests.withLock { $0.last } }
    var lastJSON: JSONValue? { last.flatMap { try? JSONSource.value($0.bodyText) } }
}

private let toolSchemas: [JSONValue] = [[
    "type": "function",
    "function": ["name": "lookup_order", "description": "Find an order", "parameters": ["type": "object", "properties": ["order_id": ["type": "string"]]]],
]]

@Suite struct OpenAIProviderTests {
    @Test func sendsChatCompletionsAndReadsTextToolCallsAndUsage() async throws {
        let recorder = Recorder()
        let server = try LoopbackServer { request in
            recorder.add(request)
            return .json("""
                {"id": "x", "model": "m-1-2026-01-01", "system_fingerprint": "fp_44709d6fcb",
                 "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant", "content": null,
                   "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "lookup_order", "arguments": "{\\"order_id\\": \\"NW-1\\"}"}}]}}],
                 "usage": {"prompt_tokens": 31, "completion_tokens": 9, "total_tokens": 40}}
                """)
        }
        let provider = try makeProvider("  {type: openai, model: m-1, base_url: SERVER/v1}", server: server, environment: ["OPENAI_API_KEY": "sk-test-123456"])
        let response = try await call(provider, tools: toolSchemas)
        #expect(response.text == "")
        #expect(response.toolCalls == [ToolCall(name: "lookup_order", arguments: ["order_id": "NW-1"])])
        #expect(response.usage == TokenUsage(inputTokens: 31, outputTokens: 9))
        #expect(response.servedModel == "m-1-2026-01-01")
        #expect(response.systemFingerprint == "fp_44709d6fcb")
        #expect(response.finishReason == "tool_calls")
        #expect(response.attempts.map(\.requestID) == ["run/s/c/0/1"])

        let sent = try #require(recorder.last)
        #expect(sent.path == "/v1/chat/completions")
        #expect(sent.header("authorization") == "Bearer sk-test-123456")
        #expect(sent.header("x-request-id") == "run/s/c/0/1")
        let body = try #require(recorder.lastJSON)
        #expect(body["model"] == "m-1")
        #expect(body["messages"] == [["role": "system", "content": "Be brief."], ["role": "user", "content": "Say \"hi\"\nplease"]])
        #expect(body["temperature"] == 0.2)
        #expect(body["seed"] == 7)
        #expect(body["max_tokens"] == 100)
        #expect(body["tools"] == .array(toolSchemas))
        #expect(body["tool_choice"] == "auto")
        provider.close()
        server.stop()
    }

    @Test func aLocalCompatibleServerNeedsNoKeyButTheRealAPIDoes() throws {
        let server = try LoopbackServer { _ in .json("{}") }
        #expect(throws: Never.self) { try makeProvider("  {type: openai, model: m, base_url: SERVER/v1}", server: server).close() }
        do {
            _ = try makeProvider("  {type: openai, model: gpt-4o}", server: server)
            Issue.record("the OpenAI API was configured without a key")
        } catch let error as ValidationError {
            #expect(error.description == "evalgate.yaml:2:3: the openai provider needs an API key: set the environment variable OPENAI_API_KEY (named by provider.api_key_env)")
        }
        server.stop()
    }

    @Test func theBaseURLComesFromTheEnvironmentWhenTheConfigGivesNone() async throws {
        let recorder = Recorder()
        let server = try LoopbackServer { request in
            recorder.add(request)
            return .json(#"{"choices": [{"message": {"content": "ok"}}]}"#)
        }
        let provider = try makeProvider("  {type: openai, model: m}", server: server, environment: ["OPENAI_BASE_URL": server.baseURL + "/compat/v1"])
        #expect(try await call(provider).text == "ok")
        #expect(recorder.last?.path == "/compat/v1/chat/completions")
        provider.close()
        server.stop()
    }

    @Test func anErrorStatusIsAnErrorThatNeverShowsTheKey() async throws {
        let server = try LoopbackServer { request in
            .json(#"{"error": {"message": "Incorrect API key provided: \#(request.header("authorization") ?? "")"}}"#, status: 401)
        }
        let provider = try makeProvider("  {type: openai, model: m, base_url: SERVER/v1}", server: server, environment: ["OPENAI_API_KEY": "sk-secret-abcdef"])
        do {
            _ = try await call(provider)
            Issue.record("a 401 answered")
        } catch {
            #expect(error.message.hasPrefix("HTTP 401 from \(server.baseURL)/v1/chat/completions: "))
            #expect(error.message.contains("Incorrect API key provided: Bearer [REDACTED]"))
            #expect(!error.message.contains("sk-secret-abcdef"))
            #expect(error.attempts.count == 1, "401 is not retried")
        }
        provider.close()
        server.stop()
    }

    @Test func exhaustedRetriesNameTheLastStatus() async throws {
        let server = try LoopbackServer { _ in .json(#"{"error": "overloaded"}"#, status: 503) }
        let provider = try makeProvider("  {type: openai, model: m, base_url: SERVER/v1}", server: server)
        do {
            _ = try await call(provider)
            Issue.record("a 503 answered")
        } catch {
            #expect(error.message.hasPrefix("HTTP 503 after 3 attempts (HTTP 503, HTTP 503, HTTP 503) from "))
            #expect(error.attempts.map(\.requestID) == ["run/s/c/0/1", "run/s/c/0/2", "run/s/c/0/3"])
        }
        #expect(server.statistics.requests == 3)
        provider.close()
        server.stop()
    }

    @Test func malformedJSONIsRetriedThenAnErrorThatSaysSo() async throws {
        let server = try LoopbackServer { _ in .json(#"{"choices": [{"message": "#) }
        let provider = try makeProvider("  {type: openai, model: m, base_url: SERVER/v1}", server: server)
        do {
            _ = try await call(provider)
            Issue.record("malformed JSON answered")
        } catch {
            #expect(error.message.contains("HTTP 200, but the body is not JSON (unexpected end of JSON, expected a value)"))
            #expect(error.attempts.count == 3, "the first attempt and both retries")
        }
        #expect(server.statistics.requests == 3)
        provider.close()
        server.stop()
    }

    @Test func aBodyCutShortIsRetriedAndTheWholeOneIsRead() async throws {
        let server = try LoopbackServer { request in
            request.sequence == 1
                ? .json(#"{"choices": [{"message": {"content": "half"#)
                : .json(#"{"choices": [{"index": 0, "message": {"role": "assistant", "content": "whole"}, "finish_reason": "stop"}]}"#)
        }
        let provider = try makeProvider("  {type: openai, model: m, base_url: SERVER/v1}", server: server)
        let response = try await call(provider)
        #expect(response.text == "whole")
        #expect(response.attempts.map(\.outcome).first?.contains("not JSON") == true)
        #expect(server.statistics.requests == 2)
        provider.close()
        server.stop()
    }
}

@Suite struct AnthropicProviderTests {
    @Test func sendsMessagesWithATopLevelSystemAndReadsContentBlocks() async throws {
        let recorder = Recorder()
        let server = try LoopbackServer { request in
            recorder.add(request)
            return .json("""
                {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-x-20260101", "stop_reason": "tool_use",
                 "content": [{"type": "text", "text": "Let me check. "}, {"type": "tool_use", "id": "tu_1", "name": "lookup_order", "input": {"order_id": "NW-2"}}],
                 "usage": {"input_tokens": 50, "output_tokens": 12}}
                """)
        }
        let provider = try makeProvider("  {type: anthropic, model: claude-x, base_url: SERVER}", server: server, environment: ["ANTHROPIC_API_KEY": "sk-ant-secret"])
        let response = try await call(provider, tools: toolSchemas)
        #expect(response.text == "Let me check. ")
        #expect(response.toolCalls == [ToolCall(name: "lookup_order", arguments: ["order_id": "NW-2"])])
        #expect(response.usage == TokenUsage(inputTokens: 50, outputTokens: 12))
        #expect(response.finishReason == "tool_use")
        let sent = try #require(recorder.last)
        #expect(sent.path == "/v1/messages")
        #expect(sent.header("x-api-key") == "sk-ant-secret")
        #expect(sent.header("anthropic-version") == "2023-06-01")
        let body = try #require(recorder.lastJSON)
        #expect(body["system"] == "Be brief.")
        #expect(body["messages"] == [["role": "user", "content": "Say \"hi\"\nplease"]])
        #expect(body["max_tokens"] == 100)
        #expect(body["tools"] == [["name": "lookup_order", "description": "Find an order", "input_schema": ["type": "object", "properties": ["order_id": ["type": "string"]]]]])
        provider.close()
        server.stop()
    }

    @Test func overloaded529IsRetried() async throws {
        let server = try LoopbackServer { request in
            request.sequence == 1 ? .json(#"{"type": "error", "error": {"type": "overloaded_error"}}"#, status: 529)
                : .json(#"{"content": [{"type": "text", "text": "fine"}], "usage": {"input_tokens": 1, "output_tokens": 1}}"#)
        }
        let provider = try makeProvider("  {type: anthropic, model: c, base_url: SERVER}", server: server)
        let response = try await call(provider)
        #expect(response.text == "fine")
        #expect(response.attempts.map(\.outcome) == ["HTTP 529", "HTTP 200"])
        provider.close()
        server.stop()
    }
}

@Suite struct OllamaProviderTests {
    @Test func sendsANonStreamingChatAndReadsEvalCounts() async throws {
        let recorder = Recorder()
        let server = try LoopbackServer { request in
            recorder.add(request)
            return .json("""
                {"model": "llama3.2", "message": {"role": "assistant", "content": "Hi!",
                  "tool_calls": [{"function": {"name": "lookup_order", "arguments": {"order_id": "NW-3"}}}]},
                 "done": true, "done_reason": "stop", "prompt_eval_count": 26, "eval_count": 4}
                """)
        }
        let provider = try makeProvider("  {type: ollama, model: llama3.2, base_url: SERVER}", server: server)
        let response = try await call(provider)
        #expect(response.text == "Hi!")
        #expect(response.toolCalls == [ToolCall(name: "lookup_order", arguments: ["order_id": "NW-3"])])
        #expect(response.usage == TokenUsage(inputTokens: 26, outputTokens: 4))
        #expect(recorder.last?.path == "/api/chat")
        let body = try #require(recorder.lastJSON)
        #expect(body["stream"] == false)
        #expect(body["options"] == ["temperature": 0.2, "seed": 7, "num_predict": 100])
        #expect(body["messages"]?.arrayValue?.first == ["role": "system", "content": "Be brief."])
        provider.close()
        server.stop()
    }
}

@Suite struct HTTPEndpointProviderTests {
    private let agentConfig = """
          type: http
          model: support-agent-v3
          url: SERVER/agent/run
          headers: {Authorization: "Bearer ${AGENT_TOKEN}", X-Team: evals}
          body:
            input: "{{prompt}}"
            history: "{{messages}}"
            context: {city: "{{vars.city}}", note: "City: {{vars.city}} / {{model}}"}
          response:
            text: output.answer
            tool_calls: output.actions
            input_tokens: meta.usage[0].in
            output_tokens: meta.usage[0].out
        """

    @Test func fillsTheBodyTemplateWithEscapedJSONAndReadsThePaths() async throws {
        let recorder = Recorder()
        let server = try LoopbackServer { request in
            recorder.add(request)
            return .json(#"{"output": {"answer": "done", "actions": [{"name": "lookup_order", "arguments": "{\"order_id\": \"NW-4\"}"}]}, "meta": {"usage": [{"in": 12, "out": 3}]}}"#)
        }
        let provider = try makeProvider(agentConfig, server: server, environment: ["AGENT_TOKEN": "tok-very-secret"])
        let response = try await call(provider)
        #expect(response.text == "done")
        #expect(response.toolCalls == [ToolCall(name: "lookup_order", arguments: ["order_id": "NW-4"])])
        #expect(response.usage == TokenUsage(inputTokens: 12, outputTokens: 3))
        let sent = try #require(recorder.last)
        #expect(sent.path == "/agent/run")
        #expect(sent.header("authorization") == "Bearer tok-very-secret")
        #expect(sent.header("x-team") == "evals")
        let body = try #require(recorder.lastJSON)
        #expect(body["input"] == "Say \"hi\"\nplease")
        #expect(body["history"] == [["role": "user", "content": "Say \"hi\"\nplease"]])
        #expect(body["context"] == ["city": "Zürich", "note": "City: Zürich / m-1"])
        provider.close()
        server.stop()
    }

    @Test func aWrongPathNamesThePathAndTheKeysThatWereThere() async throws {
        let server = try LoopbackServer { _ in .json(#"{"result": {"text": "x"}, "usage": {}}"#) }
        let provider = try makeProvider(agentConfig, server: server, environment: ["AGENT_TOKEN": "tok"])
        do {
            _ = try await call(provider)
            Issue.record("a wrong path answered")
        } catch {
            #expect(error.message == "unexpected response: response.text: path 'output.answer': 'output' not found at the top level; keys there: result, usage")
        }
        provider.close()
        server.stop()
    }

    @Test func anUnsetVariableStopsTheRunBeforeAnyRequest() throws {
        let server = try LoopbackServer { _ in .json("{}") }
        do {
            _ = try makeProvider(agentConfig, server: server)
            Issue.record("a missing secret was accepted")
        } catch let error as ValidationError {
            #expect(error.description == "evalgate.yaml:2:3: provider headers.Authorization uses ${AGENT_TOKEN}, but the environment variable AGENT_TOKEN is not set")
        }
        #expect(server.statistics.requests == 0)
        server.stop()
    }

    @Test func aLiteralCredentialInTheConfigIsRefused() throws {
        let server = try LoopbackServer { _ in .json("{}") }
        let yaml = agentConfig.replacingOccurrences(of: "Bearer ${AGENT_TOKEN}", with: "Bearer abc123")
        #expect(throws: ValidationError.self) { try makeProvider(yaml, server: server) }
        server.stop()
    }
}
