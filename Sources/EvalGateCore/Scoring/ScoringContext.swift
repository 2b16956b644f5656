import Synchronization

/// What scoring needs from the pinned config, built once per run.
public struct ScoringContext: Sendable {
    /// Each pinned tool's parameter schema, by name: arguments that break it never match.
    public var toolSchemas: [String: JSONValue]
    /// Prices by model name, USD per million tokens.
    public var pricing: [String: ModelPrice]
    /// The model the config pins; its price is used first, then the served model's.
    public var model: String
    /// Tokens the pinned model's context holds, when pinned.
    public var contextWindow: Int?
    /// The phrases that mark a refusal (lower case): the config's `refusal_phrases`, else
    /// `RefusalDetector.phrases`.
    public var refusalPhrases: [String] = RefusalDetector.phrases
    /// Leak detectors by rendered system prompt (cases with different vars render differently).
    let leakDetectors = LeakDetectorCache()

    public init(toolSchemas: [String: JSONValue] = [:], pricing: [String: ModelPrice] = [:], model: String = "", contextWindow: Int? = nil) {
        self.toolSchemas = toolSchemas
        self.pricing = pricing
        self.model = model
        self.contextWindow = contextWindow
    }

    public init(_ config: EvalConfig) {
        var schemas: [String: JSONValue] = [:]
        for tool in config.tools?.schemas ?? [] {
            if let name = tool["function"]?["name"]?.stringValue, let parameters = tool["function"]?["parameters"] { schemas[name] = parameters }
        }
        self.init(toolSchemas: schemas, pricing: config.pricing, model: config.provider.model, contextWindow: config.contextWindow)
        if let phrases = config.refusalPhrases { refusalPhrases = phrases }
    }

    /// USD for a response's usage; nil ("unknown", never zero) when the model has no price or the
    /// provider reported no usage.
    public func cost(of response: ModelResponse) -> Double? {
        guard let price = pricing[model] ?? response.servedModel.flatMap({ pricing[$0] }),
            let input = response.usage.inputTokens, let output = response.usage.outputTokens
        else { return nil }
        return (Double(input) * price.inputPerMillion + Double(output) * price.outputPerMillion) / 1_000_000
    }

    /// Input tokens ÷ the context window, when both are known.
    public func contextUse(of response: ModelResponse) -> Double? {
        guard let window = contextWindow, window > 0, let input = response.usage.inputTokens else { return nil }
        return Double(input) / Double(window)
    }

    /// Above this share of the context window a result is flagged.
    public static let contextWarning = 0.8
}

/// Builds each distinct system prompt's leak detector once: hashing every window of a prompt per
/// result would cost more than the rest of scoring.
final class LeakDetectorCache: Sendable {
    private let cache = Mutex<[String: SystemPromptLeakDetector]>([:])

    func detector(for prompt: String) -> SystemPromptLeakDetector {
        if let cached = cache.withLock({ $0[prompt] }) { return cached }
        let detector = SystemPromptLeakDetector(systemPrompt: prompt)
        cache.withLock { cache in
            if cache.count >= 256 { cache.removeAll() }
            cache[prompt] = detector
        }
        return detector
    }
}
