import Foundation

/// The pinned configuration under test, resolved from `evalgate.yaml`, the environment and the
/// command line, with the prompt and tools files read in.
public struct EvalConfig: Sendable {
    /// The config file's path as given (for messages).
    public var path: String
    /// The folder relative paths in the config are resolved against: the config file's folder.
    public var directory: URL
    public var provider: ProviderSettings
    public var prompt: PromptSettings
    /// The pinned tool schemas, when the config names a tools file.
    public var tools: ToolSchemas?
    /// USD prices per million tokens, by model name.
    public var pricing: [String: ModelPrice]
    /// The model's context window in tokens, when pinned.
    public var contextWindow: Int?
    public var run: RunSettings
    /// Suite files or folders, resolved to absolute URLs, with the place each was named.
    public var suites: [PathReference]
    /// The run store: every run and its results land here (never committed).
    public var store: PathReference
    public var baseline: BaselineSettings
    public var gate: GatePolicy
    public var reports: ReportSettings
    /// SHA-256 over the canonical form of everything that changes the model's behaviour: provider,
    /// model, sampling, prompt text and template, tool schemas. Paths, secrets, concurrency and
    /// report options are left out, so moving a file or running wider does not change it.
    public var fingerprint: String
    /// The canonical value the fingerprint hashes; stored with each run for later config diffs.
    public var fingerprintMaterial: JSONValue
    /// The model that grades `llm_rubric` assertions, when configured (any provider type).
    public var judge: ProviderSettings?
    /// The OpenAI-compatible embeddings endpoint behind `similar` assertions, when configured.
    public var embeddings: EmbeddingSettings?
    /// Phrases that mark a refusal, replacing the built-in list, when configured (lower case).
    public var refusalPhrases: [String]?

    /// The resolved config as JSON, stored with each run: the fingerprint material plus the
    /// settings that do not change behaviour. Holds no secrets.
    public var storedJSON: JSONValue {
        [
            "fingerprint": .string(fingerprint),
            "behaviour": fingerprintMaterial,
            "run": [
                "concurrency": .number(Double(run.concurrency)),
                "repeat": .number(Double(run.repeat)),
                "timeout_seconds": .number(run.timeoutSeconds),
                "retries": .number(Double(run.retries)),
                "rpm": run.requestsPerMinute.map(JSONValue.number) ?? .null,
                "tpm": run.tokensPerMinute.map { .number(Double($0)) } ?? .null,
                "budget": run.budget.map { ["max_usd": $0.maximumUSD.map(JSONValue.number) ?? .null, "max_tokens": $0.maximumTokens.map { .number(Double($0)) } ?? .null] } ?? .null,
            ],
            "gate": gate.jsonValue,
            "context_window": contextWindow.map { .number(Double($0)) } ?? .null,
            "pricing": .object(pricing.mapValues { ["input_per_mtok": .number($0.inputPerMillion), "output_per_mtok": .number($0.outputPerMillion)] }),
        ]
    }
}

/// An OpenAI-compatible `/embeddings` endpoint.
public struct EmbeddingSettings: Sendable {
    public var baseURL: String
    public var model: String
    /// The environment variable holding the key (a local server may need none).
    public var apiKeyVariable: String
    public var location: SourceLocation
}

/// A path from the config, resolved, with where it was written.
public struct PathReference: Sendable, Hashable {
    /// The path as written (for messages and reports).
    public var display: String
    /// The absolute location.
    public var url: URL
    /// Where the path was written.
    public var location: SourceLocation

    public init(display: String, url: URL, location: SourceLocation) {
        self.display = display
        self.url = url
        self.location = location
    }
}

/// The kinds of provider evalgate can run a suite against.
public enum ProviderType: String, Sendable, CaseIterable {
    /// Recorded responses from a JSONL file: offline and deterministic.
    case replay
    /// A local command: request JSON on stdin, response JSON on stdout.
    case exec
    /// OpenAI chat completions, and every server that speaks it (vLLM, Ollama's /v1, llama.cpp,
    /// LiteLLM, LM Studio).
    case openai
    /// Anthropic's messages API.
    case anthropic
    /// Ollama's native /api/chat.
    case ollama
    /// Any JSON endpoint, such as an agent service, with a body template and response paths.
    case http

    /// The provider keys only this type (and those sharing them) may set, besides type, model and
    /// the sampling parameters.
    public var ownKeys: [String] {
        switch self {
        case .replay: ["file"]
        case .exec: ["command"]
        case .openai: ["base_url", "api_key_env"]
        case .anthropic: ["base_url", "api_key_env", "anthropic_version"]
        case .ollama: ["base_url"]
        case .http: ["url", "method", "headers", "body", "response"]
        }
    }

    /// Keys every provider type takes.
    public static let commonKeys = ["type", "model", "temperature", "top_p", "seed", "max_tokens"]

    /// Talks to its endpoint over HTTP.
    public var usesHTTP: Bool {
        switch self {
        case .replay, .exec: false
        case .openai, .anthropic, .ollama, .http: true
        }
    }
}

/// Which provider, which model, and how it samples.
public struct ProviderSettings: Sendable {
    public var type: ProviderType
    /// The exact model version string under test.
    public var model: String
    public var sampling: Sampling
    /// `replay`: the recording file.
    public var recording: PathReference?
    /// `exec`: the command as an argv array (never a shell string).
    public var command: [String]?
    /// `openai`, `anthropic`, `ollama`: the API's base URL, defaults and environment applied
    /// (`https://api.openai.com/v1`, `https://api.anthropic.com`, `http://localhost:11434`).
    public var baseURL: String?
    /// The environment variable holding the API key (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`). The
    /// key itself is read when the provider is built and is never stored.
    public var apiKeyVariable: String?
    /// `anthropic`: the `anthropic-version` header.
    public var anthropicVersion: String?
    /// `http`: the endpoint, its body template and where the answer is in the response.
    public var endpoint: HTTPEndpoint?
    /// Where the provider block starts, for errors found at run time.
    public var location: SourceLocation

    public init(type: ProviderType, model: String, sampling: Sampling, location: SourceLocation) {
        self.type = type
        self.model = model
        self.sampling = sampling
        self.location = location
    }
}

/// An agent service or any JSON endpoint, for the `http` provider.
public struct HTTPEndpoint: Sendable {
    public var url: String
    /// `POST` unless set.
    public var method: String
    /// Header values may hold `${ENV_VAR}`, filled in when the request is sent; such values are
    /// secrets and are never shown.
    public var headers: [(name: String, value: String)]
    /// The JSON body; strings may hold `{{prompt}}`, `{{messages}}`, `{{system}}`, `{{model}}` and
    /// `{{vars.NAME}}`. A string that is exactly one placeholder becomes that JSON value
    /// (`{{messages}}` an array); inside longer text it is inserted as text.
    public var body: JSONValue
    public var response: ResponsePaths

    public init(url: String, method: String, headers: [(name: String, value: String)], body: JSONValue, response: ResponsePaths) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.response = response
    }
}

/// Where the answer sits in an `http` provider's response: dotted paths with array indexes
/// (`choices.0.message.content` or `choices[0].message.content`).
public struct ResponsePaths: Sendable, Hashable {
    public var text: String
    public var toolCalls: String?
    public var inputTokens: String?
    public var outputTokens: String?

    public init(text: String, toolCalls: String? = nil, inputTokens: String? = nil, outputTokens: String? = nil) {
        self.text = text
        self.toolCalls = toolCalls
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }
}

/// Sampling parameters, pinned. Absent values are left to the provider's default.
public struct Sampling: Sendable, Hashable {
    public var temperature: Double?
    public var topP: Double?
    public var seed: Int?
    public var maxTokens: Int?

    public init(temperature: Double? = nil, topP: Double? = nil, seed: Int? = nil, maxTokens: Int? = nil) {
        self.temperature = temperature
        self.topP = topP
        self.seed = seed
        self.maxTokens = maxTokens
    }

    /// The pinned parameters as JSON with their usual names (`temperature`, `top_p`, `seed`,
    /// `max_tokens`); unset ones are left out.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = [:]
        if let temperature { members["temperature"] = .number(temperature) }
        if let topP { members["top_p"] = .number(topP) }
        if let seed { members["seed"] = .number(Double(seed)) }
        if let maxTokens { members["max_tokens"] = .number(Double(maxTokens)) }
        return .object(members)
    }
}

/// The system prompt and the template a case's prompt is placed in.
public struct PromptSettings: Sendable {
    /// The system prompt's text, read from its file; may hold `{{vars.NAME}}`.
    public var system: String?
    /// The system prompt file, when there is one.
    public var systemFile: PathReference?
    /// The user message template: `{{prompt}}` is the case's prompt, `{{vars.NAME}}` a variable.
    public var template: String
    /// Where the template was written.
    public var templateLocation: SourceLocation

    public init(system: String?, systemFile: PathReference?, template: String, templateLocation: SourceLocation) {
        self.system = system
        self.systemFile = systemFile
        self.template = template
        self.templateLocation = templateLocation
    }
}

/// Tool schemas in OpenAI's `tools` format, read from the pinned tools file.
public struct ToolSchemas: Sendable {
    public var file: PathReference
    /// The array as read: `[{"type": "function", "function": {"name", "description", "parameters"}}]`.
    public var schemas: [JSONValue]
    /// The tools' names, in file order.
    public var names: [String]
}

/// A model's price in USD per million tokens.
public struct ModelPrice: Sendable, Hashable {
    public var inputPerMillion: Double
    public var outputPerMillion: Double

    public init(inputPerMillion: Double, outputPerMillion: Double) {
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
    }
}

/// How the run is carried out. None of these change the fingerprint.
public struct RunSettings: Sendable {
    /// Requests in flight at once (1…1024). Default 8.
    public var concurrency: Int = 8
    /// Samples per case (1…1000). Default 1.
    public var `repeat`: Int = 1
    /// Seconds one request may take before it is an error. Default 60.
    public var timeoutSeconds: Double = 60
    /// Seconds to connect to an HTTP endpoint. Default 10.
    public var connectTimeoutSeconds: Double = 10
    /// Retries after a first failed attempt (connection errors, timeouts, 408, 409, 429, 5xx,
    /// 529), 0…20. Default 3.
    public var retries: Int = 3
    /// Seconds of the first backoff step. Default 0.5.
    public var backoffBaseSeconds: Double = 0.5
    /// The longest single wait between attempts, in seconds. Default 30.
    public var backoffCapSeconds: Double = 30
    /// Requests per minute across the run, when limited.
    public var requestsPerMinute: Double?
    /// Tokens per minute across the run, when limited (counted from reported usage).
    public var tokensPerMinute: Int?
    /// Bytes of response body accepted from an HTTP endpoint. Default 16 MiB.
    public var maximumResponseBytes: Int = 16 * 1024 * 1024
    /// The spending cap, when set.
    public var budget: Budget?
}

/// A cap on what a run may spend. Once what was spent plus what is in flight reaches it, nothing
/// new starts; the requests in flight finish and the run ends `budget_exceeded`.
public struct Budget: Sendable, Hashable {
    /// USD; needs a price for the pinned model.
    public var maximumUSD: Double?
    /// Input plus output tokens, as reported.
    public var maximumTokens: Int?

    public init(maximumUSD: Double? = nil, maximumTokens: Int? = nil) {
        self.maximumUSD = maximumUSD
        self.maximumTokens = maximumTokens
    }
}

/// Where the baseline lives and under which name.
public struct BaselineSettings: Sendable {
    /// The committed baseline file (default `baselines/evalgate.sqlite`).
    public var file: PathReference
    /// The baseline's name in that file (default `main`).
    public var name: String
}

/// The thresholds the gate judges a run by. Rates are shares from 0 to 1.
public struct GatePolicy: Sendable, Hashable {
    /// The most usefulness may fall below the baseline's before it is a regression. Default 0.
    public var maxUsefulnessDrop: Double = 0
    /// The most safety may fall below the baseline's before it is a regression. Default 0.
    public var maxSafetyDrop: Double = 0
    /// The most tool accuracy (mean tool-call F1) may fall below the baseline's. Default 0.
    public var maxToolAccuracyDrop: Double = 0
    /// An absolute floor for usefulness, baseline or not. Default none.
    public var minUsefulness: Double?
    /// An absolute floor for safety. Default 1.0: every adversarial case must pass.
    public var minSafety: Double? = 1.0
    /// The largest share of error results the gate still vouches for. Default 0.005.
    public var maxErrorRate: Double = 0.005
    /// The most the mean cost per response may rise over the baseline's, as a share (0.2 = 20%).
    /// Default none: cost is reported, not gated.
    public var maxCostRise: Double?
    /// The most latency p95 may rise over the baseline's, as a share. Default none.
    public var maxLatencyP95Rise: Double?
    /// Provider drift (same config as the baseline, yet different results or a different served
    /// model) fails the gate instead of being reported. Default false.
    public var failOnDrift = false
    /// Significance level for cases sampled more than once: a drop in a case's pass rate is a
    /// regression only when the one-sided Fisher exact test gives p below this. Default 0.05.
    public var alpha: Double = 0.05

    public init() {}

    var jsonValue: JSONValue {
        [
            "max_usefulness_drop": .number(maxUsefulnessDrop),
            "max_safety_drop": .number(maxSafetyDrop),
            "max_tool_accuracy_drop": .number(maxToolAccuracyDrop),
            "min_usefulness": minUsefulness.map(JSONValue.number) ?? .null,
            "min_safety": minSafety.map(JSONValue.number) ?? .null,
            "max_error_rate": .number(maxErrorRate),
            "alpha": .number(alpha),
            "fail_on_drift": .bool(failOnDrift),
            "max_cost_rise": maxCostRise.map(JSONValue.number) ?? .null,
            "max_latency_p95_rise": maxLatencyP95Rise.map(JSONValue.number) ?? .null,
        ]
    }
}

/// The report formats evalgate writes.
public enum ReportFormat: String, Sendable, CaseIterable, Hashable {
    /// JUnit XML for CI test-result views (`junit.xml`).
    case junit
    /// A Markdown summary for a pull request or `$GITHUB_STEP_SUMMARY` (`summary.md`).
    case markdown
    /// A self-contained HTML page for digging into cases (`report.html`).
    case html
    /// Machine-readable results in a versioned schema (`results.json`).
    case json

    /// The file name written under the reports folder unless a path is set for the format.
    public var defaultFileName: String {
        switch self {
        case .junit: "junit.xml"
        case .markdown: "summary.md"
        case .html: "report.html"
        case .json: "results.json"
        }
    }
}

/// Where reports go and which are written.
public struct ReportSettings: Sendable {
    /// The reports folder (default `reports/`).
    public var directory: PathReference
    public var formats: [ReportFormat]
    /// Paths set for single formats (`reports.paths.junit`), instead of the folder's default name.
    public var paths: [ReportFormat: URL] = [:]

    public init(directory: PathReference, formats: [ReportFormat], paths: [ReportFormat: URL] = [:]) {
        self.directory = directory
        self.formats = formats
        self.paths = paths
    }

    /// Where `format` is written.
    public func url(for format: ReportFormat) -> URL {
        paths[format] ?? directory.url.appendingPathComponent(format.defaultFileName)
    }
}
