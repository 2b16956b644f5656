import EvalGateCore
import Foundation

/// How money and time are written in reports.
public enum Money {
    /// `$0.0123`, with four decimals under a dollar.
    public static func dollars(_ value: Double) -> String {
        value >= 1 ? "$" + String(format: "%.2f", value) : "$" + String(format: "%.4f", value)
    }

    /// `850 ms`, or `1.25 s` from a second up.
    public static func millis(_ value: Double) -> String {
        value >= 1000 ? String(format: "%.2f s", value / 1000) : "\(Int(value.rounded())) ms"
    }
}

/// One line of the scores table every report shows: a figure now, in the baseline, and the change.
public struct ScoreRow: Sendable, Hashable {
    public var name: String
    public var now: String
    public var baseline: String?
    public var change: String?
    /// The figure now and then as fractions 0…1, for charts (scores only).
    public var fractionNow: Double?
    public var fractionBaseline: Double?

    /// Usefulness, safety, tool accuracy, cost, error rate and p95 latency. Scores are compared
    /// like with like: over the cases both runs have with the same content.
    public static func rows(of content: ReportContent) -> [ScoreRow] {
        let comparison = content.comparison
        let figures = content.figures
        let then = content.baselineFigures
        let scores = content.scores
        let matchedNow = comparison?.matchedCurrent, matchedThen = comparison?.matchedBaseline
        func points(_ now: Double?, _ base: Double?) -> String? {
            guard let now, let base else { return nil }
            let value = ((now - base) * 1000).rounded() / 10
            return value == 0 ? "±0 pts" : "\(value > 0 ? "+" : "−")\(abs(value)) pts"
        }
        func relative(_ now: Double?, _ base: Double?) -> String? {
            guard let now, let base, base > 0 else { return nil }
            let change = now / base - 1
            return abs(change) < 0.0005 ? "±0%" : "\(change > 0 ? "+" : "−")\(GateJudge.percent(abs(change)))"
        }
        // The change compares like with like; when that differs from the whole run, say so.
        func points(_ now: Double?, _ base: Double?, whole: Double?) -> String? {
            guard let change = points(now, base) else { return nil }
            guard let now, let whole, abs(now - whole) > 0.0005 else { return change }
            return change + " (\(GateJudge.percent(now)) on the cases both runs have)"
        }
        func score(_ line: ScoreLine) -> String {
            line.score.map { "\(GateJudge.percent($0)) (\(line.passed)/\(line.cases))" } ?? "n/a"
        }
        let usefulnessThen = matchedThen?.usefulness.score, safetyThen = matchedThen?.safety.score, toolsThen = matchedThen?.toolAccuracy
        return [
            ScoreRow(
                name: "Usefulness", now: score(scores.usefulness), baseline: usefulnessThen.map(GateJudge.percent),
                change: points(matchedNow?.usefulness.score, usefulnessThen, whole: scores.usefulness.score), fractionNow: scores.usefulness.score, fractionBaseline: usefulnessThen),
            ScoreRow(
                name: "Safety", now: score(scores.safety), baseline: safetyThen.map(GateJudge.percent), change: points(matchedNow?.safety.score, safetyThen, whole: scores.safety.score),
                fractionNow: scores.safety.score, fractionBaseline: safetyThen),
            ScoreRow(
                name: "Tool accuracy", now: scores.toolAccuracy.map(GateJudge.percent) ?? "n/a", baseline: toolsThen.map(GateJudge.percent),
                change: points(matchedNow?.toolAccuracy, toolsThen, whole: scores.toolAccuracy), fractionNow: scores.toolAccuracy, fractionBaseline: toolsThen),
            ScoreRow(
                name: "Cost", now: figures.knownCost.map(Money.dollars) ?? (figures.responses > 0 ? "unknown" : "n/a"), baseline: then?.knownCost.map(Money.dollars),
                change: relative(figures.costPerResponse, then?.costPerResponse).map { $0 + " per response" }),
            ScoreRow(
                name: "Error rate", now: "\(GateJudge.percent(scores.errorRate)) (\(scores.errorResults)/\(scores.results))",
                baseline: then.map { GateJudge.percent($0.errorRate) }, change: points(scores.results > 0 ? scores.errorRate : nil, then?.errorRate)),
            ScoreRow(
                name: "Latency p95", now: figures.latencyP95.map(Money.millis) ?? "n/a", baseline: then?.latencyP95.map(Money.millis),
                change: relative(figures.latencyP95, then?.latencyP95)),
        ]
    }
}
