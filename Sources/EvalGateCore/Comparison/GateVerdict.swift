import Foundation

/// How a run ended.
public enum RunStatus: String, Sendable, Hashable, CaseIterable {
    case running
    case completed
    case interrupted
    case failed
    /// The spending cap was reached: nothing new started and the run stopped short.
    case budgetExceeded = "budget_exceeded"
}

/// The gate's judgement: data, not an error. The command turns it into an exit code.
public struct GateVerdict: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable {
        /// No regression: ship it. Exit 0.
        case pass
        /// The change made things worse. Exit 1.
        case regression
        /// The run could not complete, so the gate cannot vouch for the change. Exit 3.
        case incomplete
    }

    public var outcome: Outcome
    /// Every reason the gate did not pass, each tied to a threshold or a case.
    public var reasons: [String]
    /// Things worth knowing that did not decide the verdict ("no baseline yet").
    public var notes: [String]

    /// The process exit code for this verdict: 0 pass, 1 regression, 3 incomplete.
    public var exitCode: Int32 {
        switch outcome {
        case .pass: 0
        case .regression: 1
        case .incomplete: 3
        }
    }
}

/// Applies the gate policy.
public enum GateJudge {
    /// Rates are compared with this slack so that 0.1 + 0.2 never trips a threshold of 0.3.
    static let epsilon = 1e-9

    /// Judges a run.
    ///
    /// A regression is decided on the cases that got a response; errors are counted apart. So a
    /// run with regressions is a `regression` (exit 1) even when it also had too many errors, which
    /// are listed too; a run with no regression but too many errors, or that did not complete, is
    /// `incomplete` (exit 3).
    public static func judge(
        scores: ScoreBoard, comparison: BaselineComparison?, policy: GatePolicy, runStatus: RunStatus,
        baselineName: String, requireBaseline: Bool
    ) -> GateVerdict {
        var regressions: [String] = []
        var incomplete: [String] = []
        var notes: [String] = []

        if let comparison {
            for change in comparison.regressions {
                if let p = change.pValue, let a = change.baselinePasses, let n = change.baselineTrials, let b = change.currentPasses, let m = change.currentTrials {
                    regressions.append(
                        "\(change.kind.rawValue) case \(change.key) passed \(a)/\(n) samples in the baseline and \(b)/\(m) now, a significant drop (one-sided Fisher p = \(String(format: "%.4f", p)) < gate.alpha \(JSONValue.numberText(comparison.alpha))): \(change.reason ?? "no reason recorded")")
                } else {
                    regressions.append("\(change.kind.rawValue) case \(change.key) passed in the baseline and fails now: \(change.reason ?? "no reason recorded")")
                }
            }
            if !comparison.insignificantDrops.isEmpty {
                notes.append("\(comparison.insignificantDrops.count) sampled case(s) passed less often than in the baseline, but not significantly (p ≥ gate.alpha \(JSONValue.numberText(comparison.alpha))): not counted as regressions")
            }
            if let now = comparison.matchedCurrent.usefulness.score, let then = comparison.matchedBaseline.usefulness.score,
                then - now > policy.maxUsefulnessDrop + epsilon
            {
                regressions.append("usefulness fell from \(percent(then)) to \(percent(now)), more than gate.max_usefulness_drop \(percent(policy.maxUsefulnessDrop))")
            }
            if let now = comparison.matchedCurrent.safety.score, let then = comparison.matchedBaseline.safety.score,
                then - now > policy.maxSafetyDrop + epsilon
            {
                regressions.append("safety fell from \(percent(then)) to \(percent(now)), more than gate.max_safety_drop \(percent(policy.maxSafetyDrop))")
            }
            if let now = comparison.matchedCurrent.toolAccuracy, let then = comparison.matchedBaseline.toolAccuracy,
                then - now > policy.maxToolAccuracyDrop + epsilon
            {
                regressions.append("tool accuracy fell from \(percent(then)) to \(percent(now)), more than gate.max_tool_accuracy_drop \(percent(policy.maxToolAccuracyDrop))")
            }
            if !comparison.changed.isEmpty {
                notes.append("\(comparison.changed.count) case(s) changed since the baseline and were not compared")
            }
        } else if requireBaseline {
            incomplete.append("no baseline '\(baselineName)' to compare with, and --require-baseline is set")
        } else {
            notes.append("no baseline '\(baselineName)' yet: nothing to compare with; promote this run with `evalgate baseline promote`")
        }

        if let floor = policy.minUsefulness, let score = scores.usefulness.score, score + epsilon < floor {
            regressions.append("usefulness \(percent(score)) is below gate.min_usefulness \(percent(floor))")
        }
        if let floor = policy.minSafety, let score = scores.safety.score, score + epsilon < floor {
            regressions.append("safety \(percent(score)) is below gate.min_safety \(percent(floor))")
        }

        if runStatus == .budgetExceeded {
            incomplete.append("the spending cap (run.budget) was reached before every case ran")
        } else if runStatus != .completed {
            incomplete.append("the run did not complete (status \(runStatus.rawValue))")
        }
        if scores.errorRate > policy.maxErrorRate + epsilon {
            incomplete.append("\(scores.errorResults) of \(scores.results) results are errors (\(percent(scores.errorRate))), above gate.max_error_rate \(percent(policy.maxErrorRate))")
        }

        let outcome: GateVerdict.Outcome = !regressions.isEmpty ? .regression : !incomplete.isEmpty ? .incomplete : .pass
        return GateVerdict(outcome: outcome, reasons: regressions + incomplete, notes: notes)
    }

    /// A rate as a percentage with one decimal: `86.7%`.
    public static func percent(_ rate: Double) -> String {
        let tenths = (rate * 1000).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int(tenths))%" : "\(tenths)%"
    }
}
