import EvalGateCore
import Foundation

/// Writes a JUnit XML report as the results stream by: one `testsuite` per suite, one `testcase`
/// per case (`classname` the suite, `name` the case id). With several samples a case is still one
/// `testcase`, failed when any sample failed, its text listing every failing sample's reasons and
/// the pass count.
///
/// The document keeps to the JUnit schema Jenkins and GitLab accept (xunit-plugin's junit-10.xsd):
/// the `testsuites` root holds only `testsuite` elements, so the run's properties (fingerprint,
/// model, baseline, verdict) are repeated in each suite's `properties`. The file is written to a
/// temporary name and moved into place at `finish()`, so a reader never sees half a report.
public final class JUnitWriter {
    private let file: ReportFile
    private let runProperties: [(String, String)]
    private var suiteOpen = false

    /// Counts for a `testsuites` or `testsuite` element.
    public struct Counts: Sendable, Hashable {
        public var tests = 0
        public var failures = 0
        public var errors = 0
        public var seconds = 0.0

        public init(tests: Int = 0, failures: Int = 0, errors: Int = 0, seconds: Double = 0) {
            self.tests = tests
            self.failures = failures
            self.errors = errors
            self.seconds = seconds
        }
    }

    /// Starts the report with its totals; `properties` (config fingerprint, model, …) go into
    /// every suite.
    public init(url: URL, name: String, totals: Counts, properties: [(String, String)]) throws {
        file = try ReportFile(url: url)
        runProperties = properties
        file.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        file.append("<testsuites name=\"\(XMLText.escape(name, attribute: true))\" tests=\"\(totals.tests)\" failures=\"\(totals.failures)\" errors=\"\(totals.errors)\" time=\"\(Self.seconds(totals.seconds))\">\n")
    }

    /// `%.3f`, through C's formatter: Foundation's `String(format:)` built a CFString for every
    /// test case, half of the JUnit writer's time.
    static func seconds(_ value: Double) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            let base = buffer.baseAddress!
            let written = withVaList([value]) { vsnprintf(base, 64, "%.3f", $0) }
            return written > 0 && written < 64 ? String(cString: base) : String(format: "%.3f", value)
        }
    }

    /// Opens a `testsuite`; `kind` is recorded as a property, after the run's.
    public func beginSuite(name: String, kind: SuiteKind, counts: Counts, timestamp: Date, properties: [(String, String)] = []) throws {
        if suiteOpen { try endSuite() }
        file.append("  <testsuite name=\"\(XMLText.escape(name, attribute: true))\" tests=\"\(counts.tests)\" failures=\"\(counts.failures)\" errors=\"\(counts.errors)\" skipped=\"0\" time=\"\(Self.seconds(counts.seconds))\" timestamp=\"\(Timestamp.iso8601(timestamp).dropLast(5))\">\n")
        file.append("    <properties>\n")
        for (key, value) in runProperties + [("evalgate.suite_kind", kind.rawValue)] + properties {
            file.append("      <property name=\"\(XMLText.escape(key, attribute: true))\" value=\"\(XMLText.escape(value, attribute: true))\"/>\n")
        }
        file.append("    </properties>\n")
        suiteOpen = true
        try file.flushIfLarge()
    }

    /// Writes one `testcase` from all samples of a case (sorted by sample).
    public func addCase(_ samples: ArraySlice<CaseResult>) throws {
        guard !samples.isEmpty else { return }
        // Fields read in place: copying each `CaseResult` retains all of its strings.
        var milliseconds = 0.0
        var failures = 0, errors = 0
        for index in samples.indices {
            milliseconds += samples[index].latencyMs
            switch samples[index].status {
            case .fail: failures += 1
            case .error: errors += 1
            case .pass: break
            }
        }
        let first = samples.startIndex
        file.append("    <testcase classname=\"\(XMLText.escape(samples[first].suite, attribute: true))\" name=\"\(XMLText.escape(samples[first].caseID, attribute: true))\" time=\"\(Self.seconds(milliseconds / 1000))\"")
        if failures == 0 && errors == 0 {
            file.append("/>\n")
            try file.flushIfLarge()
            return
        }
        let failed = samples.filter { $0.status == .fail }
        let errored = samples.filter { $0.status == .error }
        if !failed.isEmpty {
            let message = failed[0].firstReason ?? "failed"
            file.append(">\n      <failure message=\"\(XMLText.escape(message, attribute: true))\" type=\"\(failed[0].kind == .adversarial ? "unsafe" : "not_useful")\">")
            file.append(XMLText.escape(Self.failureText(failed, of: samples)))
            file.append("</failure>\n")
            if !errored.isEmpty { file.append("      <system-err>\(XMLText.escape(Self.errorText(errored)))</system-err>\n") }
            file.append("    </testcase>\n")
        } else if errored.count == samples.count {
            file.append(">\n      <error message=\"\(XMLText.escape(errored[0].error ?? "provider error", attribute: true))\" type=\"provider_error\">")
            file.append(XMLText.escape(Self.errorText(errored)))
            file.append("</error>\n    </testcase>\n")
        } else if !errored.isEmpty {
            file.append(">\n      <system-err>\(XMLText.escape(Self.errorText(errored)))</system-err>\n    </testcase>\n")
        } else {
            file.append("/>\n")
        }
        try file.flushIfLarge()
    }

    /// The failure body: for each failing sample, its failed checks and an excerpt of the output.
    static func failureText(_ failed: [CaseResult], of samples: ArraySlice<CaseResult>) -> String {
        var text = ""
        let total = samples.count
        if total > 1 {
            let passed = samples.filter { $0.status == .pass }.count
            let scored = samples.filter { $0.status != .error }.count
            text = "\(passed) of \(scored) samples with a response passed"
            if let interval = Statistics.wilson(successes: passed, trials: scored) {
                text += " (Wilson 95% interval \(GateJudge.percent(interval.lowerBound))–\(GateJudge.percent(interval.upperBound)))"
            }
            text += "\n"
        }
        for result in failed {
            if total > 1 { text += "sample \(result.sample):\n" }
            for check in result.checks where !check.passed { text += "- \(check.reason)\n" }
            if let output = result.response?.text {
                text += "output: \(excerpt(output))\n"
            }
            text += "request id: \(result.requestID)\n"
        }
        return text
    }

    static func errorText(_ errored: [CaseResult]) -> String {
        errored.map { "sample \($0.sample): \($0.error ?? "provider error") (request id \($0.requestID))" }.joined(separator: "\n")
    }

    /// The first 2,000 characters of an output.
    static func excerpt(_ text: String) -> String {
        text.count > 2000 ? String(text.prefix(2000)) + "… (\(text.count) characters)" : text
    }

    /// Closes the current `testsuite`.
    public func endSuite() throws {
        guard suiteOpen else { return }
        file.append("  </testsuite>\n")
        suiteOpen = false
        try file.flushIfLarge()
    }

    /// Closes the document and moves the file into place.
    public func finish() throws {
        try endSuite()
        file.append("</testsuites>\n")
        try file.finish()
    }
}
