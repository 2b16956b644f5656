import EvalGateCore
import Foundation

/// Any JSON endpoint, such as an agent service as deployed: the body comes from the config's
/// template, the answer from dotted response paths.
public struct HTTPEndpointProvider: Provider {
    public let endpoint: HTTPEndpoint
    /// The URL and headers with `${VAR}` filled in from the environment.
    public let url: String
    public let headers: [(name: String, value: String)]
    public let caller: EndpointCaller

    public init(endpoint: HTTPEndpoint, url: String, headers: [(name: String, value: String)], caller: EndpointCaller) {
        self.endpoint = endpoint
        self.url = url
        self.headers = headers
        self.caller = caller
    }

    /// The body template with the request's values in place. A string that is exactly one
    /// placeholder becomes that value (`{{messages}}` an array of `{role, content}`); inside longer
    /// text it is inserted as text. JSON escaping is the writer's job, so any prompt is safe.
    static func body(_ template: JSONValue, for request: ProviderRequest) -> JSONValue {
        let messages = ChatWire.messages(request, systemFirst: false)
        let prompt = request.request.messages.last { $0.role == "user" }?.content ?? ""
        func value(_ name: String) -> JSONValue? {
            switch name {
            case "prompt": return .string(prompt)
            case "messages": return messages
            case "system": return request.request.system.map(JSONValue.string) ?? .null
            case "model": return .string(request.model)
            default:
                guard name.hasPrefix("vars.") else { return nil }
                return request.vars[String(name.dropFirst(5))].map(JSONValue.string)
            }
        }
        func fill(_ node: JSONValue) -> JSONValue {
            switch node {
            case .string(let text):
                guard text.contains("{{"), let parsed = try? PromptTemplate(text) else { return node }
                if parsed.segments.count == 1, case .placeholder(let name) = parsed.segments[0], let whole = value(name) {
                    return whole
                }
                return .string(parsed.render { name in
                    guard let filled = value(name) else { return nil }
                    if case .string(let text) = filled { return text }
                    return filled.canonicalText
                })
            case .array(let elements): return .array(elements.map(fill))
            case .object(let members): return .object(members.mapValues(fill))
            default: return node
            }
        }
        return fill(template)
    }

    public func close() {
        caller.close()
    }

    public func respond(to request: ProviderRequest) async throws(ProviderFailure) -> ModelResponse {
        let body = endpoint.method == "GET" ? nil : Self.body(endpoint.body, for: request)
        let answer = try await caller.call(method: endpoint.method, url: url, headers: headers, body: body, for: request)
        return caller.recordUsage(try decode(answer))
    }

    func decode(_ answer: EndpointCaller.Answer) throws(ProviderFailure) -> ModelResponse {
        let paths = endpoint.response
        let text: String
        switch JSONPath.resolve(paths.text, in: answer.json) {
        case .success(.string(let value)): text = value
        case .success(.null): text = ""
        case .success(let other): text = other.canonicalText
        case .failure(let problem): throw EndpointCaller.unexpected("response.text: \(problem.message)", answer: answer)
        }
        var calls: [ToolCall] = []
        if let path = paths.toolCalls {
            switch JSONPath.resolve(path, in: answer.json) {
            case .success(.array(let elements)):
                for element in elements {
                    let function = element["function"] ?? element
                    guard case .string(let name)? = function["name"] else {
                        throw EndpointCaller.unexpected("response.tool_calls: an element without a name", answer: answer)
                    }
                    calls.append(ToolCall(name: name, arguments: ToolArguments.parse(function["arguments"] ?? function["input"])))
                }
            case .success(.null): break
            case .success(let other): throw EndpointCaller.unexpected("response.tool_calls '\(path)' is \(other.typeName), not a list", answer: answer)
            case .failure(let problem): throw EndpointCaller.unexpected("response.tool_calls: \(problem.message)", answer: answer)
            }
        }
        func count(_ path: String?, _ field: String) throws(ProviderFailure) -> Int? {
            guard let path else { return nil }
            switch JSONPath.resolve(path, in: answer.json) {
            case .success(let value): return EndpointCaller.tokens(value)
            case .failure(let problem): throw EndpointCaller.unexpected("response.\(field): \(problem.message)", answer: answer)
            }
        }
        let usage = TokenUsage(inputTokens: try count(paths.inputTokens, "input_tokens"), outputTokens: try count(paths.outputTokens, "output_tokens"))
        return ModelResponse(text: caller.redactor.redact(text), toolCalls: calls, usage: usage, latencyMs: answer.latencyMs, attempts: answer.attempts)
    }
}

