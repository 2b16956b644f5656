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
    private var writer = JSONWriter(capacity: 16 * 1024)
    private var safe: [UInt8] = []
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
        writer.reset()
        safe.removeAll(keepingCapacity: true)
        Self.write(reportCase, into: &writer)
        HTMLText.scriptSafeJSON(writer.bytes, into: &safe)
        file.append(bytes: safe)
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

    /// An output cut to `outputLimit` characters, with a note of its length.
    static func excerpt(_ value: String?) -> String? {
        guard let value else { return nil }
        guard value.utf8.count > outputLimit, value.count > outputLimit else { return value }
        return String(value.prefix(outputLimit)) + "\n… (\(value.count) characters; results.json has all of it)"
    }

    /// A case in the page's compact form, keys sorted (documented in docs/REPORTS.md). The request
    /// goes in as its stored JSON text, which the page parses when the case is opened.
    static func write(_ reportCase: ReportCase, into json: inout JSONWriter) {
        json.beginObject()
        json.key("$"); json.number(reportCase.costUSD)
        json.key("b")
        if !reportCase.baseline.isEmpty {
            json.beginObject()
            let first = reportCase.baseline.startIndex
            json.key("o"); json.string(excerpt(reportCase.baseline[first].response?.text ?? reportCase.baseline[first].error))
            json.key("st"); json.string(ReportCase.status(of: reportCase.baseline).rawValue)
            json.endObject()
        } else {
            json.null()
        }
        json.key("c"); json.string(reportCase.key.caseID)
        json.key("ch"); json.string(reportCase.change.rawValue)
        json.key("k"); json.string(reportCase.kind.rawValue)
        json.key("l"); json.number((reportCase.latencyMs * 10).rounded() / 10)
        json.key("q"); json.string(reportCase.requestJSON)
        json.key("r"); json.string(reportCase.reason)
        json.key("s"); json.string(reportCase.key.suite)
        json.key("sc"); json.number(reportCase.score)
        json.key("st"); json.string(reportCase.status.rawValue)
        json.array("t") { json in
            for tag in reportCase.tags { json.string(tag) }
        }
        json.key("x"); json.beginArray()
        reportCase.samples.withUnsafeBufferPointer { samples in
            for index in samples.indices { writeSample(samples.baseAddress! + index, into: &json) }
        }
        json.endArray()
        json.endObject()
    }

    /// One sample of a case, read in place through a pointer into its case's array (as
    /// `JSONReport.write(_:into:)` reads them: a value would be copied first).
    private static func writeSample(_ sample: UnsafePointer<CaseResult>, into json: inout JSONWriter) {
        json.beginObject()
        json.key("ca"); json.bool(sample.pointee.cached)
        json.key("ck"); json.beginArray()
        for index in sample.pointee.checks.indices {
            json.beginArray()
            json.bool(sample.pointee.checks[index].passed)
            json.string(sample.pointee.checks[index].check)
            json.string(sample.pointee.checks[index].reason)
            json.endArray()
        }
        json.endArray()
        json.key("e"); json.string(sample.pointee.error)
        json.key("id"); json.string(sample.pointee.requestID)
        json.key("l"); json.number((sample.pointee.latencyMs * 10).rounded() / 10)
        json.key("m"); json.string(sample.pointee.response?.servedModel)
        json.key("n"); json.number(sample.pointee.sample)
        json.key("o"); json.string(excerpt(sample.pointee.response?.text))
        json.key("st"); json.string(sample.pointee.status.rawValue)
        json.key("tc")
        if let calls = sample.pointee.response?.toolCalls { json.toolCalls(calls) } else { json.null() }
        json.key("u")
        if let usage = sample.pointee.response?.usage {
            json.beginArray()
            json.number(usage.inputTokens)
            json.number(usage.outputTokens)
            json.endArray()
        } else {
            json.null()
        }
        json.endObject()
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
    public static func scriptSafeJSON(_ json: [UInt8], into out: inout [UInt8]) {
        // Runs of bytes that need nothing are copied whole: a byte at a time, with a capacity
        // check each, this was the HTML writer's largest cost.
        json.withUnsafeBufferPointer { bytes in
            let count = bytes.count
            var copied = 0
            var index = 0
            while index < count {
                let byte = bytes[index]
                var width = 1
                let escape: StaticString
                switch byte {
                case UInt8(ascii: "<"): escape = "\\u003c"
                case UInt8(ascii: ">"): escape = "\\u003e"
                case UInt8(ascii: "&"): escape = "\\u0026"
                case 0xE2 where index + 2 < count && bytes[index + 1] == 0x80 && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):
                    escape = bytes[index + 2] == 0xA8 ? "\\u2028" : "\\u2029"
                    width = 3
                default:
                    index += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<index]))
                out.append(contentsOf: UnsafeBufferPointer(start: escape.utf8Start, count: escape.utf8CodeUnitCount))
                index += width
                copied = index
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<count]))
        }
    }
}
