@testable import EvalGateCore
import Testing

private func summary(_ suite: String, _ id: String, _ kind: SuiteKind = .golden, passes: Int = 1, failures: Int = 0, errors: Int = 0, fingerprint: String = "f") -> CaseSummary {
    CaseSummary(
        key: CaseKey(suite: suite, caseID: id), kind: kind, fingerprint: fingerprint, samples: passes + failures + errors,
        passes: passes, failures: failures, errors: errors, firstReason: failures > 0 ? "expected 'x' — not found" : nil)
}

private func board(_ summaries: [CaseSummary]) -> ScoreBoard {
    var board = ScoreBoard()
    for summary in summaries { board.add(summary) }
    return board
}

@Suite struct BaselineComparisonTests {
    @Test func aCaseThatPassedAndNowFailsIsARegression() {
        let baseline = [summary("a", "1"), summary("a", "2"), summary("b", "3", .adversarial)]
        let current = [summary("a", "1"), summary("a", "2", passes: 0, failures: 1), summary("b", "3", .adversarial)]
        let comparison = BaselineComparison(current: current, baseline: baseline, baselineName: "main", baselineRunID: "r0", countRemoved: true)
        #expect(comparison.regressions.map(\.key.description) == ["a/2"])
        #expect(comparison.regressions.first?.reason == "expected 'x' — not found")
        #expect(comparison.fixes.isEmpty)
    }

    @Test func newRemovedChangedAndFixedCasesAreToldApart() {
        let baseline = [summary("a", "1", passes: 0, failures: 1), summary("a", "2"), summary("a", "4", fingerprint: "old")]
        let current = [summary("a", "1"), summary("a", "3"), summary("a", "4", passes: 0, failures: 1, fingerprint: "new")]
        let comparison = BaselineComparison(current: current, baseline: baseline, baselineName: "main", baselineRunID: "r0", countRemoved: true)
        #expect(comparison.fixes.map(\.key.description) == ["a/1"])
        #expect(comparison.added.map(\.description) == ["a/3"])
        #expect(comparison.removed.map(\.description) == ["a/2"])
        #expect(comparison.changed.map(\.description) == ["a/4"])
        #expect(comparison.regressions.isEmpty, "a changed case is not compared")
    }

    @Test func aFilteredRunDoesNotCallTheCasesItLeftOutRemoved() {
        let comparison = BaselineComparison(current: [summary("a", "1")], baseline: [summary("a", "1"), summary("b", "2")], baselineName: "main", baselineRunID: "r0", countRemoved: false)
        #expect(comparison.removed.isEmpty)
        #expect(comparison.matchedBaseline.usefulness.cases == 1, "scores compare like with like")
    }

    @Test func anErrorIsNotAFailure() {
        let comparison = BaselineComparison(current: [summary("a", "1", passes: 0, errors: 1)], baseline: [summary("a", "1")], baselineName: "main", baselineRunID: "r0", countRemoved: true)
        #expect(comparison.regressions.isEmpty)
    }

    @Test func scoresAreMeanPassRatesAndErrorsAreCountedApart() {
        let scores = board([summary("a", "1"), summary("a", "2", passes: 1, failures: 1), summary("a", "3", passes: 0, errors: 2), summary("b", "4", .adversarial, passes: 0, failures: 1)])
        #expect(scores.usefulness.score == 0.75)
        #expect(scores.usefulness.errored == 1)
        #expect(scores.safety.score == 0)
        #expect(scores.results == 6)
        #expect(scores.errorResults == 2)
        #expect(scores.suites.map(\.name) == ["a", "b"])
    }
}

@Suite struct GateJudgeTests {
    private let baselineSummaries = [summary("g", "1"), summary("g", "2"), summary("s", "1", .adversarial)]

    private func judge(_ current: [CaseSummary], policy: GatePolicy = GatePolicy(), status: RunStatus = .completed, baseline: Bool = true, require: Bool = false) -> GateVerdict {
        let comparison = baseline
            ? BaselineComparison(current: current, baseline: baselineSummaries, baselineName: "main", baselineRunID: "r0", countRemoved: true) : nil
        return GateJudge.judge(scores: board(current), comparison: comparison, policy: policy, runStatus: status, baselineName: "main", requireBaseline: require)
    }

    @Test func anUnchangedRunPasses() {
        let verdict = judge(baselineSummaries)
        #expect(verdict.outcome == .pass)
        #expect(verdict.exitCode == 0)
        #expect(verdict.reasons.isEmpty)
    }

    @Test func aFlippedCaseIsARegressionWithItsReason() {
        let verdict = judge([summary("g", "1"), summary("g", "2", passes: 0, failures: 1), summary("s", "1", .adversarial)])
        #expect(verdict.outcome == .regression)
        #expect(verdict.exitCode == 1)
        #expect(verdict.reasons.first == "golden case g/2 passed in the baseline and fails now: expected 'x' — not found")
        #expect(verdict.reasons.contains("usefulness fell from 100% to 50%, more than gate.max_usefulness_drop 0%"))
    }

    @Test func aScoreDropWithinTheThresholdIsNotARegressionButTheFlipStillIs() {
        var policy = GatePolicy()
        policy.maxUsefulnessDrop = 0.6
        let verdict = judge([summary("g", "1"), summary("g", "2", passes: 0, failures: 1), summary("s", "1", .adversarial)], policy: policy)
        #expect(!verdict.reasons.contains { $0.hasPrefix("usefulness fell") })
        #expect(verdict.outcome == .regression)
    }

    @Test func theSafetyFloorHoldsWithoutABaseline() {
        let verdict = judge([summary("g", "1"), summary("s", "1", .adversarial, passes: 0, failures: 1)], baseline: false)
        #expect(verdict.outcome == .regression)
        #expect(verdict.reasons == ["safety 0% is below gate.min_safety 100%"])
    }

    @Test func noBaselinePassesWithANoteUnlessOneIsRequired() {
        let free = judge(baselineSummaries, baseline: false)
        #expect(free.outcome == .pass)
        #expect(free.notes.first?.hasPrefix("no baseline 'main' yet") == true)
        let required = judge(baselineSummaries, baseline: false, require: true)
        #expect(required.outcome == .incomplete)
        #expect(required.exitCode == 3)
    }

    @Test func errorsAboveTheRateMakeTheRunIncomplete() {
        let verdict = judge([summary("g", "1"), summary("g", "2", passes: 0, errors: 1), summary("s", "1", .adversarial)])
        #expect(verdict.outcome == .incomplete)
        #expect(verdict.reasons == ["1 of 3 results are errors (33.3%), above gate.max_error_rate 0.5%"])
    }

    @Test func anInterruptedRunIsIncomplete() {
        #expect(judge(baselineSummaries, status: .interrupted).outcome == .incomplete)
    }

    @Test func aRegressionOutranksIncompleteness() {
        let verdict = judge([summary("g", "1", passes: 0, failures: 1), summary("g", "2", passes: 0, errors: 1), summary("s", "1", .adversarial)])
        #expect(verdict.outcome == .regression)
        #expect(verdict.reasons.contains { $0.contains("results are errors") })
    }
}

@Suite struct StatisticsTests {
    /// Reference values: Wilson score intervals at 95% (z = 1.959964), as tabulated by Newcombe (1998).
    @Test(arguments: [
        (0, 10, 0.0000, 0.2775),
        (5, 10, 0.2366, 0.7634),
        (10, 10, 0.7225, 1.0000),
        (81, 263, 0.2553, 0.3662),
        (1, 29, 0.0061, 0.1718),
    ])
    func wilsonIntervalsMatchPublishedValues(_ successes: Int, _ trials: Int, _ low: Double, _ high: Double) throws {
        let interval = try #require(Statistics.wilson(successes: successes, trials: trials))
        #expect(abs(interval.lowerBound - low) < 0.00005)
        #expect(abs(interval.upperBound - high) < 0.00005)
    }

    @Test func noTrialsHaveNoInterval() {
        #expect(Statistics.wilson(successes: 0, trials: 0) == nil)
    }

    @Test func aCaseIsFlakyWhenSomeSamplesPassAndSomeFail() {
        #expect(summary("a", "1", passes: 2, failures: 1).isFlaky)
        #expect(!summary("a", "1", passes: 3).isFlaky)
        #expect(!summary("a", "1", passes: 2, errors: 1).isFlaky, "an error is not a failure")
    }
}

@Suite struct WeightedScoreTests {
    @Test func aCaseCountsItsWeightInTheScore() {
        var heavy = summary("adv", "1", .adversarial)
        heavy.weight = 3
        let light = summary("adv", "2", .adversarial, passes: 0, failures: 1)
        var free = summary("adv", "3", .adversarial, passes: 0, failures: 1)
        free.weight = 0
        #expect(board([heavy, light, free]).safety.score == 0.75, "weight 0 leaves a case out of the score")
        #expect(board([heavy, light, free]).safety.failed == 2, "but it is still counted and reported")
    }
}

@Suite struct SignificanceTests {
    /// One-sided Fisher exact p-values, checked against exact hypergeometric sums.
    @Test(arguments: [
        (5, 5, 1, 5, 0.0238095238),
        (5, 5, 4, 5, 0.5),
        (10, 10, 5, 10, 0.0162538700),
        (3, 5, 0, 5, 0.0833333333),
        (20, 20, 15, 20, 0.0235620236),
    ])
    func fisherMatchesExactValues(_ a: Int, _ n: Int, _ b: Int, _ m: Int, _ expected: Double) {
        #expect(abs(Statistics.fisherLower(passesA: a, trialsA: n, passesB: b, trialsB: m) - expected) < 1e-9)
    }

    @Test func aRealDropFromFiveOfFiveToOneOfFiveIsARegression() {
        let comparison = BaselineComparison(
            current: [summary("g", "1", passes: 1, failures: 4)], baseline: [summary("g", "1", passes: 5)], baselineName: "main",
            baselineRunID: "r0", countRemoved: true)
        #expect(comparison.regressions.map(\.key.description) == ["g/1"])
        #expect(comparison.regressions.first.map { abs(($0.pValue ?? 1) - 0.0238095238) < 1e-9 } == true)
    }

    @Test func aFlakyButStableCaseDoesNotFailTheGate() {
        let comparison = BaselineComparison(
            current: [summary("g", "1", passes: 3, failures: 2)], baseline: [summary("g", "1", passes: 4, failures: 1)], baselineName: "main",
            baselineRunID: "r0", countRemoved: true)
        #expect(comparison.regressions.isEmpty)
        #expect(comparison.insignificantDrops.map(\.key.description) == ["g/1"])
        var policy = GatePolicy()
        policy.maxUsefulnessDrop = 0.5
        let verdict = GateJudge.judge(scores: board([summary("g", "1", passes: 3, failures: 2)]), comparison: comparison, policy: policy, runStatus: .completed, baselineName: "main", requireBaseline: false)
        #expect(verdict.outcome == .pass)
        #expect(verdict.notes.first?.hasPrefix("1 sampled case(s) passed less often than in the baseline, but not significantly") == true)
    }

    @Test func aLooserAlphaTurnsTheSameDropIntoARegression() {
        let comparison = BaselineComparison(
            current: [summary("g", "1", passes: 0, failures: 5)], baseline: [summary("g", "1", passes: 3, failures: 2)], baselineName: "main",
            baselineRunID: "r0", countRemoved: true, alpha: 0.1)
        #expect(comparison.regressions.count == 1, "p = 0.083 is below 0.1")
    }
}

@Suite struct BootstrapTests {
    @Test func noChangeGivesAZeroWidthInterval() {
        #expect(Statistics.bootstrapDelta([(then: (5, 5), now: (5, 5)), (then: (0, 3), now: (0, 3))]) == 0...0)
    }

    @Test func aClearDropLiesBelowZeroAndTheIntervalHoldsTheObservedDelta() throws {
        let pairs = [(then: (5, 5), now: (1, 5)), (then: (5, 5), now: (2, 5)), (then: (4, 5), now: (1, 5))]
        let interval = try #require(Statistics.bootstrapDelta(pairs))
        let observed = ((0.2 - 1) + (0.4 - 1) + (0.2 - 0.8)) / 3
        #expect(interval.contains(observed))
        #expect(interval.upperBound < 0)
        #expect(Statistics.bootstrapDelta(pairs) == interval, "seeded: the same runs give the same interval")
    }

    /// Cases that share a pair are drawn as one binomial: the interval must be the one drawing
    /// every case and every trial gives (up to the bootstrap's own noise).
    @Test func drawingSharedPairsTogetherGivesThePerCaseInterval() throws {
        var pairs: [PassPairs.Pair] = []
        for index in 0..<600 {
            pairs.append(index % 5 == 0 ? (then: (3, 3), now: (2, 3)) : index % 7 == 0 ? (then: (1, 3), now: (0, 3)) : (then: (3, 3), now: (3, 3)))
        }
        // The reference: every case and every trial drawn on its own.
        var generator = SplitMix64(seed: 7)
        var deltas: [Double] = []
        for _ in 0..<2000 {
            var sum = 0.0
            for pair in pairs {
                var then = 0, now = 0
                for _ in 0..<pair.then.1 where Double.random(in: 0..<1, using: &generator) < Double(pair.then.0) / Double(pair.then.1) { then += 1 }
                for _ in 0..<pair.now.1 where Double.random(in: 0..<1, using: &generator) < Double(pair.now.0) / Double(pair.now.1) { now += 1 }
                sum += Double(now) / Double(pair.now.1) - Double(then) / Double(pair.then.1)
            }
            deltas.append(sum / Double(pairs.count))
        }
        deltas.sort()
        let interval = try #require(Statistics.bootstrapDelta(pairs))
        #expect(abs(interval.lowerBound - deltas[49]) < 0.01 && abs(interval.upperBound - deltas[1949]) < 0.01, "\(interval) against \(deltas[49])...\(deltas[1949])")
    }

    /// The binomial draws have the right mean and variance in each of their three ways: a trial
    /// at a time, by gaps between rare outcomes, and by the normal once the variance passes 50.
    @Test(arguments: [(20, 0.4), (5_000, 0.002), (5_000, 0.999), (100_000, 0.3)])
    func binomialDrawsHaveTheirMeanAndVariance(_ trials: Int, _ p: Double) {
        var generator = SplitMix64(seed: 11)
        let draws = (0..<20_000).map { _ in Double(Statistics.binomial(trials, p, &generator)) }
        let mean = draws.reduce(0, +) / Double(draws.count)
        let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(draws.count - 1)
        let expectedVariance = Double(trials) * p * (1 - p)
        #expect(abs(mean - Double(trials) * p) < 4 * (expectedVariance / Double(draws.count)).squareRoot(), "mean \(mean)")
        #expect(abs(variance / expectedVariance - 1) < 0.06, "variance \(variance) against \(expectedVariance)")
        #expect(draws.allSatisfy { $0 >= 0 && $0 <= Double(trials) })
    }

    @Test func onlySampledComparisonsCarryIntervals() {
        let single = BaselineComparison(current: [summary("g", "1")], baseline: [summary("g", "1")], baselineName: "m", baselineRunID: "r", countRemoved: true)
        #expect(single.usefulnessDeltaInterval == nil)
        let sampled = BaselineComparison(current: [summary("g", "1", passes: 3, failures: 2)], baseline: [summary("g", "1", passes: 5)], baselineName: "m", baselineRunID: "r", countRemoved: true)
        #expect(sampled.usefulnessDeltaInterval != nil)
    }
}
