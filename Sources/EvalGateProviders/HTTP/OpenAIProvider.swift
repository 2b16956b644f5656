import EvalGateCore

/// OpenAI chat completions (`POST {base_url}/chat/completions`), which every OpenAI-compatible
/// server speaks too: vLLM, Ollama's /v1, llama.cpp server, LiteLLM, LM Studio.
public struct OpenAIProvider: Provider {
    public let baseURL: String
    public let apiKey: String?
    public let caller: EndpointCaller

    public init(baseURL: String, apiKey: String?, caller: EndpointCaller) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.caller = caller
    }

    /// The request body for one case.
    static func body(_ request: ProviderRequest) -> JSONValue {
        var body: [String: JSONValue] = ["model": .string(request.model), "messages": ChatWire.messages(request, systemFirst: true)]
        if let value = request.sampling.temperature { body["temperature"] = .number(value) }
        if let value = request.sampling.topP { body["top_p"] = .number(value) }
        if let value = request.sampling.seed { body["seed"] = .number(Double(value)) }
        if let value = request.sampling.maxTokens { body["max_tokens"] = .number(Double(value)) }
        if let tools = request.tools, !tools.isEmpty {
            body["tools"] = .array(tools)
            body["tool_choice"] = "auto"
        }
        return .object(body)
    }

    public func close() {
        caller.close()
    }

    public func respond(to request: ProviderRequest) async throws(ProviderFailure) -> ModelResponse {
        var headers: [(name: String, value: String)] = []
        if let apiKey { headers.append((name: "Authorization", value: "Bearer \(apiKey)")) }
        let answer = try await caller.call(url: baseURL + "/chat/completions", headers: headers, body: Self.body(request), for: request)
        return caller.recordUsage(try Self.decode(answer, redactor: caller.redactor))
    }

    /// Reads `choices[0].message` (content and tool calls), `finish_reason`, `usage`, `model` and
    /// `system_fingerprint`.
    static func decode(_ answer: EndpointCaller.Answer, redactor: SecretRedactor) throws(ProviderFailure) -> ModelResponse {
        let json = answer.json
        guard case .array(let choices)? = json["choices"], let choice = choices.first, case .object? = choice["message"] else {
            throw EndpointCaller.unexpected("no choices[0].message in the answer (keys: \(keys(json)))", answer: answer)
        }
        let message = choice["message"] ?? .null
        var text = ""
        switch message["content"] {
        case .string(let content)?: text = content
        case .array(let parts)?:
            // Some compatible servers answer with content parts.
            text = parts.compactMap { $0["text"]?.stringValue }.joined()
        default: break
        }
        let calls = try ChatWire.functionCalls(message["tool_calls"], answer: answer)
        let usage = json["usage"]
        return ModelResponse(
            text: redactor.redact(text), toolCalls: calls,
            usage: TokenUsage(inputTokens: EndpointCaller.tokens(usage?["prompt_tokens"]), outputTokens: EndpointCaller.tokens(usage?["completion_tokens"])),
            latencyMs: answer.latencyMs, servedModel: json["model"]?.stringValue, finishReason: choice["finish_reason"]?.stringValue,
            systemFingerprint: json["system_fingerprint"]?.stringValue, attempts: answer.attempts)
    }

    static func keys(_ value: JSONValue) -> String {
        value.objectValue.map { $0.keys.sorted().joined(separator: ", ") } ?? value.typeName
    }
}

/// The chat wire shapes OpenAI and Ollama share.
enum ChatWire {
    /// `[{role, content}]`, the pinned system prompt first when `systemFirst`.
    static func messages(_ request: ProviderRequest, systemFirst: Bool) -> JSONValue {
        var messages: [JSONValue] = []
        if systemFirst, let system = request.request.system { messages.append(["role": "system", "content": .string(system)]) }
        messages += request.request.messages.map { ["role": .string($0.role), "content": .string($0.content)] }
        return .array(messages)
    }

    /// `[{function: {name, arguments}}]` as tool calls; absent means none.
    static func functionCalls(_ value: JSONValue?, answer: EndpointCaller.Answer) throws(ProviderFailure) -> [ToolCall] {
        guard case .array(let toolCalls)? = value else { return [] }
        var calls: [ToolCall] = []
        for call in toolCalls {
            guard case .string(let name)? = call["function"]?["name"] else {
                throw EndpointCaller.unexpected("a tool call without function.name", answer: answer)
            }
            calls.append(ToolCall(name: name, arguments: ToolArguments.parse(call["function"]?["arguments"])))
        }
        return calls
    }
}

/// Tool-call arguments as JSON: OpenAI sends a JSON string, others an object. Arguments that are
/// not valid JSON are kept as the string, so the scorer can call them malformed.
enum ToolArguments {
    static func parse(_ value: JSONValue?) -> JSONValue {
        switch value {
        case nil, .null?: return .object([:])
        case .string(let text)?: return (try? JSONSource.value(text)) ?? .string(text)
        case let other?: return other
        }
    }
}
