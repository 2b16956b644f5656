import EvalGateCore

/// Anthropic's messages API (`POST {base_url}/v1/messages`).
public struct AnthropicProvider: Provider {
    public let baseURL: String
    public let apiKey: String?
    public let version: String
    public let caller: EndpointCaller

    /// The API requires `max_tokens`; this is sent when the config pins none.
    public static let defaultMaxTokens = 1024

    public init(baseURL: String, apiKey: String?, version: String, caller: EndpointCaller) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.version = version
        self.caller = caller
    }

    /// The request body: a top-level `system` (the pinned system prompt and any system messages of
    /// the case), user and assistant messages, and tools with `input_schema`.
    static func body(_ request: ProviderRequest) -> JSONValue {
        var systemParts: [String] = request.request.system.map { [$0] } ?? []
        var messages: [JSONValue] = []
        for message in request.request.messages {
            if message.role == "system" {
                systemParts.append(message.content)
            } else {
                messages.append(["role": .string(message.role), "content": .string(message.content)])
            }
        }
        var body: [String: JSONValue] = [
            "model": .string(request.model), "messages": .array(messages),
            "max_tokens": .number(Double(request.sampling.maxTokens ?? defaultMaxTokens)),
        ]
        if !systemParts.isEmpty { body["system"] = .string(systemParts.joined(separator: "\n\n")) }
        if let value = request.sampling.temperature { body["temperature"] = .number(min(value, 1)) }
        if let value = request.sampling.topP { body["top_p"] = .number(value) }
        if let tools = request.tools, !tools.isEmpty {
            body["tools"] = .array(tools.compactMap { tool in
                guard let function = tool["function"], let name = function["name"] else { return nil }
                var converted: [String: JSONValue] = ["name": name, "input_schema": function["parameters"] ?? ["type": "object"]]
                if let description = function["description"] { converted["description"] = description }
                return .object(converted)
            })
        }
        return .object(body)
    }

    public func close() {
        caller.close()
    }

    public func respond(to request: ProviderRequest) async throws(ProviderFailure) -> ModelResponse {
        var headers: [(name: String, value: String)] = [(name: "anthropic-version", value: version)]
        if let apiKey { headers.append((name: "x-api-key", value: apiKey)) }
        let answer = try await caller.call(url: baseURL + "/v1/messages", headers: headers, body: Self.body(request), for: request)
        return caller.recordUsage(try Self.decode(answer, redactor: caller.redactor))
    }

    /// Joins the `text` blocks, collects `tool_use` blocks, reads `usage`, `stop_reason`, `model`.
    static func decode(_ answer: EndpointCaller.Answer, redactor: SecretRedactor) throws(ProviderFailure) -> ModelResponse {
        let json = answer.json
        guard case .array(let blocks)? = json["content"] else {
            throw EndpointCaller.unexpected("no content blocks in the answer (keys: \(OpenAIProvider.keys(json)))", answer: answer)
        }
        var text = ""
        var calls: [ToolCall] = []
        for block in blocks {
            switch block["type"]?.stringValue {
            case "text": text += block["text"]?.stringValue ?? ""
            case "tool_use":
                guard case .string(let name)? = block["name"] else {
                    throw EndpointCaller.unexpected("a tool_use block without a name", answer: answer)
                }
                calls.append(ToolCall(name: name, arguments: ToolArguments.parse(block["input"])))
            default: break
            }
        }
        let usage = json["usage"]
        return ModelResponse(
            text: redactor.redact(text), toolCalls: calls,
            usage: TokenUsage(inputTokens: EndpointCaller.tokens(usage?["input_tokens"]), outputTokens: EndpointCaller.tokens(usage?["output_tokens"])),
            latencyMs: answer.latencyMs, servedModel: json["model"]?.stringValue, finishReason: json["stop_reason"]?.stringValue,
            attempts: answer.attempts)
    }
}
