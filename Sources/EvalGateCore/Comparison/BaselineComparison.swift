/// A case whose status differs between the baseline and this run.
public struct CaseChange: Sendable, Hashable {
    public var key: CaseKey
    public var kind: SuiteKind
    public var baseline: ResultStatus
    public var current: ResultStatus
    /// Why the current run's case did not pass, when it did not.
    public var reason: String?
}

/// This run against a baseline run, case by case and score by score.
public struct BaselineComparison: Sendable {
    public var baselineName: String
    public var baselineRunID: String
    /// Cases that passed in the baseline and fail now.
    public var regressions: [CaseChange] = []
    /// Cases that failed in the baseline and pass now.
    public var fixes: [CaseChange] = []
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

    /// Compares two runs' case summaries, each sorted by `CaseKey` (the store's order), in one pass.
    ///
    /// - Parameter countRemoved: false when the current run was filtered, so that cases left out
    ///   on purpose are not called removed.
    public init<Current: Sequence<CaseSummary>, Baseline: Sequence<CaseSummary>>(
        current: Current, baseline: Baseline, baselineName: String, baselineRunID: String, countRemoved: Bool
    ) {
        self.init(baselineName: baselineName, baselineRunID: baselineRunID)
        var currentIterator = current.makeIterator()
        var baselineIterator = baseline.makeIterator()
        var nextCurrent = currentIterator.next()
        var nextBaseline = baselineIterator.next()
        while nextCurrent != nil || nextBaseline != nil {
            switch (nextCurrent, nextBaseline) {
            case (let now?, let then?) where now.key == then.key:
                match(now, then)
                nextCurrent = currentIterator.next()
                nextBaseline = baselineIterator.next()
            case (let now?, let then?) where now.key < then.key:
                added.append(now.key)
                nextCurrent = currentIterator.next()
            case (let now?, nil):
                added.append(now.key)
                nextCurrent = currentIterator.next()
            case (_, let then?):
                if countRemoved { removed.append(then.key) }
                nextBaseline = baselineIterator.next()
            case (nil, nil):
                break
            }
        }
    }

    private mutating func match(_ now: CaseSummary, _ then: CaseSummary) {
        guard now.fingerprint == then.fingerprint, now.kind == then.kind else {
            changed.append(now.key)
            return
        }
        matchedCurrent.add(now)
        matchedBaseline.add(then)
        switch (then.status, now.status) {
        case (.pass, .fail):
            regressions.append(CaseChange(key: now.key, kind: now.kind, baseline: .pass, current: .fail, reason: now.firstReason))
        case (.fail, .pass):
            fixes.append(CaseChange(key: now.key, kind: now.kind, baseline: .fail, current: .pass, reason: nil))
        default:
            break
        }
    }
}
