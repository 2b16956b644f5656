/// A case whose status differs between the baseline and this run.
public struct CaseChange: Sendable, Hashable {
    public var key: CaseKey
    public var kind: SuiteKind
    public var baseline: ResultStatus
    public var current: ResultStatus
    /// Why the current run's case did not pass, when it did not.
    public var reason: String?
    /// With several samples on either side: passes out of samples with a response, then and now,
    /// and the one-sided Fisher p-value of the drop.
    public var baselinePasses: Int? = nil
    public var baselineTrials: Int? = nil
    public var currentPasses: Int? = nil
    public var currentTrials: Int? = nil
    public var pValue: Double? = nil

    public init(key: CaseKey, kind: SuiteKind, baseline: ResultStatus, current: ResultStatus, reason: String?) {
        self.key = key
        self.kind = kind
        self.baseline = baseline
        self.current = current
        self.reason = reason
    }
}

/// This run against a baseline run, case by case and score by score.
public struct BaselineComparison: Sendable {
    public var baselineName: String
    public var baselineRunID: String
    /// Cases that passed in the baseline and fail now.
    public var regressions: [CaseChange] = []
    /// Cases that failed in the baseline and pass now.
    public var fixes: [CaseChange] = []
    /// Cases sampled several times whose pass rate fell, but not significantly: reported, not failed.
    public var insignificantDrops: [CaseChange] = []
    /// The significance level for sampled cases (a drop with p below it is a regression).
    public var alpha = 0.05
    /// (passes, trials) then and now of each compared golden and adversarial case, for intervals.
    public var goldenPairs = PassPairs()
    public var adversarialPairs = PassPairs()
    /// Whether any compared case had more than one sample on either side.
    public var sampled = false

    /// Bootstrap 95% intervals of the usefulness and safety deltas, when cases were sampled.
    public var usefulnessDeltaInterval: ClosedRange<Double>? { sampled ? Statistics.bootstrapDelta(goldenPairs) : nil }
    public var safetyDeltaInterval: ClosedRange<Double>? { sampled ? Statistics.bootstrapDelta(adversarialPairs) : nil }
    /// Cases whose content changed since the baseline: not compared.
    public var changed: [CaseKey] = []
    /// Cases the baseline does not have.
    public var added: [CaseKey] = []
    /// Baseline cases this run does not have (only reported when the run was not filtered).
    public var removed: [CaseKey] = []
    /// Scores over the cases both runs have with the same content: like compared with like.
    public var matchedCurrent = ScoreBoard()
    public var matchedBaseline = ScoreBoard()

    public init(baselineName: String, baselineRunID: String) {
        self.baselineName = baselineName
        self.baselineRunID = baselineRunID
    }

    /// False when the current run was filtered, so that cases left out on purpose are not called removed.
    public var countRemoved = true

    /// Compares two runs' case summaries, each sorted by `CaseKey` (the store's order), in one pass.
    ///
    /// - Parameter countRemoved: false when the current run was filtered, so that cases left out
    ///   on purpose are not called removed.
    public init<Current: Sequence<CaseSummary>, Baseline: Sequence<CaseSummary>>(
        current: Current, baseline: Baseline, baselineName: String, baselineRunID: String, countRemoved: Bool, alpha: Double = 0.05
    ) {
        self.init(baselineName: baselineName, baselineRunID: baselineRunID)
        self.alpha = alpha
        self.countRemoved = countRemoved
        var currentIterator = current.makeIterator()
        var baselineIterator = baseline.makeIterator()
        var nextCurrent = currentIterator.next()
        var nextBaseline = baselineIterator.next()
        while nextCurrent != nil || nextBaseline != nil {
            switch step(current: nextCurrent, baseline: nextBaseline) {
            case .current: nextCurrent = currentIterator.next()
            case .baseline: nextBaseline = baselineIterator.next()
            case .both:
                nextCurrent = currentIterator.next()
                nextBaseline = baselineIterator.next()
            }
        }
    }

    /// Which side of the merge to read next.
    public enum Advance: Sendable {
        case current, baseline, both
    }

    /// One step of the merge of two runs' summaries sorted by `CaseKey`: takes in the two heads
    /// (nil when a side has ended) and says which to advance. A caller reading the summaries a
    /// page at a time drives the comparison with it, holding neither run whole.
    public mutating func step(current now: CaseSummary?, baseline then: CaseSummary?) -> Advance {
        switch (now, then) {
        case (let now?, let then?) where now.key == then.key:
            match(now, then)
            return .both
        case (let now?, let then?) where now.key < then.key:
            added.append(now.key)
            return .current
        case (let now?, nil):
            added.append(now.key)
            return .current
        case (_, let then?):
            if countRemoved { removed.append(then.key) }
            return .baseline
        case (nil, nil):
            return .both
        }
    }

    private mutating func match(_ now: CaseSummary, _ then: CaseSummary) {
        guard now.fingerprint == then.fingerprint, now.kind == then.kind else {
            changed.append(now.key)
            return
        }
        matchedCurrent.add(now)
        matchedBaseline.add(then)
        let trialsThen = then.samples - then.errors, trialsNow = now.samples - now.errors
        guard trialsThen > 0, trialsNow > 0 else { return }
        let pair = (then: (then.passes, trialsThen), now: (now.passes, trialsNow))
        if now.kind == .golden { goldenPairs.append(pair) } else { adversarialPairs.append(pair) }
        if trialsThen > 1 || trialsNow > 1 { sampled = true }
        if trialsThen == 1 && trialsNow == 1 {
            // One sample each: a flip is all there is to go on.
            switch (then.status, now.status) {
            case (.pass, .fail):
                regressions.append(CaseChange(key: now.key, kind: now.kind, baseline: .pass, current: .fail, reason: now.firstReason))
            case (.fail, .pass):
                fixes.append(CaseChange(key: now.key, kind: now.kind, baseline: .fail, current: .pass, reason: nil))
            default:
                break
            }
            return
        }
        // Sampled: a drop in the pass rate counts only when it is significant.
        let rateThen = Double(then.passes) / Double(trialsThen), rateNow = Double(now.passes) / Double(trialsNow)
        var change = CaseChange(key: now.key, kind: now.kind, baseline: then.status, current: now.status, reason: now.firstReason)
        change.baselinePasses = then.passes
        change.baselineTrials = trialsThen
        change.currentPasses = now.passes
        change.currentTrials = trialsNow
        if rateNow < rateThen {
            let p = Statistics.fisherLower(passesA: then.passes, trialsA: trialsThen, passesB: now.passes, trialsB: trialsNow)
            change.pValue = p
            if p < alpha { regressions.append(change) } else { insignificantDrops.append(change) }
        } else if rateNow > rateThen, then.status != .pass, now.status == .pass {
            fixes.append(change)
        }
    }
}

/// (passes, trials) then and now of the compared cases, counted by pair: the bootstrap draws the
/// cases that share a pair together, and a run has few distinct pairs however many cases it has
/// (a run of single samples has at most four), so the comparison holds them in constant memory.
/// It kept 32 bytes a case, 3.2 MB at 100,000 cases.
public struct PassPairs: Sendable {
    public typealias Pair = (then: (Int, Int), now: (Int, Int))

    private struct Key: Hashable {
        var passesThen: Int, trialsThen: Int, passesNow: Int, trialsNow: Int
    }

    private var counts: [Key: Int] = [:]
    /// The number of pairs added.
    public private(set) var count = 0

    public init() {}

    public mutating func append(_ pair: Pair) {
        counts[Key(passesThen: pair.then.0, trialsThen: pair.then.1, passesNow: pair.now.0, trialsNow: pair.now.1), default: 0] += 1
        count += 1
    }

    /// Each distinct pair with the number of cases that have it, in a fixed order (the bootstrap's
    /// draws follow it, so the same runs give the same interval).
    public var groups: [(pair: Pair, cases: Int)] {
        counts.sorted { a, b in
            (a.key.passesThen, a.key.trialsThen, a.key.passesNow, a.key.trialsNow) < (b.key.passesThen, b.key.trialsThen, b.key.passesNow, b.key.trialsNow)
        }.map { ((($0.key.passesThen, $0.key.trialsThen), ($0.key.passesNow, $0.key.trialsNow)), $0.value) }
    }
}
