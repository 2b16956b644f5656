import EvalGateCore
import Foundation

/// The gate's summary for a terminal or a CI log: the verdict first, the two scores against the
/// baseline, then each regressed case with its reason. Fits one screen; long lists are cut with a
/// count of what was left out (the JUnit file has everything).
public struct GateSummary: Sendable {
    /// `gate` judges against the baseline; `run` only reports how the run went.
    public enum Command: String, Sendable {
        case gate, run
    }

    public var command: Command
    public var runID: String
    public var configFingerprint: String
    public var model: String
    public var scores: ScoreBoard
    public var comparison: BaselineComparison?
    public var baselineName: String
    public var verdict: GateVerdict
    /// Report files written, as paths to show.
    public var reportFiles: [String]
    /// Up to a few error results to show: `suite/case: message`.
    public var errorExamples: [String]
    /// Tokens, cost and latency of this run, and of the baseline run when compared.
    public var figures: Figures?
    public var baselineFigures: Figures?
    /// Cases that passed some samples and failed others.
    public var flaky: [CaseSummary] = []
    /// What changed in the pinned config since the baseline.
    public var configDiff: ConfigDiff?
    /// Each suite's figures, for the per-suite lines.
    public var suiteFigures: [String: Figures] = [:]

    public init(
        command: Command = .gate, runID: String, configFingerprint: String, model: String, scores: ScoreBoard, comparison: BaselineComparison?,
        baselineName: String, verdict: GateVerdict, reportFiles: [String], errorExamples: [String], figures: Figures? = nil,
        baselineFigures: Figures? = nil
    ) {
        self.command = command
        self.runID = runID
        self.configFingerprint = configFingerprint
        self.model = model
        self.scores = scores
        self.comparison = comparison
        self.baselineName = baselineName
        self.verdict = verdict
        self.reportFiles = reportFiles
        self.errorExamples = errorExamples
        self.figures = figures
        self.baselineFigures = baselineFigures
    }

    /// Most regressed cases listed before "… and N more".
    static let listLimit = 20

    /// The summary as lines of plain text (no colour: the tool adds it on a terminal).
    public func render() -> String {
        var lines: [String] = []
        let headline: String
        switch verdict.outcome {
        case .pass: headline = command == .gate ? "PASS" : "COMPLETED"
        case .regression: headline = "REGRESSION"
        case .incomplete: headline = "INCOMPLETE"
        }
        lines.append("evalgate \(command.rawValue): \(headline) (exit \(verdict.exitCode))")
        let caseCount = scores.usefulness.cases + scores.safety.cases
        lines.append("  run \(runID) · model \(model) · config \(configFingerprint.prefix(12)) · \(caseCount) cases, \(scores.results) results")
        if let comparison {
            lines.append("  baseline '\(baselineName)' = run \(comparison.baselineRunID)")
        } else if command == .gate {
            lines.append("  baseline '\(baselineName)': none yet")
        }
        lines.append("")
        lines.append(scoreLine("usefulness", scores.usefulness, baseline: comparison?.matchedBaseline.usefulness, matched: comparison?.matchedCurrent.usefulness, interval: comparison?.usefulnessDeltaInterval))
        lines.append(scoreLine("safety", scores.safety, baseline: comparison?.matchedBaseline.safety, matched: comparison?.matchedCurrent.safety, interval: comparison?.safetyDeltaInterval))
        if let accuracy = scores.toolAccuracy {
            var text = "  tool calls   \(GateJudge.percent(accuracy)) mean F1 over \(scores.toolCases) case(s)"
            if let then = comparison?.matchedBaseline.toolAccuracy, let now = comparison?.matchedCurrent.toolAccuracy {
                text += String(repeating: " ", count: max(2, 46 - text.count))
                let points = ((now - then) * 1000).rounded() / 10
                text += "baseline \(GateJudge.percent(then))   \(points >= 0 ? "+" : "")\(points) pts"
            }
            lines.append(text)
        }
        lines.append("  errors       \(scores.errorResults) of \(scores.results) results (\(GateJudge.percent(scores.errorRate)))")
        if let figures, figures.responses > 0 {
            var cost = "  cost         "
            if let known = figures.knownCost {
                cost += Self.dollars(known)
            } else {
                cost += figures.costUnknown == figures.responses ? "unknown" : "\(Self.dollars(figures.costUSD)) + unknown for \(figures.costUnknown) result(s)"
            }
            cost += " · tokens \(figures.inputTokens) in / \(figures.outputTokens) out"
            if let then = baselineFigures?.knownCost { cost += " · baseline \(Self.dollars(then))" }
            lines.append(cost)
            if let p50 = figures.latencyP50, let p95 = figures.latencyP95, let p99 = figures.latencyP99 {
                var latency = "  latency      p50 \(Self.millis(p50)) · p95 \(Self.millis(p95)) · p99 \(Self.millis(p99))"
                if let then = baselineFigures?.latencyP95 { latency += " · baseline p95 \(Self.millis(then))" }
                lines.append(latency)
            }
            if figures.contextFlagged > 0, let maximum = figures.maximumContextUse {
                lines.append("  context      \(figures.contextFlagged) result(s) used over 80% of the context window (most: \(GateJudge.percent(maximum)))")
            }
        }

        if scores.suites.count > 1 {
            lines.append("")
            lines.append("Per suite:")
            let width = scores.suites.map(\.name.count).max() ?? 0
            for suite in scores.suites {
                let name = suite.name + String(repeating: " ", count: max(0, width - suite.name.count))
                let metric = suite.kind == .golden ? "usefulness" : "safety"
                var line = "  \(name)  \(metric) \(suite.line.score.map(GateJudge.percent) ?? "n/a") (\(suite.line.passed)/\(suite.line.cases))"
                if let figures = suiteFigures[suite.name] {
                    if let cost = figures.knownCost { line += " · \(Self.dollars(cost))" }
                    if let p95 = figures.latencyP95 { line += " · p95 \(Self.millis(p95))" }
                    if figures.errors > 0 { line += " · \(figures.errors) error(s)" }
                }
                lines.append(line)
            }
        }
        if let comparison {
            var changes: [String] = []
            if !comparison.fixes.isEmpty { changes.append("\(comparison.fixes.count) fixed") }
            if !comparison.changed.isEmpty { changes.append("\(comparison.changed.count) changed (not compared)") }
            if !comparison.added.isEmpty { changes.append("\(comparison.added.count) new") }
            if !comparison.removed.isEmpty { changes.append("\(comparison.removed.count) removed") }
            if !changes.isEmpty { lines.append("  cases        " + changes.joined(separator: ", ")) }
        }

        if let comparison, !comparison.regressions.isEmpty {
            lines.append("")
            lines.append("Regressed cases (\(comparison.regressions.count)):")
            for change in comparison.regressions.prefix(Self.listLimit) {
                var counts = ""
                if let p = change.pValue, let a = change.baselinePasses, let n = change.baselineTrials, let b = change.currentPasses, let m = change.currentTrials {
                    counts = "\(a)/\(n) → \(b)/\(m) samples, p = \(String(format: "%.3f", p)); "
                }
                lines.append("  FAIL \(change.key) [\(change.kind.rawValue)]: \(counts)\(oneLine(change.reason ?? "failed"))")
            }
            if comparison.regressions.count > Self.listLimit {
                lines.append("  … and \(comparison.regressions.count - Self.listLimit) more (see the JUnit report)")
            }
        }
        let otherReasons = verdict.reasons.filter { !$0.contains("passed in the baseline and fails now") }
        if !otherReasons.isEmpty {
            lines.append("")
            lines.append(verdict.outcome == .pass ? "Notes:" : "Why:")
            for reason in otherReasons { lines.append("  - \(reason)") }
        }
        if !errorExamples.isEmpty {
            lines.append("")
            lines.append("Errors (provider trouble, not counted as failures):")
            for example in errorExamples { lines.append("  ERROR \(oneLine(example))") }
            if scores.errorResults > errorExamples.count {
                lines.append("  … and \(scores.errorResults - errorExamples.count) more")
            }
        }
        if let configDiff, !configDiff.isEmpty {
            lines.append("")
            lines.append("Config changes since the baseline:")
            for change in configDiff.changes { lines.append("  \(oneLine(change))") }
            if !configDiff.systemPromptDiff.isEmpty {
                for line in configDiff.systemPromptDiff.prefix(12) { lines.append("    \(oneLine(line))") }
                if configDiff.systemPromptDiff.count > 12 { lines.append("    … \(configDiff.systemPromptDiff.count - 12) more diff lines") }
            }
        }
        if !flaky.isEmpty {
            lines.append("")
            lines.append("Flaky cases (\(flaky.count)): passed some samples, failed others")
            for summary in flaky.prefix(Self.listLimit) {
                var line = "  FLAKY \(summary.key) [\(summary.kind.rawValue)]: \(summary.passes)/\(summary.samples - summary.errors) samples pass"
                if let interval = summary.passRateInterval {
                    line += " (Wilson 95%: \(GateJudge.percent(interval.lowerBound))–\(GateJudge.percent(interval.upperBound)))"
                }
                lines.append(line)
            }
            if flaky.count > Self.listLimit { lines.append("  … and \(flaky.count - Self.listLimit) more") }
        }
        for note in verdict.notes {
            lines.append("")
            lines.append("Note: \(note)")
        }
        if !reportFiles.isEmpty {
            lines.append("")
            lines.append("Reports: " + reportFiles.joined(separator: ", "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func scoreLine(_ name: String, _ line: ScoreLine, baseline: ScoreLine?, matched: ScoreLine?, interval: ClosedRange<Double>? = nil) -> String {
        let padded = name + String(repeating: " ", count: max(0, 12 - name.count))
        guard let score = line.score else {
            return "  \(padded) n/a (no \(name == "safety" ? "adversarial" : "golden") case with a response)"
        }
        var text = "  \(padded) \(GateJudge.percent(score)) (\(line.passed)/\(line.cases) cases pass)"
        if let then = baseline?.score, let now = matched?.score {
            text += String(repeating: " ", count: max(2, 46 - text.count))
            let delta = (now - then) * 100
            let points = (delta * 10).rounded() / 10
            text += "baseline \(GateJudge.percent(then))   \(points >= 0 ? "+" : "")\(points) pts"
            if let interval {
                func pts(_ value: Double) -> String { let p = (value * 1000).rounded() / 10; return "\(p >= 0 ? "+" : "")\(p)" }
                text += " (95% CI \(pts(interval.lowerBound)) to \(pts(interval.upperBound)))"
            }
        }
        return text
    }

    static func dollars(_ value: Double) -> String { Money.dollars(value) }

    static func millis(_ value: Double) -> String { "\(Int(value.rounded())) ms" }

    /// Keeps a reason on one line of a log, with control characters (ANSI escapes from a model or
    /// a script's stderr) made visible instead of reaching the terminal.
    private func oneLine(_ text: String) -> String { TerminalText.oneLine(text) }
}
