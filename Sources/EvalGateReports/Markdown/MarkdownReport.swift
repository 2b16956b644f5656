import EvalGateCore
import Foundation

/// The gate's verdict as Markdown for a pull-request comment or `$GITHUB_STEP_SUMMARY`: the
/// verdict on the first line, the scores against the baseline in one table, then the regressions
/// worst first, flaky cases, the cases that changed, and the config diff. Lists stop at
/// `listLimit` with a count of the rest; outputs are folded in `<details>`; the whole stays under
/// GitHub's 65,536-character comment limit.
public struct MarkdownReport: Sendable {
    public var content: ReportContent
    /// Outputs of regressed cases, now and in the baseline, keyed by case.
    public var outputs: [CaseKey: RegressionOutputs]
    /// Report files written alongside, as paths to show.
    public var reportFiles: [String]

    public static let listLimit = 20
    /// GitHub refuses comments over 65,536 characters; keep well under.
    static let sizeLimit = 60_000

    public init(content: ReportContent, outputs: [CaseKey: RegressionOutputs] = [:], reportFiles: [String] = []) {
        self.content = content
        self.outputs = outputs
        self.reportFiles = reportFiles
    }

    public func render() -> String {
        let full = render(withOutputs: true)
        return full.count <= Self.sizeLimit ? full : render(withOutputs: false)
    }

    private func render(withOutputs: Bool) -> String {
        var out: [String] = []
        let comparison = content.comparison
        out.append("## \(icon) evalgate \(content.judged ? "gate" : "run"): \(content.headline)\(headlineDetail) (exit \(content.verdict.exitCode))")
        out.append("")
        var meta = "Run \(MarkdownText.code(content.run.id)) · model \(MarkdownText.code(content.model)) · config \(MarkdownText.code(String(content.configFingerprint.prefix(12))))"
        meta += " · \(content.caseCount) cases, \(content.scores.results) results"
        if let comparison {
            meta += " · baseline \(MarkdownText.code(comparison.baselineName)) (run \(MarkdownText.code(comparison.baselineRunID)))"
        } else if content.judged {
            meta += " · baseline \(MarkdownText.code(content.baselineName)): none yet"
        }
        out.append(meta)
        out.append("")
        out += scoreTable()

        let reasons = content.verdict.reasons.filter { !$0.contains("passed in the baseline and fails now") }
        if !reasons.isEmpty {
            out.append("")
            out.append("### Why")
            for reason in reasons { out.append("- " + MarkdownText.inline(reason, limit: 600)) }
        }

        let regressions = content.regressionsWorstFirst
        if !regressions.isEmpty {
            out.append("")
            out.append("### Regressions (\(regressions.count))")
            out.append("")
            for change in regressions.prefix(Self.listLimit) {
                var line = "- **\(change.kind == .adversarial ? "unsafe" : "not useful")** \(MarkdownText.code(change.key.description))"
                if let p = change.pValue, let a = change.baselinePasses, let n = change.baselineTrials, let b = change.currentPasses, let m = change.currentTrials {
                    line += " — \(a)/\(n) → \(b)/\(m) samples pass, p = \(String(format: "%.3f", p))"
                }
                line += " — " + MarkdownText.inline(change.reason ?? "failed")
                out.append(line)
                if withOutputs, let outputs = outputs[change.key], outputs.current != nil || outputs.baseline != nil {
                    out.append("  <details><summary>output now and in the baseline</summary>")
                    out.append("")
                    if let now = outputs.current {
                        out.append("  Now:")
                        out.append("")
                        out.append(indent(MarkdownText.block(now)))
                        out.append("")
                    }
                    if let then = outputs.baseline {
                        out.append("  Baseline:")
                        out.append("")
                        out.append(indent(MarkdownText.block(then)))
                        out.append("")
                    }
                    out.append("  </details>")
                }
            }
            if regressions.count > Self.listLimit {
                out.append("- … and \(regressions.count - Self.listLimit) more (see the HTML or JUnit report)")
            }
        }

        if !content.flaky.isEmpty {
            out.append("")
            out.append("### Flaky cases (\(content.flaky.count))")
            out.append("")
            out.append("Passed some samples and failed others.")
            out.append("")
            for summary in content.flaky.prefix(Self.listLimit) {
                var line = "- \(MarkdownText.code(summary.key.description)): \(summary.passes)/\(summary.samples - summary.errors) samples pass"
                if let interval = summary.passRateInterval {
                    line += " (Wilson 95%: \(GateJudge.percent(interval.lowerBound))–\(GateJudge.percent(interval.upperBound)))"
                }
                out.append(line)
            }
            if content.flaky.count > Self.listLimit { out.append("- … and \(content.flaky.count - Self.listLimit) more") }
        }

        if let comparison {
            let groups: [(String, [CaseKey])] = [
                ("Fixed", comparison.fixes.map(\.key)),
                ("Fell, not significantly", comparison.insignificantDrops.map(\.key)),
                ("Changed since the baseline (not compared)", comparison.changed),
                ("New", comparison.added),
                ("Removed", comparison.removed),
            ]
            let present = groups.filter { !$0.1.isEmpty }
            if !present.isEmpty {
                out.append("")
                out.append("### Cases changed since the baseline")
                out.append("")
                for (title, keys) in present {
                    let shown = keys.prefix(Self.listLimit).map { MarkdownText.code($0.description) }.joined(separator: ", ")
                    let more = keys.count > Self.listLimit ? ", … and \(keys.count - Self.listLimit) more" : ""
                    out.append("- \(title) (\(keys.count)): \(shown)\(more)")
                }
            }
        }

        if let diff = content.configDiff, !diff.isEmpty {
            out.append("")
            out.append("<details><summary>Config changes since the baseline (\(diff.changes.count))</summary>")
            out.append("")
            var text = diff.changes.joined(separator: "\n")
            if !diff.systemPromptDiff.isEmpty { text += "\n\n" + diff.systemPromptDiff.joined(separator: "\n") }
            out.append(MarkdownText.block(text, language: "diff", limit: 6000))
            out.append("")
            out.append("</details>")
        }

        for note in content.verdict.notes {
            out.append("")
            out.append("> **Note:** " + MarkdownText.inline(note, limit: 600))
        }
        if !reportFiles.isEmpty {
            out.append("")
            out.append("Reports: " + reportFiles.map(MarkdownText.code).joined(separator: ", "))
        }
        return out.joined(separator: "\n") + "\n"
    }

    private var icon: String {
        switch content.verdict.outcome {
        case .pass: "✅"
        case .regression: "❌"
        case .incomplete: "⚠️"
        }
    }

    private var headlineDetail: String {
        let count = content.comparison?.regressions.count ?? 0
        switch content.verdict.outcome {
        case .regression where count > 0: return " — \(count) case\(count == 1 ? "" : "s") regressed"
        case .incomplete: return " — run \(content.run.status.rawValue)"
        default: return ""
        }
    }

    private func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    }

    /// The four scores, the error rate, cost and p95 latency, now against the baseline.
    private func scoreTable() -> [String] {
        let compared = content.comparison != nil
        var rows = [compared ? "| | this run | baseline | change |" : "| | this run |", compared ? "|---|---:|---:|---:|" : "|---|---:|"]
        for row in ScoreRow.rows(of: content) {
            rows.append(compared ? "| \(row.name) | \(row.now) | \(row.baseline ?? "–") | \(row.change ?? "–") |" : "| \(row.name) | \(row.now) |")
        }
        return rows
    }
}
