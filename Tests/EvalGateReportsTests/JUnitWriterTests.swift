import EvalGateCore
import EvalGateReports
import Foundation
import TestSupport
import Testing

private func result(_ id: String, _ status: ResultStatus, text: String = "fine", sample: Int = 0) -> CaseResult {
    CaseResult(
        suite: "s<&>", kind: .golden, caseID: id, caseFingerprint: "f", sample: sample, status: status, score: status == .pass ? 1 : 0,
        checks: status == .fail ? [CheckResult(check: "expected_contains", passed: false, reason: "expected \"30 days\" — not found")] : [],
        response: status == .error ? nil : ModelResponse(text: text, latencyMs: 250), error: status == .error ? "HTTP 503 <html>" : nil,
        requestID: "req-\(id)", latencyMs: 250, finishedAt: Date())
}

private let hostile = "</testcase>]]><script>alert(1)</script> & \"quotes\" \u{0}\u{1}\u{1B}[31m\u{7}\u{FFFE} é 😀"

private func writeReport(_ folder: TemporaryDirectory) throws -> URL {
    let url = folder.url.appendingPathComponent("reports/junit.xml")
    let writer = try JUnitWriter(url: url, name: "evalgate", totals: .init(tests: 3, failures: 1, errors: 1, seconds: 1), properties: [("evalgate.model", hostile)])
    try writer.beginSuite(name: "s<&>", kind: .golden, counts: .init(tests: 3, failures: 1, errors: 1, seconds: 1), timestamp: Date())
    try writer.addCase([result("ok", .pass)])
    try writer.addCase([result("bad", .fail, text: hostile), result("bad", .pass, sample: 1)])
    try writer.addCase([result("down", .error)])
    try writer.finish()
    return url
}

@Suite struct JUnitWriterTests {
    @Test func theReportIsWellFormedWhateverTheModelPrinted() async throws {
        let folder = try TemporaryDirectory()
        let url = try writeReport(folder)
        let lint = try await ProcessRunner.tool("xmllint", ["--noout", url.path])
        #expect(lint.status == 0, "xmllint: \(lint.stderr)")
        let xml = try String(contentsOf: url, encoding: .utf8)
        #expect(!xml.contains("<script>"))
        #expect(!xml.contains("]]>"))
        #expect(xml.contains("&lt;/testcase&gt;]]&gt;&lt;script&gt;"))
        #expect(xml.contains("\\u{1B}[31m"), "control characters are shown, not written raw")
        #expect(!xml.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    }

    @Test func failuresCarryTheFirstReasonAndErrorsTheProviderMessage() async throws {
        let folder = try TemporaryDirectory()
        let url = try writeReport(folder)
        let xpath = try await ProcessRunner.tool("xmllint", [
            "--xpath",
            "concat(count(//testcase), '|', //testcase[@name='bad']/failure/@message, '|', //testcase[@name='down']/error/@message, '|', count(//testcase[@name='ok']/*), '|', //testsuite/@name)",
            url.path,
        ])
        #expect(xpath.stdout.trimmingCharacters(in: .newlines) == "3|expected \"30 days\" — not found|HTTP 503 <html>|0|s<&>")
        let xml = try String(contentsOf: url, encoding: .utf8)
        #expect(xml.contains("1 of 2 samples with a response passed (Wilson 95% interval 9.5%–90.5%)"))
        #expect(xml.contains("request id: req-bad"))
    }

    @Test func nothingIsLeftAtTheDestinationUntilFinish() throws {
        let folder = try TemporaryDirectory()
        let url = folder.url.appendingPathComponent("junit.xml")
        let writer = try JUnitWriter(url: url, name: "evalgate", totals: .init(), properties: [])
        try writer.addCase([result("ok", .pass)])
        #expect(!FileManager.default.fileExists(atPath: url.path))
        try writer.finish()
        #expect(FileManager.default.fileExists(atPath: url.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["junit.xml"])
    }
}
