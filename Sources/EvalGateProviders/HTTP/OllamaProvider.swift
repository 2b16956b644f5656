import EvalGateCore

/// Ollama's native chat API (`POST {base_url}/api/chat`, not streamed).
public struct OllamaProvider: Provider {
    public let baseURL: String
    public let caller: EndpointCaller

    public init(baseURL: String, caller: EndpointCaller) {
        self.baseURL = baseURL
        self.caller = caller
    }

    /// The request body: messages with the system prompt first, sampling under `options`
    /// (`max_tokens` is `num_predict`), tools in OpenAI's format, which Ollama reads.
    static func body(_ request: ProviderRequest) -> JSONValue {
        var options: [String: JSONValue] = [:]
        if let value = request.sampling.temperature { options["temperature"] = .number(value) }
        if let value = request.sampling.topP { options["top_p"] = .number(value) }
        if let value = request.sampling.seed { options["seed"] = .number(Double(value)) }
        if let value = request.sampling.maxTokens { options["num_predict"] = .number(Double(value)) }
        var body: [String: JSONValue] = ["model": .string(request.model), "messages": ChatWire.messages(request, systemFirst: true), "stream": false]
        if !options.isEmpty { body["options"] = .object(options) }
        if let tools = request.tools, !tools.isEmpty { body["tools"] = .array(tools) }
        return .object(body)
    }

    public func close() {
        caller.close()
    }

    public func respond(to request: ProviderRequest) async throws(ProviderFailure) -> ModelResponse {
        let answer = try await caller.call(url: baseURL + "/api/chat", headers: [], body: Self.body(request), for: request)
        return caller.recordUsage(try Self.decode(answer, redactor: caller.redactor))
    }

    /// Reads `message.content`, `message.tool_calls`, `prompt_eval_count`, `eval_count`,
    /// `done_reason` and `model`.
    static func decode(_ answer: EndpointCaller.Answer, redactor: SecretRedactor) throws(ProviderFailure) -> ModelResponse {
        let json = answer.json
        guard let message = json["message"], case .object = message else {
            throw EndpointCaller.unexpected("no message in the answer (keys: \(OpenAIProvider.keys(json)))", answer: answer)
        }
        let calls = try ChatWire.functionCalls(message["tool_calls"], answer: answer)
        return ModelResponse(
            text: redactor.redact(message["content"]?.stringValue ?? ""), toolCalls: calls,
            usage: TokenUsage(inputTokens: EndpointCaller.tokens(json["prompt_eval_count"]), outputTokens: EndpointCaller.tokens(json["eval_count"])),
            latencyMs: answer.latencyMs, servedModel: json["model"]?.stringValue, finishReason: json["done_reason"]?.stringValue,
            attempts: answer.attempts)
    }
}
