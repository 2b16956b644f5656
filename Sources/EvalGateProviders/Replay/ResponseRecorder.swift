import EvalGateCore
import Foundation
import Synchronization

/// Writes responses as a replay recording while a run goes on (`evalgate run --record FILE`), so a
/// live run can be frozen into an offline fixture. One JSON line per case × sample, in the order
/// they finish; errors are recorded as `{"suite", "case", "sample", "error"}`.
public final class ResponseRecorder: Sendable {
    private let handle: Mutex<FileHandle>
    public let path: String

    /// Creates (or truncates) the file.
    public init(path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        handle = Mutex(try FileHandle(forWritingTo: url))
        self.path = path
    }

    /// Appends one line for `result`.
    public func record(_ result: CaseResult) throws {
        var fields: [(String, JSONValue)] = [
            ("suite", .string(result.suite)), ("case", .string(result.caseID)), ("sample", .number(Double(result.sample))),
        ]
        if let response = result.response {
            fields += ResponseDecoding.encode(response)
        } else {
            fields.append(("error", .string(result.error ?? "unknown error")))
            fields.append(("latency_ms", .number((result.latencyMs * 10).rounded() / 10)))
        }
        var line = "{"
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { line += "," }
            JSONValue.writeString(key, to: &line)
            line += ":" + value.canonicalText
        }
        line += "}\n"
        let data = Data(line.utf8)
        try handle.withLock { try $0.write(contentsOf: data) }
    }

    /// Flushes and closes the file.
    public func close() throws {
        try handle.withLock { try $0.close() }
    }
}
