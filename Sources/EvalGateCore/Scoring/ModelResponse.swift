import Foundation

/// A tool call the model made, normalised across providers.
public struct ToolCall: Sendable, Hashable {
    public var name: String
    /// The arguments as JSON (providers that send a JSON string have it parsed).
    public var arguments: JSONValue

    public init(name: String, arguments: JSONValue) {
        self.name = name
        self.arguments = arguments
    }
}

/// Tokens a request used, when the provider reports them.
public struct TokenUsage: Sendable, Hashable {
    public var inputTokens: Int?
    public var outputTokens: Int?

    public init(inputTokens: Int? = nil, outputTokens: Int? = nil) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }
}

/// One try of a request, as recorded with its result.
public struct AttemptRecord: Sendable, Hashable {
    /// 1-based.
    public var number: Int
    /// The `X-Request-ID` sent with this attempt.
    public var requestID: String
    /// "HTTP 429", or the transport error ("no response within 30 s").
    public var outcome: String
    /// Seconds waited before the next attempt (0 for the last).
    public var waitSeconds: Double

    public init(number: Int, requestID: String, outcome: String, waitSeconds: Double) {
        self.number = number
        self.requestID = requestID
        self.outcome = outcome
        self.waitSeconds = waitSeconds
    }
}

/// What a provider answered, normalised: the one value every provider turns its wire format into.
public struct ModelResponse: Sendable, Hashable {
    public var text: String
    public var toolCalls: [ToolCall]
    public var usage: TokenUsage
    /// Wall time of the request in milliseconds (for a replay, the recorded latency).
    public var latencyMs: Double
    /// The model string the server reports serving, when it does.
    public var servedModel: String?
    public var finishReason: String?
    /// OpenAI's `system_fingerprint`: the backend configuration that served the request.
    public var systemFingerprint: String?
    /// The tries it took, for providers that retry (empty for replay and exec).
    public var attempts: [AttemptRecord]

    public init(
        text: String, toolCalls: [ToolCall] = [], usage: TokenUsage = TokenUsage(), latencyMs: Double, servedModel: String? = nil,
        finishReason: String? = nil, systemFingerprint: String? = nil, attempts: [AttemptRecord] = []
    ) {
        self.text = text
        self.toolCalls = toolCalls
        self.usage = usage
        self.latencyMs = latencyMs
        self.servedModel = servedModel
        self.finishReason = finishReason
        self.systemFingerprint = systemFingerprint
        self.attempts = attempts
    }
}

/// Why a provider gave no response: infrastructure trouble, never a verdict on the model.
public struct ProviderFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, for a person, without secrets.
    public var message: String
    /// Milliseconds spent before giving up.
    public var latencyMs: Double
    /// The tries made, for providers that retry.
    public var attempts: [AttemptRecord]

    public init(_ message: String, latencyMs: Double = 0, attempts: [AttemptRecord] = []) {
        self.message = message
        self.latencyMs = latencyMs
        self.attempts = attempts
    }

    public var description: String { message }
}
