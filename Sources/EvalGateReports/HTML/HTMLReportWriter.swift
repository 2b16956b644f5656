import EvalGateCore
import Foundation

/// Writes `report.html`: one self-contained page with no external assets. The overview (verdict,
/// scores against the baseline with inline SVG charts, regressions, changes, config diff) is
/// written as escaped HTML; the cases stream into an `application/json` block that the page's
/// script shows a hundred at a time, filterable and sortable, so a browser opens a 100,000-case
/// report. Everything from a model is escaped, and the Content-Security-Policy lets only the
/// page's own script run.
public final class HTMLReportWriter {
    private let file: ReportFile
    private var first = true
    /// Output kept per sample in the page; the JSON report has all of it.
    static let outputLimit = 20_000

    public init(url: URL, content: ReportContent, reportFiles: [String] = []) throws {
        file = try ReportFile(url: url)
        try file.write(Self.head(content) + HTMLOverview(content: content, reportFiles: reportFiles).render() + Self.casesSection)
        file.append("<script type=\"application/json\" id=\"evalgate-data\">[")
    }

    /// Adds one case to the page's data.
    public func add(_ reportCase: ReportCase) throws {
        file.append(first ? "\n" : ",\n")
        first = false
        file.append(HTMLText.scriptSafeJSON(Self.caseValue(reportCase).canonicalText))
        try file.flushIfLarge()
    }

    /// Closes the page and moves it into place.
    public func finish() throws {
        file.append("\n]</script>\n<script>\(HTMLScript.source)</script>\n</main>\n</body>\n</html>\n")
        try file.finish()
    }

    /// The policy: nothing from the network, inline styles, data: images, and only the page's script.
    static var contentSecurityPolicy: String {
        let hash = Data(SHA256.digest(HTMLScript.source)).base64EncodedString()
        return "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-\(hash)'; base-uri 'none'; form-action 'none'"
    }

    static func head(_ content: ReportContent) -> String {
        let title = "evalgate \(content.judged ? "gate" : "run"): \(content.headline) — run \(content.run.id)"
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="\(contentSecurityPolicy)">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="evalgate \(HTMLText.escape(content.run.evalgateVersion))">
            <title>\(HTMLText.escape(title))</title>
            <style>\(HTMLStyle.source)</style>
            </head>
            <body>
            <main>

            """
    }

    static let casesSection = """
        <h2 id="cases">Cases</h2>
        <noscript><p>The case table needs JavaScript; results.json and junit.xml hold the same cases.</p></noscript>
        <div class="controls">
        <label>suite <select id="filter-suite"><option value="">all</option></select></label>
        <label>status <select id="filter-status"><option value="">all</option></select></label>
        <label>change <select id="filter-change"><option value="">all</option></select></label>
        <label>tag <select id="filter-tag"><option value="">all</option></select></label>
        <label>search <input id="filter-q" type="search" placeholder="case id or reason"></label>
        <span id="shown" class="muted"></span>
        </div>
        <table>
        <thead><tr><th data-sort="case">suite</th><th data-sort="case">case</th><th data-sort="status">status</th><th data-sort="change">change</th><th data-sort="score" class="num">score</th><th data-sort="latency" class="num">latency</th><th data-sort="cost" class="num">cost</th><th>first reason</th></tr></thead>
        <tbody id="case-rows"></tbody>
        </table>
        <div id="pager"></div>
        <section id="detail" hidden></section>

        """

    /// A case in the page's compact form (keys documented in docs/REPORTS.md).
    static func caseValue(_ reportCase: ReportCase) -> JSONValue {
        func text(_ value: String?) -> JSONValue {
            guard let value else { return .null }
            return .string(value.count > outputLimit ? String(value.prefix(outputLimit)) + "\n… (\(value.count) characters; results.json has all of it)" : value)
        }
        let samples: [JSONValue] = reportCase.samples.map { result in
            let response = result.response
            return [
                "n": .number(Double(result.sample)), "st": .string(result.status.rawValue), "o": text(response?.text),
                "tc": response.map { .array($0.toolCalls.map { ["name": .string($0.name), "arguments": $0.arguments] }) } ?? .null,
                "ck": .array(result.checks.map { [.bool($0.passed), .string($0.check), .string($0.reason)] }),
                "u": response.map { [JSONReport.optional($0.usage.inputTokens), JSONReport.optional($0.usage.outputTokens)] } ?? .null,
                "l": .number((result.latencyMs * 10).rounded() / 10), "id": .string(result.requestID), "e": JSONReport.optional(result.error),
                "m": JSONReport.optional(response?.servedModel), "ca": .bool(result.cached),
            ]
        }
        let baseline = reportCase.baseline.first
        return [
            "s": .string(reportCase.key.suite), "c": .string(reportCase.key.caseID), "k": .string(reportCase.kind.rawValue),
            "t": .array(reportCase.tags.map(JSONValue.string)), "st": .string(reportCase.status.rawValue), "ch": .string(reportCase.change.rawValue),
            "sc": .number(reportCase.score), "l": .number((reportCase.latencyMs * 10).rounded() / 10), "$": JSONReport.optional(reportCase.costUSD),
            "r": JSONReport.optional(reportCase.reason), "q": text(reportCase.promptText), "x": .array(samples),
            "b": baseline.map { ["st": .string(ReportCase.status(of: reportCase.baseline).rawValue), "o": text($0.response?.text ?? $0.error)] } ?? .null,
        ]
    }
}

/// Escaping for HTML text and attributes, and for JSON inside a `<script>` block.
public enum HTMLText {
    /// Text for an element or a double-quoted attribute: `& < > "` escaped; control characters
    /// and bidi overrides shown as `\u{202E}` rather than applied (as the page's script does).
    public static func escape(_ text: String) -> String {
        XMLText.escape(MarkdownText.isControlOrBidi(text) ? MarkdownText.showingControls(text) : text, attribute: true)
    }

    /// JSON text made safe inside `<script type="application/json">`: `<`, `>` and `&` become
    /// `\u003c`, `\u003e` and `\u0026` (they only occur inside strings, where JSON reads them back
    /// the same), so no `</script>` or `<!--` can appear; U+2028 and U+2029 are escaped too.
    public static func scriptSafeJSON(_ json: String) -> String {
        var needsWork = false
        for byte in json.utf8 where byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "&") || byte == 0xE2 {
            needsWork = true
            break
        }
        if !needsWork { return json }
        var out = ""
        out.reserveCapacity(json.utf8.count + 32)
        for scalar in json.unicodeScalars {
            switch scalar {
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
