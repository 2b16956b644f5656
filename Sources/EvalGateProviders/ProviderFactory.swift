import EvalGateCore
import EvalGateTransport
import Foundation

/// Builds the provider a config pins, reading its secrets from the environment.
public enum ProviderFactory {
    /// The provider for `config`.
    ///
    /// - Throws: `ValidationError` when the provider's own input is invalid (a malformed recording)
    ///   or a secret it needs is not set in `environment` (the message names the variable).
    public static func make(
        _ config: EvalConfig, workingDirectory: URL, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ValidationError) -> any Provider {
        try make(config.provider, config: config, workingDirectory: workingDirectory, environment: environment)
    }

    /// The provider for one provider block of `config` (the main one, or the judge's).
    public static func make(
        _ settings: ProviderSettings, config: EvalConfig, workingDirectory: URL, environment: [String: String]
    ) throws(ValidationError) -> any Provider {
        switch settings.type {
        case .replay:
            guard let recording = settings.recording else {
                throw ValidationError(settings.location, "the replay provider needs 'file'")
            }
            return try ReplayProvider(recording: recording.url, displayPath: DisplayPath.relative(recording.url, to: workingDirectory))
        case .exec:
            guard let command = settings.command, !command.isEmpty else {
                throw ValidationError(settings.location, "the exec provider needs 'command'")
            }
            return ExecProvider(command: command, directory: config.directory.path)
        case .openai:
            let baseURL = settings.baseURL ?? "https://api.openai.com/v1"
            let key = try apiKey(settings, environment: environment, requiredFor: "api.openai.com", baseURL: baseURL)
            return OpenAIProvider(baseURL: baseURL, apiKey: key, caller: caller(config, secrets: [key].compactMap { $0 }))
        case .anthropic:
            let baseURL = settings.baseURL ?? "https://api.anthropic.com"
            let key = try apiKey(settings, environment: environment, requiredFor: "api.anthropic.com", baseURL: baseURL)
            return AnthropicProvider(
                baseURL: baseURL, apiKey: key, version: settings.anthropicVersion ?? "2023-06-01", caller: caller(config, secrets: [key].compactMap { $0 }))
        case .ollama:
            return OllamaProvider(baseURL: settings.baseURL ?? "http://localhost:11434", caller: caller(config, secrets: []))
        case .http:
            guard let endpoint = settings.endpoint else {
                throw ValidationError(settings.location, "the http provider needs 'url' and 'response'")
            }
            var secrets: [String] = []
            var log = DiagnosticLog()
            let url = expand(endpoint.url, environment: environment, secrets: &secrets, at: settings.location, field: "url", log: &log)
            let headers = endpoint.headers.map { header in
                (name: header.name, value: expand(header.value, environment: environment, secrets: &secrets, at: settings.location, field: "headers.\(header.name)", log: &log))
            }
            try log.throwIfAny()
            return HTTPEndpointProvider(endpoint: endpoint, url: url, headers: headers, caller: caller(config, secrets: secrets))
        }
    }

    /// The grader for the config's model-graded assertions, when it has a judge or embeddings.
    public static func makeGrader(
        _ config: EvalConfig, workingDirectory: URL, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ValidationError) -> ModelGrader? {
        guard config.judge != nil || config.embeddings != nil else { return nil }
        var judge: (any Provider)?
        if let settings = config.judge {
            judge = try make(settings, config: config, workingDirectory: workingDirectory, environment: environment)
        }
        var embedder: Embedder?
        if let settings = config.embeddings {
            let key = environment[settings.apiKeyVariable].flatMap { $0.isEmpty ? nil : $0 }
            if key == nil, URLComponents(string: settings.baseURL)?.host == "api.openai.com" {
                throw ValidationError(settings.location, "the embeddings endpoint needs an API key: set the environment variable \(settings.apiKeyVariable)")
            }
            embedder = Embedder(baseURL: settings.baseURL, model: settings.model, apiKey: key, caller: caller(config, secrets: [key].compactMap { $0 }))
        }
        return ModelGrader(judge: judge, judgeSettings: config.judge, embedder: embedder)
    }

    /// The key from the variable the config names. Required when the base URL is the vendor's own
    /// API; optional for a local or compatible server, which often needs none.
    static func apiKey(_ settings: ProviderSettings, environment: [String: String], requiredFor host: String, baseURL: String) throws(ValidationError) -> String? {
        let variable = settings.apiKeyVariable ?? ""
        if let key = environment[variable], !key.isEmpty { return key }
        guard URLComponents(string: baseURL)?.host == host else { return nil }
        throw ValidationError(
            settings.location,
            "the \(settings.type.rawValue) provider needs an API key: set the environment variable \(variable) (named by provider.api_key_env)")
    }

    /// Fills `${VAR}` from the environment, collecting the values as secrets; an unset variable is
    /// an error naming it.
    static func expand(
        _ text: String, environment: [String: String], secrets: inout [String], at location: SourceLocation, field: String, log: inout DiagnosticLog
    ) -> String {
        guard text.contains("${") else { return text }
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${"), let close = rest[open.upperBound...].firstIndex(of: "}") {
            out += rest[..<open.lowerBound]
            let name = String(rest[open.upperBound..<close])
            if let value = environment[name], !value.isEmpty {
                out += value
                secrets.append(value)
            } else {
                log.error(location, "provider \(field) uses ${\(name)}, but the environment variable \(name) is not set")
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// One HTTP client for the run: connections up to the concurrency, the run's rate limit.
    static func caller(_ config: EvalConfig, secrets: [String]) -> EndpointCaller {
        let run = config.run
        let limiter = run.requestsPerMinute != nil || run.tokensPerMinute != nil
            ? RateLimiter(requestsPerMinute: run.requestsPerMinute, tokensPerMinute: run.tokensPerMinute) : nil
        let client = HTTPClient(maximumConnectionsPerHost: run.concurrency, rateLimiter: limiter)
        return EndpointCaller(
            client: client, retry: RetryPolicy(retries: run.retries, baseSeconds: run.backoffBaseSeconds, capSeconds: run.backoffCapSeconds),
            connectTimeoutSeconds: run.connectTimeoutSeconds, maximumResponseBytes: run.maximumResponseBytes, redactor: SecretRedactor(secrets))
    }
}
