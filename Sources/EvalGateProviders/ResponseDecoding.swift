import EvalGateCore

/// Reads evalgate's own response JSON, the shape of a replay line and of an exec provider's stdout:
/// `{"text", "tool_calls": [{"name", "arguments"}], "usage": {"input_tokens", "output_tokens"},
/// "latency_ms", "model", "finish_reason"}`. Every key but `text` is optional.
enum ResponseDecoding {
    /// Decodes `value`; a field of the wrong type is named in the thrown message.
    static func decode(_ value: JSONValue, latencyMs: Double? = nil) throws(ProviderFailure) -> ModelResponse {
        guard case .object(let members) = value else {
            throw ProviderFailure("the response must be a JSON object, found \(value.typeName)")
        }
        if case .string(let message)? = members["error"] {
            // The program reports its own failure: an error result, not an empty answer to score.
            throw ProviderFailure("the provider reported an error: \(message)", latencyMs: latencyMs ?? members["latency_ms"]?.numberValue ?? 0)
        }
        let text: String
        switch members["text"] {
        case .string(let value)?: text = value
        case nil, .null?: text = ""
        case let other?: throw ProviderFailure("'text' must be a string, found \(other.typeName)")
        }
        var calls: [ToolCall] = []
        switch members["tool_calls"] {
        case nil, .null?: break
        case .array(let elements)?:
            for element in elements {
                guard case .string(let name)? = element["name"] else {
                    throw ProviderFailure("each tool call needs a string 'name'")
                }
                var arguments = element["arguments"] ?? .object([:])
                if case .string(let encoded) = arguments {
                    // OpenAI sends arguments as a JSON string; keep it as a string if it is not JSON,
                    // so the scorer can say the arguments were malformed.
                    arguments = (try? JSONSource.value(encoded)) ?? .string(encoded)
                }
                calls.append(ToolCall(name: name, arguments: arguments))
            }
        case let other?: throw ProviderFailure("'tool_calls' must be a list, found \(other.typeName)")
        }
        var usage = TokenUsage()
        if let usageValue = members["usage"], usageValue != .null {
            guard case .object = usageValue else { throw ProviderFailure("'usage' must be an object, found \(usageValue.typeName)") }
            usage.inputTokens = try count(usageValue["input_tokens"], field: "usage.input_tokens")
            usage.outputTokens = try count(usageValue["output_tokens"], field: "usage.output_tokens")
        }
        var latency = latencyMs ?? 0
        if latencyMs == nil, let recorded = members["latency_ms"] {
            guard case .number(let value) = recorded, value >= 0 else {
                throw ProviderFailure("'latency_ms' must be a non-negative number, found \(recorded.typeName)")
            }
            latency = value
        }
        return ModelResponse(
            text: text, toolCalls: calls, usage: usage, latencyMs: latency, servedModel: members["model"]?.stringValue,
            finishReason: members["finish_reason"]?.stringValue)
    }

    private static func count(_ value: JSONValue?, field: String) throws(ProviderFailure) -> Int? {
        switch value {
        case nil, .null?: return nil
        case .number(let number)? where number >= 0 && number == number.rounded() && number < 1e15: return Int(number)
        case let other?: throw ProviderFailure("'\(field)' must be a whole number of tokens, found \(other.canonicalText.prefix(40))")
        }
    }

    /// A response as the JSON object `decode` reads, for recordings.
    static func encode(_ response: ModelResponse) -> [(String, JSONValue)] {
        var usage: [String: JSONValue] = [:]
        if let input = response.usage.inputTokens { usage["input_tokens"] = .number(Double(input)) }
        if let output = response.usage.outputTokens { usage["output_tokens"] = .number(Double(output)) }
        var fields: [(String, JSONValue)] = [
            ("text", .string(response.text)),
            ("tool_calls", .array(response.toolCalls.map { ["name": .string($0.name), "arguments": $0.arguments] })),
            ("usage", .object(usage)),
            ("latency_ms", .number((response.latencyMs * 10).rounded() / 10)),
        ]
        if let model = response.servedModel { fields.append(("model", .string(model))) }
        if let reason = response.finishReason { fields.append(("finish_reason", .string(reason))) }
        return fields
    }
}
