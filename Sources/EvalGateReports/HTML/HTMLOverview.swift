import EvalGateCore
import Foundation

/// The top of the HTML report, written as escaped HTML: it reads without the script.
struct HTMLOverview {
    var content: ReportContent
    var reportFiles: [String]

    static let listLimit = 50

    func render() -> String {
        let e = HTMLText.escape
        var html = ""
        let outcome = content.verdict.outcome.rawValue
        html += "<section class=\"verdict \(outcome)\" id=\"verdict\">\n"
        html += "<h1>evalgate \(content.judged ? "gate" : "run"): <span data-outcome=\"\(outcome)\">\(content.headline)</span> <span class=\"muted\">(exit \(content.verdict.exitCode))</span></h1>\n"
        var meta = "run <code>\(e(content.run.id))</code> · \(e(content.run.status.rawValue)) · model <code>\(e(content.model))</code> (\(e(content.provider)))"
        meta += " · config <code>\(e(String(content.configFingerprint.prefix(12))))</code> · \(content.caseCount) cases, \(content.scores.results) results"
        if let commit = content.run.gitCommit { meta += " · commit <code>\(e(String(commit.prefix(12))))</code>" }
        if let comparison = content.comparison {
            meta += " · baseline <code>\(e(comparison.baselineName))</code> = run <code>\(e(comparison.baselineRunID))</code>"
        } else if content.judged {
            meta += " · baseline <code>\(e(content.baselineName))</code>: none yet"
        }
        html += "<div class=\"muted\">\(meta)</div>\n"
        html += "<div class=\"muted\">started \(e(Timestamp.iso8601(content.run.startedAt)))\(content.run.endedAt.map { " · ended " + e(Timestamp.iso8601($0)) } ?? "") · evalgate \(e(content.run.evalgateVersion))</div>\n"
        let reasons = content.verdict.reasons
        if !reasons.isEmpty {
            html += "<ul class=\"reasons\">\n"
            for reason in reasons.prefix(Self.listLimit) { html += "<li>\(e(reason))</li>\n" }
            html += "</ul>\n"
        }
        html += "</section>\n"

        html += "<h2>Scores</h2>\n<div class=\"overview\">\n<table class=\"scores\">\n"
        let compared = content.comparison != nil
        html += compared ? "<thead><tr><th></th><th class=\"num\">this run</th><th class=\"num\">baseline</th><th class=\"num\">change</th></tr></thead>\n" : "<thead><tr><th></th><th class=\"num\">this run</th></tr></thead>\n"
        html += "<tbody>\n"
        let rows = ScoreRow.rows(of: content)
        for row in rows {
            html += "<tr><th>\(e(row.name))</th><td class=\"num\">\(e(row.now))</td>"
            if compared { html += "<td class=\"num\">\(e(row.baseline ?? "–"))</td><td class=\"num\">\(e(row.change ?? "–"))</td>" }
            html += "</tr>\n"
        }
        html += "</tbody>\n</table>\n<div>\n"
        html += SVGChart.scores(rows.filter { $0.fractionNow != nil })
        html += SVGChart.suites(content.scores.suites)
        html += "</div>\n</div>\n"

        let regressions = content.regressionsWorstFirst
        if !regressions.isEmpty {
            html += "<h2 id=\"regressions\">Regressions (\(regressions.count))</h2>\n<ol class=\"regressions\">\n"
            for change in regressions.prefix(Self.listLimit) {
                var counts = ""
                if let p = change.pValue, let a = change.baselinePasses, let n = change.baselineTrials, let b = change.currentPasses, let m = change.currentTrials {
                    counts = " \(a)/\(n) → \(b)/\(m) samples pass, p = \(String(format: "%.3f", p)) —"
                }
                html += "<li><span class=\"badge fail\">\(change.kind == .adversarial ? "unsafe" : "not useful")</span> <a class=\"mono\" href=\"#open=\(Self.fragment(change.key.description))\">\(e(change.key.description))</a>\(counts) \(e(change.reason ?? "failed"))</li>\n"
            }
            if regressions.count > Self.listLimit { html += "<li class=\"muted\">… and \(regressions.count - Self.listLimit) more: filter the cases by change “regressed”</li>\n" }
            html += "</ol>\n"
        }
        if !content.flaky.isEmpty {
            html += "<h2>Flaky cases (\(content.flaky.count))</h2>\n<ul>\n"
            for summary in content.flaky.prefix(Self.listLimit) {
                var line = "\(summary.passes)/\(summary.samples - summary.errors) samples pass"
                if let interval = summary.passRateInterval {
                    line += " (Wilson 95%: \(GateJudge.percent(interval.lowerBound))–\(GateJudge.percent(interval.upperBound)))"
                }
                html += "<li><a class=\"mono\" href=\"#open=\(Self.fragment(summary.key.description))\">\(e(summary.key.description))</a> \(e(line))</li>\n"
            }
            html += "</ul>\n"
        }
        if let comparison = content.comparison {
            let groups: [(String, Int)] = [
                ("fixed", comparison.fixes.count), ("fell, not significantly", comparison.insignificantDrops.count),
                ("changed (not compared)", comparison.changed.count), ("new", comparison.added.count), ("removed", comparison.removed.count),
            ].filter { $0.1 > 0 }
            if !groups.isEmpty {
                html += "<h2>Cases changed since the baseline</h2>\n<p>" + groups.map { "\($0.1) \(e($0.0))" }.joined(separator: " · ") + "</p>\n"
                if !comparison.removed.isEmpty {
                    html += "<p class=\"muted\">removed: " + comparison.removed.prefix(Self.listLimit).map { "<code>\(e($0.description))</code>" }.joined(separator: ", ") + "</p>\n"
                }
            }
        }
        if let diff = content.configDiff, !diff.isEmpty {
            var text = diff.changes.joined(separator: "\n")
            if !diff.systemPromptDiff.isEmpty { text += "\n\n" + diff.systemPromptDiff.joined(separator: "\n") }
            html += "<h2>Config changes since the baseline</h2>\n<pre class=\"output\">\(e(text))</pre>\n"
        }
        if !content.verdict.notes.isEmpty {
            html += "<h2>Notes</h2>\n<ul>\n" + content.verdict.notes.map { "<li>\(e($0))</li>\n" }.joined() + "</ul>\n"
        }
        if !reportFiles.isEmpty {
            html += "<p class=\"muted\">Other reports: " + reportFiles.map { "<code>\(e($0))</code>" }.joined(separator: ", ") + "</p>\n"
        }
        return html
    }

    /// A case key percent-encoded for a link's fragment (the page's script decodes it).
    static func fragment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// Small inline SVG charts: no script, no external font, text escaped.
enum SVGChart {
    private static func open(_ label: String, width: Double, height: Double) -> String {
        "<svg class=\"chart\" role=\"img\" aria-label=\"\(label)\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">\n"
    }

    /// Each score now (solid) and in the baseline (outline), as horizontal bars.
    static func scores(_ rows: [ScoreRow]) -> String {
        guard !rows.isEmpty else { return "" }
        let width = 340.0, label = 96.0, bar = width - label - 46
        let height = Double(rows.count) * 34 + 8
        var svg = open("scores now and in the baseline", width: width, height: height)
        for (index, row) in rows.enumerated() {
            let y = Double(index) * 34 + 4
            let now = max(0, min(1, row.fractionNow ?? 0))
            svg += "<text x=\"0\" y=\"\(y + 13)\">\(HTMLText.escape(row.name))</text>\n"
            svg += "<rect x=\"\(label)\" y=\"\(y + 2)\" width=\"\(bar)\" height=\"14\" fill=\"none\" stroke=\"#d1d9e0\"/>\n"
            svg += "<rect x=\"\(label)\" y=\"\(y + 2)\" width=\"\(String(format: "%.1f", bar * now))\" height=\"14\" fill=\"\(now >= 0.999 ? "#1a7f37" : "#0969da")\"><title>this run \(GateJudge.percent(now))</title></rect>\n"
            svg += "<text x=\"\(label + bar + 4)\" y=\"\(y + 13)\">\(GateJudge.percent(now))</text>\n"
            if let then = row.fractionBaseline {
                let clamped = max(0, min(1, then))
                svg += "<rect x=\"\(label)\" y=\"\(y + 19)\" width=\"\(String(format: "%.1f", bar * clamped))\" height=\"6\" fill=\"#8c959f\"><title>baseline \(GateJudge.percent(clamped))</title></rect>\n"
            }
        }
        return svg + "</svg>\n"
    }

    /// Each suite's cases as a stacked bar: passed, failed, errored.
    static func suites(_ suites: [ScoreBoard.SuiteScore]) -> String {
        guard !suites.isEmpty else { return "" }
        let width = 340.0, label = 120.0, bar = width - label - 10
        let height = Double(suites.count) * 22 + 8
        var svg = open("cases per suite: passed, failed, errored", width: width, height: height)
        for (index, suite) in suites.enumerated() {
            let y = Double(index) * 22 + 4
            let total = Double(max(1, suite.line.cases))
            let name = suite.name.count > 18 ? String(suite.name.prefix(17)) + "…" : suite.name
            svg += "<text x=\"0\" y=\"\(y + 12)\">\(HTMLText.escape(name))<title>\(HTMLText.escape(suite.name))</title></text>\n"
            var x = label
            for (count, colour, what) in [(suite.line.passed, "#1a7f37", "passed"), (suite.line.failed, "#cf222e", "failed"), (suite.line.errored, "#9a6700", "errored")] where count > 0 {
                let w = bar * Double(count) / total
                svg += "<rect x=\"\(String(format: "%.1f", x))\" y=\"\(y + 2)\" width=\"\(String(format: "%.1f", w))\" height=\"14\" fill=\"\(colour)\"><title>\(count) \(what)</title></rect>\n"
                x += w
            }
        }
        return svg + "</svg>\n"
    }
}
