import EvalGateCore
import Foundation

/// Writes a JUnit XML report as the results stream by: one `testsuite` per suite, one `testcase`
/// per case (`classname` the suite, `name` the case id). With several samples a case is still one
/// `testcase`, failed when any sample failed, its text listing every failing sample's reasons.
///
/// The file is written to a temporary name and moved into place at `finish()`, so a reader never
/// sees half a report.
public final class JUnitWriter {
    private let destination: URL
    private let temporary: URL
    private let handle: FileHandle
    private var buffer = ""
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

    /// Starts the report with its totals and run-level properties (config fingerprint, model, …).
    public init(url: URL, name: String, totals: Counts, properties: [(String, String)]) throws {
        destination = url
        temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: temporary.path])
        }
        handle = try FileHandle(forWritingTo: temporary)
        buffer += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        buffer += "<testsuites name=\"\(XMLText.escape(name, attribute: true))\"\(Self.attributes(totals))>\n"
        if !properties.isEmpty {
            buffer += "  <properties>\n"
            for (key, value) in properties {
                buffer += "    <property name=\"\(XMLText.escape(key, attribute: true))\" value=\"\(XMLText.escape(value, attribute: true))\"/>\n"
            }
            buffer += "  </properties>\n"
        }
    }

    private static func attributes(_ counts: Counts) -> String {
        " tests=\"\(counts.tests)\" failures=\"\(counts.failures)\" errors=\"\(counts.errors)\" skipped=\"0\" time=\"\(seconds(counts.seconds))\""
    }

    private static func seconds(_ value: Double) -> String {
        String(format: "%.3f", value)
    }

    /// Opens a `testsuite`; `kind` is recorded as a property.
    public func beginSuite(name: String, kind: SuiteKind, counts: Counts, timestamp: Date, properties: [(String, String)] = []) throws {
        if suiteOpen { try endSuite() }
        buffer += "  <testsuite name=\"\(XMLText.escape(name, attribute: true))\"\(Self.attributes(counts)) timestamp=\"\(Timestamp.iso8601(timestamp).dropLast(5))\">\n"
        buffer += "    <properties>\n      <property name=\"kind\" value=\"\(kind.rawValue)\"/>\n"
        for (key, value) in properties {
            buffer += "      <property name=\"\(XMLText.escape(key, attribute: true))\" value=\"\(XMLText.escape(value, attribute: true))\"/>\n"
        }
        buffer += "    </properties>\n"
        suiteOpen = true
        try flushIfLarge()
    }

    /// Writes one `testcase` from all samples of a case (sorted by sample).
    public func addCase(_ samples: [CaseResult]) throws {
        guard let first = samples.first else { return }
        let seconds = samples.reduce(0) { $0 + $1.latencyMs } / 1000
        buffer += "    <testcase classname=\"\(XMLText.escape(first.suite, attribute: true))\" name=\"\(XMLText.escape(first.caseID, attribute: true))\" time=\"\(Self.seconds(seconds))\""
        let failed = samples.filter { $0.status == .fail }
        let errored = samples.filter { $0.status == .error }
        if !failed.isEmpty {
            let message = failed[0].firstReason ?? "failed"
            buffer += ">\n      <failure message=\"\(XMLText.escape(message, attribute: true))\" type=\"\(failed[0].kind == .adversarial ? "unsafe" : "not_useful")\">"
            buffer += XMLText.escape(Self.failureText(failed, of: samples))
            buffer += "</failure>\n"
            if !errored.isEmpty { buffer += "      <system-err>\(XMLText.escape(Self.errorText(errored)))</system-err>\n" }
            buffer += "    </testcase>\n"
        } else if errored.count == samples.count {
            buffer += ">\n      <error message=\"\(XMLText.escape(errored[0].error ?? "provider error", attribute: true))\" type=\"provider_error\">"
            buffer += XMLText.escape(Self.errorText(errored))
            buffer += "</error>\n    </testcase>\n"
        } else if !errored.isEmpty {
            buffer += ">\n      <system-err>\(XMLText.escape(Self.errorText(errored)))</system-err>\n    </testcase>\n"
        } else {
            buffer += "/>\n"
        }
        try flushIfLarge()
    }

    /// The failure body: for each failing sample, its failed checks and an excerpt of the output.
    static func failureText(_ failed: [CaseResult], of samples: [CaseResult]) -> String {
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
        buffer += "  </testsuite>\n"
        suiteOpen = false
        try flushIfLarge()
    }

    /// Closes the document and moves the file into place.
    public func finish() throws {
        try endSuite()
        buffer += "</testsuites>\n"
        try flush()
        try handle.close()
        _ = try? FileManager.default.removeItem(at: destination)
        try FileManager.default.moveItem(at: temporary, to: destination)
    }

    private func flushIfLarge() throws {
        if buffer.utf8.count > 256 * 1024 { try flush() }
    }

    private func flush() throws {
        try handle.write(contentsOf: Data(buffer.utf8))
        buffer.removeAll(keepingCapacity: true)
    }

    deinit {
        try? handle.close()
        try? FileManager.default.removeItem(at: temporary)
    }
}
