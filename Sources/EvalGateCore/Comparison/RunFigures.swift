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
///
/// Latencies are kept once, by suite: the run's percentiles are read from the suites' sorted
/// latencies merged (a second copy of every latency for the whole run was 8 bytes a result).
public struct FiguresBuilder: Sendable {
    private var overall = Figures()
    private var suites: [String: (Figures, [Double])] = [:]
    private var order: [String] = []
    /// The suite the last result was of, with its figures and latencies kept out of `suites`:
    /// results come a suite at a time, and taking the entry out of the dictionary and putting it
    /// back for every result (so that its latencies grow in place) was a tenth of reading a run's
    /// summaries.
    private var currentSuite: String?
    private var currentFigures = Figures()
    private var currentLatencies: [Double] = []

    public init() {}

    /// Adds one result's numbers.
    public mutating func add(suite: String, status: ResultStatus, latencyMs: Double, inputTokens: Int?, outputTokens: Int?, costUSD: Double?, contextUse: Double?) {
        Self.count(&overall, status: status, inputTokens: inputTokens, outputTokens: outputTokens, costUSD: costUSD, contextUse: contextUse)
        if currentSuite != suite {
            setAside()
            if let (figures, latencies) = suites.removeValue(forKey: suite) {
                (currentFigures, currentLatencies) = (figures, latencies)
            } else {
                order.append(suite)
            }
            currentSuite = suite
        }
        if Self.count(&currentFigures, status: status, inputTokens: inputTokens, outputTokens: outputTokens, costUSD: costUSD, contextUse: contextUse) {
            currentLatencies.append(latencyMs)
        }
    }

    /// Puts the current suite's figures back among the others.
    private mutating func setAside() {
        guard let name = currentSuite else { return }
        suites[name] = (currentFigures, currentLatencies)
        currentSuite = nil
        currentFigures = Figures()
        currentLatencies = []
    }

    /// Counts a result into `figures`; true when it is a response (whose latency counts).
    private static func count(_ figures: inout Figures, status: ResultStatus, inputTokens: Int?, outputTokens: Int?, costUSD: Double?, contextUse: Double?) -> Bool {
        figures.results += 1
        guard status != .error else {
            figures.errors += 1
            return false
        }
        figures.responses += 1
        figures.inputTokens += inputTokens ?? 0
        figures.outputTokens += outputTokens ?? 0
        if let costUSD { figures.costUSD += costUSD } else { figures.costUnknown += 1 }
        if let contextUse {
            if contextUse > ScoringContext.contextWarning { figures.contextFlagged += 1 }
            figures.maximumContextUse = max(figures.maximumContextUse ?? 0, contextUse)
        }
        return true
    }

    /// The run's figures and each suite's, in the order suites were first seen. The latencies are
    /// sorted where they are (consuming the builder sorts no copy of them).
    public consuming func build() -> (overall: Figures, suites: [(name: String, figures: Figures)]) {
        setAside()
        for name in order { suites[name]?.1.sort() }
        let sorted = order.map { suites[$0]?.1 ?? [] }
        var overall = self.overall
        let ranks = [0.50, 0.95, 0.99].map { Self.rank($0, of: overall.responses) }
        let values = Self.merged(sorted, at: ranks)
        (overall.latencyP50, overall.latencyP95, overall.latencyP99) = (values[0], values[1], values[2])
        let bySuite = zip(order, sorted).map { name, latencies in (name, Self.finish(suites[name]?.0 ?? Figures(), sorted: latencies)) }
        return (overall, bySuite)
    }

    /// The 1-based nearest rank of percentile `p` among `count` values; nil when there are none.
    private static func rank(_ p: Double, of count: Int) -> Int? {
        guard count > 0 else { return nil }
        return min(max(Int((p * Double(count)).rounded(.up)), 1), count)
    }

    /// The values at `ranks` (ascending, 1-based) of the sorted lists merged, walked once.
    private static func merged(_ lists: [[Double]], at ranks: [Int?]) -> [Double?] {
        if lists.count == 1 { return ranks.map { $0.map { lists[0][$0 - 1] } } }
        var heads = [Int](repeating: 0, count: lists.count)
        var found = [Double?](repeating: nil, count: ranks.count)
        var taken = 0
        var next = 0
        while next < ranks.count, ranks[next] != nil {
            // The smallest head is the next value in the merged order.
            var smallest = -1
            for index in lists.indices where heads[index] < lists[index].count {
                if smallest < 0 || lists[index][heads[index]] < lists[smallest][heads[smallest]] { smallest = index }
            }
            guard smallest >= 0 else { break }
            let value = lists[smallest][heads[smallest]]
            heads[smallest] += 1
            taken += 1
            while next < ranks.count, ranks[next] == taken {
                found[next] = value
                next += 1
            }
        }
        return found
    }

    private static func finish(_ figures: Figures, sorted: [Double]) -> Figures {
        var figures = figures
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
