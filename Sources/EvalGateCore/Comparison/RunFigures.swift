/// Tokens, cost, latency and context use of a set of results (a run, or one suite of it).
public struct Figures: Sendable, Hashable {
    public var results = 0
    /// Results that got a response (not errors).
    public var responses = 0
    public var errors = 0
    public var inputTokens = 0
    public var outputTokens = 0
    /// USD over the responses whose cost is known.
    public var costUSD = 0.0
    /// Responses with no known cost (no price for the model, or no usage reported).
    public var costUnknown = 0
    public var latencyP50: Double?
    public var latencyP95: Double?
    public var latencyP99: Double?
    /// Responses above `ScoringContext.contextWarning` of the context window.
    public var contextFlagged = 0
    public var maximumContextUse: Double?

    public init() {}

    /// The share of results that were errors, 0…1.
    public var errorRate: Double { results > 0 ? Double(errors) / Double(results) : 0 }
    /// Cost when every response's cost is known; nil ("unknown") otherwise.
    public var knownCost: Double? { costUnknown == 0 && responses > 0 ? costUSD : nil }
    /// Mean cost per response, when known.
    public var costPerResponse: Double? { knownCost.map { $0 / Double(max(responses, 1)) } }
}

/// Collects `Figures` for a run and each of its suites from result rows, in one pass.
public struct FiguresBuilder: Sendable {
    private var overall = Figures()
    private var overallLatencies: [Double] = []
    private var suites: [String: (Figures, [Double])] = [:]
    private var order: [String] = []

    public init() {}

    /// Adds one result's numbers.
    public mutating func add(suite: String, status: ResultStatus, latencyMs: Double, inputTokens: Int?, outputTokens: Int?, costUSD: Double?, contextUse: Double?) {
        Self.add(&overall, &overallLatencies, status: status, latencyMs: latencyMs, inputTokens: inputTokens, outputTokens: outputTokens, costUSD: costUSD, contextUse: contextUse)
        var (figures, latencies) = suites.removeValue(forKey: suite) ?? {
            order.append(suite)
            return (Figures(), [])
        }()
        Self.add(&figures, &latencies, status: status, latencyMs: latencyMs, inputTokens: inputTokens, outputTokens: outputTokens, costUSD: costUSD, contextUse: contextUse)
        suites[suite] = (figures, latencies)
    }

    private static func add(_ figures: inout Figures, _ latencies: inout [Double], status: ResultStatus, latencyMs: Double, inputTokens: Int?, outputTokens: Int?, costUSD: Double?, contextUse: Double?) {
        figures.results += 1
        guard status != .error else {
            figures.errors += 1
            return
        }
        figures.responses += 1
        figures.inputTokens += inputTokens ?? 0
        figures.outputTokens += outputTokens ?? 0
        if let costUSD { figures.costUSD += costUSD } else { figures.costUnknown += 1 }
        latencies.append(latencyMs)
        if let contextUse {
            if contextUse > ScoringContext.contextWarning { figures.contextFlagged += 1 }
            figures.maximumContextUse = max(figures.maximumContextUse ?? 0, contextUse)
        }
    }

    /// The run's figures and each suite's, in the order suites were first seen.
    public func build() -> (overall: Figures, suites: [(name: String, figures: Figures)]) {
        (Self.finish(overall, overallLatencies), order.map { ($0, Self.finish(suites[$0]?.0 ?? Figures(), suites[$0]?.1 ?? [])) })
    }

    private static func finish(_ figures: Figures, _ latencies: [Double]) -> Figures {
        var figures = figures
        let sorted = latencies.sorted()
        figures.latencyP50 = percentile(sorted, 0.50)
        figures.latencyP95 = percentile(sorted, 0.95)
        figures.latencyP99 = percentile(sorted, 0.99)
        return figures
    }

    /// Nearest-rank percentile of sorted values: the smallest value with at least `p` of them at
    /// or below it.
    public static func percentile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
