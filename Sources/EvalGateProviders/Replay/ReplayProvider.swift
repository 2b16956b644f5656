import EvalGateCore
import Foundation

/// Answers from a recording: a JSONL file with one response per line,
/// `{"suite", "case", "sample", "text", "tool_calls", "usage", "latency_ms"}` (or `"error"` for a
/// recorded failure). Offline and deterministic; a case with no line is an error result.
public struct ReplayProvider: Provider {
    /// The recording, read again a line at a time as answers are asked for: it is checked whole
    /// when the provider is made, but never held (100,000 lines were 17 MB of text and 6 MB of
    /// index; the index is now 32 bytes a line).
    private let lines: RecordedLines

    /// Reads and checks the whole recording, a block of lines at a time.
    ///
    /// - Throws: `ValidationError` naming the line of every malformed or duplicated entry.
    public init(recording url: URL, displayPath: String) throws(ValidationError) {
        var reader = try LineBlockReader(url, displayPath: displayPath)
        var log = DiagnosticLog()
        var entries: [RecordedLines.Entry] = []
        while let block = try reader.next() {
            let starts = block.lineStarts
            var text = block.text
            text.withUTF8 { bytes in
                JSONSource.forEachLineValue(block.text, file: displayPath, firstLine: block.firstLine, log: &log) { value, line, log in
                    guard let key = Self.check(value, at: SourceLocation(file: displayPath, line: line, column: 1), log: &log) else { return }
                    let place = block.place(ofLine: line, starts: starts, in: bytes)
                    entries.append(RecordedLines.Entry(
                        key: key.hash, offset: Int64(place.offset), length: UInt32(place.length), line: UInt32(line), digest: place.digest))
                }
            }
        }
        // Duplicates, found by sorting: the later line is the one reported. Equal hashes are
        // compared by their keys, read again (a hash shared by two keys is not a duplicate).
        entries.sort { $0.key != $1.key ? $0.key < $1.key : $0.line < $1.line }
        let lines = RecordedLines(path: url.path, file: displayPath, entries: [])
        var index = 0
        while index < entries.count {
            var next = index + 1
            while next < entries.count && entries[next].key == entries[index].key { next += 1 }
            if next - index > 1 {
                var seen: [ReplayKey] = []
                for entry in entries[index..<next] {
                    guard let key = try? lines.key(of: entry) else { continue }
                    if seen.contains(key) {
                        log.error(
                            SourceLocation(file: displayPath, line: Int(entry.line), column: 1),
                            "a second response for \(key.suite)/\(key.caseID) sample \(key.sample)")
                    }
                    seen.append(key)
                }
            }
            index = next
        }
        try log.throwIfAny()
        self.lines = RecordedLines(path: url.path, file: displayPath, entries: entries)
    }

    /// The line's key, when it is a well-formed entry; otherwise logs why not.
    private static func check(_ value: JSONValue, at location: SourceLocation, log: inout DiagnosticLog) -> ReplayKey? {
        guard case .object(let members) = value else {
            log.error(location, "each line must be a JSON object, found \(value.typeName)")
            return nil
        }
        guard let key = ReplayKey(members) else {
            if case .string? = members["suite"], case .string? = members["case"] {
                log.error(location, "'sample' must be a whole number from 0")
            } else {
                log.error(location, "each line needs string fields 'suite' and 'case'")
            }
            return nil
        }
        if case .string? = members["error"] {
            // A recorded failure: nothing more to check.
        } else {
            do throws(ProviderFailure) {
                _ = try ResponseDecoding.decode(.object(members))
            } catch {
                log.error(location, error.message)
                return nil
            }
        }
        return key
    }

    public func respond(to request: ProviderRequest) async throws(ProviderFailure) -> ModelResponse {
        let key = ReplayKey(suite: request.suite, caseID: request.caseID, sample: request.sample)
        guard let value = try lines.value(of: key) else {
            throw ProviderFailure("no recorded response for \(request.suite)/\(request.caseID) sample \(request.sample) in \(lines.file)")
        }
        if case .string(let message)? = value["error"] {
            throw ProviderFailure(message, latencyMs: value["latency_ms"]?.numberValue ?? 0)
        }
        return try ResponseDecoding.decode(value)
    }

    public func close() {
        lines.close()
    }
}

/// Which answer a recorded line holds.
struct ReplayKey: Hashable, Sendable {
    var suite: String
    var caseID: String
    var sample: Int

    init(suite: String, caseID: String, sample: Int) {
        self.suite = suite
        self.caseID = caseID
        self.sample = sample
    }

    /// From a line's members; nil when `suite` or `case` is not a string or `sample` not a whole number from 0.
    init?(_ members: [String: JSONValue]) {
        guard case .string(let suite)? = members["suite"], case .string(let caseID)? = members["case"] else { return nil }
        var sample = 0
        if let value = members["sample"] {
            guard case .number(let number) = value, number >= 0, number == number.rounded(), number < 1e15 else { return nil }
            sample = Int(number)
        }
        self.init(suite: suite, caseID: caseID, sample: sample)
    }

    /// A 64-bit hash of the suite, case and sample (lines that share one are told apart by their
    /// keys, read again).
    var hash: UInt64 {
        func digest(_ text: String) -> UInt64 {
            text.utf8.withContiguousStorageIfAvailable { LineBlock.digest($0) } ?? Array(text.utf8).withUnsafeBufferPointer { LineBlock.digest($0) }
        }
        return LineBlock.mix(digest(suite) &* 0x9E37_79B9_7F4A_7C15 ^ digest(caseID) ^ LineBlock.mix(UInt64(truncatingIfNeeded: sample)))
    }
}

/// A recording's lines found by key and read from the file when asked for: an index sorted by
/// the key's hash, and the file open for `pread` (safe from any thread).
final class RecordedLines: Sendable {
    struct Entry: Sendable {
        /// `ReplayKey.hash`.
        var key: UInt64
        var offset: Int64
        var length: UInt32
        var line: UInt32
        /// Of the line's bytes as checked: a line that is not the same when read again means the
        /// file changed under the run.
        var digest: UInt64
    }

    let file: String
    private let entries: [Entry]
    private let source: LineFile

    init(path: String, file: String, entries: [Entry]) {
        self.file = file
        self.entries = entries
        source = LineFile(path: path)
    }

    /// Closes the file; answers asked for later are errors.
    func close() {
        source.close()
    }

    /// The parsed line recorded for `key`, or nil when there is none.
    func value(of key: ReplayKey) throws(ProviderFailure) -> JSONValue? {
        let hash = key.hash
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].key < hash { low = middle + 1 } else { high = middle }
        }
        while low < entries.count && entries[low].key == hash {
            let (value, members) = try read(entries[low])
            if ReplayKey(members) == key { return value }
            low += 1
        }
        return nil
    }

    /// The key of a line already checked (for telling duplicates from shared hashes).
    func key(of entry: Entry) throws(ProviderFailure) -> ReplayKey? {
        ReplayKey(try read(entry).1)
    }

    private func read(_ entry: Entry) throws(ProviderFailure) -> (JSONValue, [String: JSONValue]) {
        let parsed = source.line(at: entry.offset, length: Int(entry.length), digest: entry.digest).flatMap { bytes in
            bytes.withUnsafeBufferPointer { try? JSONSource.value(bytes: $0, file: file, line: Int(entry.line)) }
        }
        guard let value = parsed, case .object(let members) = value else {
            throw ProviderFailure("\(file) changed during the run: line \(entry.line) is not the line that was checked")
        }
        return (value, members)
    }
}
