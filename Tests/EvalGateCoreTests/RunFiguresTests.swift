import EvalGateCore
import Testing

@Suite struct ScoringContextTests {
    private let context = ScoringContext(pricing: ["m-1": ModelPrice(inputPerMillion: 2.5, outputPerMillion: 10)], model: "m-1", contextWindow: 1000)

    @Test func costComesFromUsageAndThePinnedPrice() {
        let response = ModelResponse(text: "", usage: TokenUsage(inputTokens: 1200, outputTokens: 300), latencyMs: 1)
        let expected: Double = (1200 * 2.5 + 300 * 10) / 1_000_000
        #expect(context.cost(of: response) == expected)
    }

    @Test func anUnpricedModelOrMissingUsageIsUnknownNotZero() {
        let unpriced = ScoringContext(pricing: [:], model: "m-2")
        #expect(unpriced.cost(of: ModelResponse(text: "", usage: TokenUsage(inputTokens: 1, outputTokens: 1), latencyMs: 1)) == nil)
        #expect(context.cost(of: ModelResponse(text: "", latencyMs: 1)) == nil)
    }

    @Test func theServedModelsPriceIsUsedWhenThePinnedNameHasNone() {
        let aliased = ScoringContext(pricing: ["m-1-2026": ModelPrice(inputPerMillion: 1, outputPerMillion: 1)], model: "m-1")
        let response = ModelResponse(text: "", usage: TokenUsage(inputTokens: 1_000_000, outputTokens: 0), latencyMs: 1, servedModel: "m-1-2026")
        #expect(aliased.cost(of: response) == 1)
    }

    @Test func contextUseIsInputTokensOverTheWindow() {
        #expect(context.contextUse(of: ModelResponse(text: "", usage: TokenUsage(inputTokens: 850), latencyMs: 1)) == 0.85)
        #expect(ScoringContext().contextUse(of: ModelResponse(text: "", usage: TokenUsage(inputTokens: 850), latencyMs: 1)) == nil)
    }
}

@Suite struct FiguresBuilderTests {
    @Test func percentilesAreNearestRank() {
        let values = (1...100).map(Double.init)
        #expect(FiguresBuilder.percentile(values, 0.5) == 50)
        #expect(FiguresBuilder.percentile(values, 0.95) == 95)
        #expect(FiguresBuilder.percentile(values, 0.99) == 99)
        #expect(FiguresBuilder.percentile([7], 0.99) == 7)
        #expect(FiguresBuilder.percentile([], 0.5) == nil)
    }

    @Test func figuresAddUpPerRunAndPerSuiteAndLeaveErrorsOutOfLatency() {
        var builder = FiguresBuilder()
        builder.add(suite: "a", status: .pass, latencyMs: 100, inputTokens: 10, outputTokens: 2, costUSD: 0.01, contextUse: 0.9)
        builder.add(suite: "a", status: .fail, latencyMs: 300, inputTokens: 20, outputTokens: 4, costUSD: nil, contextUse: 0.5)
        builder.add(suite: "b", status: .error, latencyMs: 30_000, inputTokens: nil, outputTokens: nil, costUSD: nil, contextUse: nil)
        let (overall, suites) = builder.build()
        #expect(overall.results == 3)
        #expect(overall.errors == 1)
        #expect(overall.inputTokens == 30)
        #expect(overall.costUSD == 0.01)
        #expect(overall.costUnknown == 1)
        #expect(overall.knownCost == nil, "one response has no known cost, so the total is unknown")
        #expect(overall.latencyP95 == 300, "the error's 30 s is not a latency")
        #expect(overall.contextFlagged == 1)
        #expect(overall.maximumContextUse == 0.9)
        #expect(suites.map(\.name) == ["a", "b"])
        #expect(suites[1].figures.latencyP50 == nil)
    }

    /// The run's percentiles come from the suites' latencies merged: the same as over all of them.
    @Test func theRunsPercentilesAreThoseOfEveryLatencyTogether() {
        var generator = SplitMix64(seed: 8)
        for round in 0..<50 {
            var builder = FiguresBuilder()
            var all: [Double] = []
            let suites = Int(generator.next() % 5) + 1
            for _ in 0..<Int(generator.next() % 300) {
                let suite = "s\(generator.next() % UInt64(suites))"
                // Repeated values and ties across suites, in no order.
                let latency = Double(generator.next() % 200) / 4
                let status: ResultStatus = generator.next() % 10 == 0 ? .error : .pass
                builder.add(suite: suite, status: status, latencyMs: latency, inputTokens: nil, outputTokens: nil, costUSD: nil, contextUse: nil)
                if status != .error { all.append(latency) }
            }
            let overall = builder.build().overall
            all.sort()
            #expect(overall.latencyP50 == FiguresBuilder.percentile(all, 0.50), "round \(round)")
            #expect(overall.latencyP95 == FiguresBuilder.percentile(all, 0.95), "round \(round)")
            #expect(overall.latencyP99 == FiguresBuilder.percentile(all, 0.99), "round \(round)")
        }
    }
}
