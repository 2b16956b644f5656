import EvalGateCore

/// What a provider is asked: one case × sample, rendered, with the pinned model settings.
public struct ProviderRequest: Sendable {
    public var suite: String
    public var caseID: String
    public var sample: Int
    /// The system prompt and the conversation, placeholders filled.
    public var request: RenderedRequest
    public var vars: [String: String]
    public var model: String
    public var sampling: Sampling
    /// The pinned tool schemas (OpenAI `tools` format), if any.
    public var tools: [JSONValue]?
    /// `run/suite/case/sample`: each attempt is sent as `X-Request-ID: <requestID>/<attempt>` and
    /// the last one is stored with the result.
    public var requestID: String
    /// Seconds the request may take.
    public var timeoutSeconds: Double

    public init(
        suite: String, caseID: String, sample: Int, request: RenderedRequest, vars: [String: String], model: String,
        sampling: Sampling, tools: [JSONValue]?, requestID: String, timeoutSeconds: Double
    ) {
        self.suite = suite
        self.caseID = caseID
        self.sample = sample
        self.request = request
        self.vars = vars
        self.model = model
        self.sampling = sampling
        self.tools = tools
        self.requestID = requestID
        self.timeoutSeconds = timeoutSeconds
    }
}

/// Turns a rendered case into a response from a model, an agent, a script or a recording.
///
/// Implementations never crash and never block Swift's cooperative pool: anything that goes wrong
/// with the endpoint is thrown as a `ProviderFailure`, which the scorer records as an `error`
/// result, never as a `fail`.
public protocol Provider: Sendable {
    /// Sends one request and returns the normalised response.
    func respond(to request: ProviderRequest) async throws(ProviderFailure) -> ModelResponse

    /// Releases what the provider holds (the HTTP client's thread and connections). Called once,
    /// after the run.
    func close()
}

extension Provider {
    public func close() {}
}
