import EvalGateCore
import Foundation

/// Answers from a recording: a JSONL file with one response per line,
/// `{"suite", "case", "sample", "text", "tool_calls", "usage", "latency_ms"}` (or `"error"` for a
/// recorded failure). Offline and deterministic; a case with no line is an error result.
public struct ReplayProvider: Provider {
    /// The recording as read (one copy: its UTF-8 is read in place); each answer is decoded from
    /// its line when asked for.
    private let text: String
    /// Every line's key and where the line lies, sorted by key for a binary search. (A dictionary
    /// of decoded answers was 70 MB for 100,000 lines; this is the file plus 40-odd bytes a line.)
    private let index: [Entry]
    private let file: String

    struct ReplayKey: Hashable, Sendable, Comparable {
        var suite: String
        var caseID: String
        var sample: Int

        static func < (a: ReplayKey, b: ReplayKey) -> Bool {
            if a.suite != b.suite { return a.suite < b.suite }
            if a.caseID != b.caseID { return a.caseID < b.caseID }
            return a.sample < b.sample
        }
    }

    struct Entry: Sendable {
        var key: ReplayKey
        var start: Int
        var end: Int
        var line: Int
    }

    /// Reads and checks the whole recording.
    ///
    /// - Throws: `ValidationError` naming the line of every malformed or duplicated entry.
    public init(recording url: URL, displayPath: String) throws(ValidationError) {
        var text = try SourceFile.read(url, displayPath: displayPath)
        var log = DiagnosticLog()
        // Byte offsets of each line's start, to find a parsed line's bytes again by its number
        // (and to size the index: one entry a line at most).
        var lineStarts: [Int] = [0]
        let total = text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return 0 }
            var cursor = base
            while cursor < base + bytes.count, let found = memchr(cursor, 0x0A, base + bytes.count - cursor) {
                cursor = UnsafePointer(found.assumingMemoryBound(to: UInt8.self)) + 1
                lineStarts.append(cursor - base)
            }
            return bytes.count
        }
        var entries: [Entry] = []
        entries.reserveCapacity(lineStarts.count)
        JSONSource.forEachLineValue(text, file: displayPath, log: &log) { value, line, log in
            let at = SourceLocation(file: displayPath, line: line, column: 1)
            guard case .object(let members) = value else {
                log.error(at, "each line must be a JSON object, found \(value.typeName)")
                return
            }
            guard case .string(let suite)? = members["suite"], case .string(let caseID)? = members["case"] else {
                log.error(at, "each line needs string fields 'suite' and 'case'")
                return
            }
            var sample = 0
            if let value = members["sample"] {
                guard case .number(let number) = value, number >= 0, number == number.rounded() else {
                    log.error(at, "'sample' must be a whole number from 0")
                    return
                }
                sample = Int(number)
            }
            if case .string? = members["error"] {
                // A recorded failure: nothing more to check.
            } else {
                do throws(ProviderFailure) {
                    _ = try ResponseDecoding.decode(.object(members))
                } catch {
                    log.error(at, error.message)
                    return
                }
            }
            let start = lineStarts[line - 1]
            let end = line < lineStarts.count ? lineStarts[line] - 1 : total
            entries.append(Entry(key: ReplayKey(suite: suite, caseID: caseID, sample: sample), start: start, end: end, line: line))
        }
        // Duplicates, found by sorting: the later line is the one reported.
        entries.sort { $0.key != $1.key ? $0.key < $1.key : $0.line < $1.line }
        for (previous, entry) in zip(entries, entries.dropFirst()) where previous.key == entry.key {
            log.error(
                SourceLocation(file: displayPath, line: entry.line, column: 1),
                "a second response for \(entry.key.suite)/\(entry.key.caseID) sample \(entry.key.sample)")
        }
        try log.throwIfAny()
        self.text = text
        self.index = entries
        self.file = displayPath
    }

    public func respond(to request: ProviderRequest) async throws(ProviderFailure) -> ModelResponse {
        let key = ReplayKey(suite: request.suite, caseID: request.caseID, sample: request.sample)
        var low = 0, high = index.count
        while low < high {
            let middle = (low + high) / 2
            if index[middle].key < key { low = middle + 1 } else { high = middle }
        }
        guard low < index.count, index[low].key == key else {
            throw ProviderFailure("no recorded response for \(request.suite)/\(request.caseID) sample \(request.sample) in \(file)")
        }
        let entry = index[low]
        // The line was checked when the recording was read; it decodes the same way now.
        let parsed = text.utf8.withContiguousStorageIfAvailable { bytes in
            try? JSONSource.value(bytes: UnsafeBufferPointer(rebasing: bytes[entry.start..<entry.end]), file: file, line: entry.line)
        }
        guard let value = parsed ?? nil else {
            throw ProviderFailure("line \(entry.line) of \(file) could not be read again")
        }
        if case .string(let message)? = value["error"] {
            throw ProviderFailure(message, latencyMs: value["latency_ms"]?.numberValue ?? 0)
        }
        return try ResponseDecoding.decode(value)
    }
}
