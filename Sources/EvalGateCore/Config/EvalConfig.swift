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
            ],
            "gate": gate.jsonValue,
            "context_window": contextWindow.map { .number(Double($0)) } ?? .null,
            "pricing": .object(pricing.mapValues { ["input_per_mtok": .number($0.inputPerMillion), "output_per_mtok": .number($0.outputPerMillion)] }),
        ]
    }
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
    /// Where the provider block starts, for errors found at run time.
    public var location: SourceLocation
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

    var jsonValue: JSONValue {
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
}

/// How the run is carried out. None of these change the fingerprint.
public struct RunSettings: Sendable {
    /// Requests in flight at once (1…1024). Default 8.
    public var concurrency: Int = 8
    /// Samples per case (1…1000). Default 1.
    public var `repeat`: Int = 1
    /// Seconds one request may take before it is an error. Default 60.
    public var timeoutSeconds: Double = 60
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
    /// An absolute floor for usefulness, baseline or not. Default none.
    public var minUsefulness: Double?
    /// An absolute floor for safety. Default 1.0: every adversarial case must pass.
    public var minSafety: Double? = 1.0
    /// The largest share of error results the gate still vouches for. Default 0.005.
    public var maxErrorRate: Double = 0.005

    public init() {}

    var jsonValue: JSONValue {
        [
            "max_usefulness_drop": .number(maxUsefulnessDrop),
            "max_safety_drop": .number(maxSafetyDrop),
            "min_usefulness": minUsefulness.map(JSONValue.number) ?? .null,
            "min_safety": minSafety.map(JSONValue.number) ?? .null,
            "max_error_rate": .number(maxErrorRate),
        ]
    }
}

/// The report formats evalgate writes.
public enum ReportFormat: String, Sendable, CaseIterable {
    case junit
}

/// Where reports go and which are written.
public struct ReportSettings: Sendable {
    /// The reports folder (default `reports/`).
    public var directory: PathReference
    public var formats: [ReportFormat]
}
