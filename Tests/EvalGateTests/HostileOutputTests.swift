import EvalGateCore
import Foundation
import TestSupport
import Testing

/// A model that answers with everything a report or a terminal could choke on — control
/// characters, invalid UTF-8, 16 MiB of text, XML and HTML injection, ANSI escape sequences,
/// bidi overrides — run through the whole gate: every report stays valid and escaped, and nothing
/// raw reaches the terminal.
@Suite struct HostileOutputTests {
    static let script = "<script>document.body.setAttribute('data-pwned','script')</script>"
    static let image = "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">"

    /// The answer for each case, as raw bytes of a JSON string's content.
    static func answer(_ caseID: String) -> [UInt8] {
        switch caseID {
        case "controls": Array("bell\u{7} nul\\u0000 esc\u{1B}[2J\u{1B}]0;title\u{7} del\u{7F} c1\u{85}\u{9B}31m bidi\u{202E}txt.exe\u{202C}".utf8).map { $0 == 0x1B ? 0x1B : $0 }
        case "invalid-utf8": Array("broken ".utf8) + [0xFF, 0xFE, 0xC3, 0x28, 0xED, 0xA0, 0x80, 0xF4, 0x90, 0x80, 0x80] + Array(" end".utf8)
        case "markup": Array("\(script) \(image) </testcase></testsuite>]]><![CDATA[x]]> <!-- & &amp; \"quotes\" 'single' </script><svg onload=alert(1)>".utf8)
        case "markdown": Array("| cell | @channel ![x](http://evil.example/p.png) [click](javascript:alert(1)) ``` fenced ``` <details><summary>x</summary>".utf8)
        default: Array(String(repeating: "All work and no play makes a long answer. ", count: 16 * 1024 * 1024 / 42 + 1).utf8)  // 16 MiB
        }
    }

    static func body(_ caseID: String) -> [UInt8] {
        var json = Array(#"{"id": "h", "model": "hostile-1", "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": ""#.utf8)
        for byte in answer(caseID) {
            switch byte {
            case 0x22: json += [0x5C, 0x22]
            case 0x5C where caseID != "controls": json += [0x5C, 0x5C]
            case 0x0A: json += Array("\\n".utf8)
            case 0x00..<0x20 where byte != 0x1B && byte != 0x07 && byte != 0x0A: json += Array(String(format: "\\u%04x", byte).utf8)
            case 0x07, 0x1B: json += Array(String(format: "\\u%04x", byte).utf8)
            default: json.append(byte)
            }
        }
        json += Array(#""}}], "usage": {"prompt_tokens": 5, "completion_tokens": 5}}"#.utf8)
        return json
    }

    @Test func everyReportStaysValidAndNothingRawReachesTheTerminal() async throws {
        let server = try LoopbackServer { request in
            let caseID = (request.header("X-Request-ID") ?? "").split(separator: "/").dropFirst(2).first.map(String.init) ?? ""
            if caseID == "error-body" {
                // An error whose body the message quotes: the one place an endpoint's text reaches the summary.
                return .respondBytes(status: 500, headers: [("Content-Type", "text/plain")], body: Array("upstream \u{1B}[31mRED\u{1B}[0m \u{1B}]0;owned\u{7} \u{202E}gpj.exe \(Self.script)".utf8))
            }
            return .respondBytes(status: 200, headers: [("Content-Type", "application/json")], body: Self.body(caseID))
        }
        defer { server.stop() }
        let folder = try TemporaryDirectory()
        try folder.write("prompts/system.md", "You answer.\n")
        try folder.write("evalgate.yaml", """
            version: 1
            provider: {type: openai, model: hostile-1, base_url: "\(server.baseURL)/v1"}
            prompt: {system: prompts/system.md}
            run: {concurrency: 4, timeout: 30, retries: 0, max_response_mb: 20}
            suites: [suites]
            gate: {min_safety: null, max_error_rate: 0.5}
            """)
        let ids = ["controls", "invalid-utf8", "markup", "markdown", "huge", "error-body"]
        try folder.write("suites/golden/hostile.jsonl", ids.map { #"{"id": "\#($0)", "prompt": "Answer \#($0)", "expected_contains": ["this is never said"]}"# }.joined(separator: "\n") + "\n")

        let output = try await ProcessRunner.evalgateOnTerminal(["gate", "--verbose"], in: folder.url, environment: ["OPENAI_API_KEY": "sk-hostile", "NO_COLOR": "1"])
        #expect(output.status == 0, "no baseline yet: the gate passes and says so\n\(output.stdout.suffix(2000))")
        // The terminal saw the progress line's own controls (\r, ESC[K) and nothing from the model.
        let fromModel = output.stdout.replacingOccurrences(of: "\r\u{1B}[K", with: "").replacingOccurrences(of: "\r", with: "")
        #expect(!fromModel.contains("\u{1B}"), "no escape sequence from a model reaches the terminal")
        #expect(!fromModel.contains("\u{7}") && !fromModel.contains("\u{202E}") && !fromModel.contains("\u{9B}"))
        #expect(fromModel.contains("FAIL  hostile/controls #0"), "each case was reported")
        #expect(fromModel.contains("ERROR hostile/error-body #0") && fromModel.contains("\\u{1B}[31mRED"), "the endpoint's text is shown, escapes made visible")
        #expect(fromModel.contains("ERROR hostile/error-body sample 0: HTTP 500"), "and in the summary's errors")

        let reports = folder.url.appendingPathComponent("reports")
        let xsd = ExampleTests.repository.appendingPathComponent("Tests/Fixtures/junit/junit.xsd").path
        let lint = try await ProcessRunner.tool("xmllint", ["--noout", "--schema", xsd, reports.appendingPathComponent("junit.xml").path])
        #expect(lint.status == 0, "\(lint.stderr.prefix(2000))")

        let results = try JSONSource.value(try String(contentsOf: reports.appendingPathComponent("results.json"), encoding: .utf8))
        let schema = try JSONSource.value(try String(contentsOf: ExampleTests.repository.appendingPathComponent("docs/results.schema.json"), encoding: .utf8))
        #expect(JSONSchemaValidator(schema).violations(of: results) == [])
        let outputs = Dictionary(uniqueKeysWithValues: (results["cases"]?.arrayValue ?? []).compactMap { item -> (String, String)? in
            guard let id = item["id"]?.stringValue, let text = item["samples"]?.arrayValue?.first?["output"]?.stringValue else { return nil }
            return (id, text)
        })
        #expect(outputs["huge"]?.utf8.count ?? 0 >= 16 * 1024 * 1024, "JSON keeps the whole 16 MiB answer")
        #expect(outputs["invalid-utf8"] == "broken \u{FFFD}\u{FFFD}\u{FFFD}(\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD} end", "invalid UTF-8 arrives as replacement characters")
        #expect(outputs["markup"]?.contains(Self.script) == true, "the answer itself is kept as it was")

        let markdown = try String(contentsOf: reports.appendingPathComponent("summary.md"), encoding: .utf8)
        #expect(markdown.count < 65_536)
        #expect(!markdown.contains("\u{1B}") && !markdown.contains("\u{202E}"))

        let page = reports.appendingPathComponent("report.html")
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(html.utf8.count < 2_000_000, "the page keeps an excerpt of the 16 MiB answer: \(html.utf8.count) bytes")
        for id in ["markup", "controls"] {
            let dom = try await Browser.dumpDOM(page, fragment: "open=hostile%2F\(id)")
            #expect(dom.contains("data-ready=\"1\""))
            #expect(dom.range(of: #"<body[^>]*data-pwned"#, options: .regularExpression) == nil, "no planted script ran")
            #expect(!dom.contains("<svg onload") && !dom.contains("<img src=\"x\""))
        }
    }
}
