import EvalGateCore
import Foundation
import Synchronization

/// Answers from a recording: a JSONL file with one response per line,
/// `{"suite", "case", "sample", "text", "tool_calls", "usage", "latency_ms"}` (or `"error"` for a
/// recorded failure). Offline and deterministic; a case with no line is an error result.
public struct ReplayProvider: Provider {
    /// The recording, read forward again as answers are asked for: it is checked whole when the
    /// provider is made, but never held, nor indexed line by line (100,000 lines were 17 MB of
    /// text, then 3.2 MB of index).
    private let lines: RecordedLines

    /// Reads and checks the whole recording, a block of lines at a time.
    ///
    /// - Throws: `ValidationError` naming the line of every malformed or duplicated entry.
    public init(recording url: URL, displayPath: String) throws(ValidationError) {
        var reader = try LineBlockReader(url, displayPath: displayPath)
        var log = DiagnosticLog()
        var entries: [RecordedLines.Entry] = []
        var blocks: [CheckedBlock] = []
        while let block = try reader.next() {
            let starts = block.lineStarts
            var text = block.text
            text.withUTF8 { bytes in
                blocks.append(CheckedBlock(
                    offset: Int64(block.offset), length: bytes.count, firstLine: block.firstLine, lineCount: starts.count, digest: LineBlock.digest(bytes)))
                JSONSource.forEachLineValue(block.text, file: displayPath, firstLine: block.firstLine, log: &log) { value, line, log in
                    guard let key = Self.check(value, at: SourceLocation(file: displayPath, line: line, column: 1), log: &log) else { return }
                    let place = block.place(ofLine: line, starts: starts, in: bytes)
                    entries.append(RecordedLines.Entry(
                        key: key.hash, place: RecordedLines.Place(offset: Int64(place.offset), length: UInt32(place.length), line: UInt32(line), digest: place.digest)))
                }
            }
        }
        // Duplicates, found by sorting the lines' places (let go once checked): the later line is
        // the one reported. Equal hashes are compared by their keys, read again (a hash shared by
        // two keys is not a duplicate).
        let lines = RecordedLines(path: url.path, file: displayPath, blocks: blocks)
        RecordedLines.sort(&entries)
        RecordedLines.forEachGroup(of: entries) { group in
            var seen: [ReplayKey] = []
            for entry in group {
                guard let key = try? lines.key(at: entry.place) else { continue }
                if seen.contains(key) {
                    log.error(
                        SourceLocation(file: displayPath, line: Int(entry.place.line), column: 1),
                        "a second response for \(key.suite)/\(key.caseID) sample \(key.sample)")
                }
                seen.append(key)
            }
        }
        try log.throwIfAny()
        self.lines = lines
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

    /// How many lines' places the provider holds (for tests: what it keeps grows with the
    /// disorder of the questions, not with the recording).
    var heldLines: Int { lines.heldLines }
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

/// A recording's lines, read forward from the file as answers are asked for. A run asks in the
/// plan's order, a window of requests at a time, and a recording is written in about that order:
/// each answer is usually the next line, or a little further on. The lines read past on the way
/// are kept by key (where they lie, not what they say) until they are asked for, so what is held
/// is one block of the file and the disorder between the recording and the run, not a line of
/// index for every answer.
///
/// A key the forward read does not find by the end of the file (a case with no answer, or an
/// answer asked for twice, as a judge is for each rubric of a case), or more than `windowLimit`
/// lines read past (a recording in another order than the run), makes an index of every line,
/// sorted by key hash, which answers every later question: the index this reader otherwise does
/// without.
///
/// Every line was checked when the recording was loaded; the file's blocks are read again only if
/// their bytes are the ones checked, and a line kept by place only if its own are.
final class RecordedLines: Sendable {
    /// Where a line lies in the file (without its line end), and a digest of its bytes as checked.
    struct Place: Sendable {
        var offset: Int64
        var length: UInt32
        var line: UInt32
        var digest: UInt64
    }

    /// A line's place and its key's hash (`ReplayKey.hash`).
    struct Entry: Sendable {
        var key: UInt64
        var place: Place
    }

    /// What the reader has: the block it is reading forward through, the lines it has read past,
    /// or the index of them all.
    private struct State {
        /// The block being read (an index into `blocks`, -1 before the first), its bytes, and where
        /// its next line starts and what number that line has.
        var block = -1
        var bytes: [UInt8] = []
        var cursor = 0
        var line = 0
        /// Lines read past and not yet asked for.
        var window: [ReplayKey: Place] = [:]
        /// Every line's entry, sorted by key hash: made when the forward read misses.
        var index: [Entry]?
    }

    /// What a question was answered with: the line read forward (parsed), or where to read it.
    private enum Found {
        case value(JSONValue)
        case place(Place)
        case candidates([Place])
    }

    /// The most lines kept read past before the index of every line is made instead (a line
    /// kept by key is about three times an index entry).
    static let windowLimit = 4096

    let file: String
    private let blocks: [CheckedBlock]
    private let source: LineFile
    private let state = Mutex(State())

    init(path: String, file: String, blocks: [CheckedBlock]) {
        self.file = file
        self.blocks = blocks
        source = LineFile(path: path)
    }

    /// Closes the file; answers asked for later are errors.
    func close() {
        source.close()
    }

    /// The lines read past and not yet asked for, or every line once the index is made.
    var heldLines: Int {
        state.withLock { $0.index?.count ?? $0.window.count }
    }

    /// The parsed line recorded for `key`, or nil when there is none.
    func value(of key: ReplayKey) throws(ProviderFailure) -> JSONValue? {
        switch try state.withLock({ state throws(ProviderFailure) -> Found in try find(key, in: &state) }) {
        case .value(let value):
            return value
        case .place(let place):
            return try read(place).0
        case .candidates(let places):
            for place in places {
                let (value, members) = try read(place)
                if ReplayKey(members) == key { return value }
            }
            return nil
        }
    }

    /// Looks for `key`'s line: among the lines read past, then further on in the file, then in
    /// the index of every line.
    private func find(_ key: ReplayKey, in state: inout State) throws(ProviderFailure) -> Found {
        if state.index == nil {
            if let place = state.window.removeValue(forKey: key) { return .place(place) }
            // Each line read forward is parsed once, here: usually it is the answer asked for.
            while let (range, line) = try nextLine(&state) {
                let (value, members) = try state.bytes.withUnsafeBufferPointer { bytes throws(ProviderFailure) in
                    try parse(UnsafeBufferPointer(rebasing: bytes[range]), line: line)
                }
                guard let lineKey = ReplayKey(members) else { throw changed(line) }
                if lineKey == key { return .value(value) }
                let digest = state.bytes.withUnsafeBufferPointer { LineBlock.digest(UnsafeBufferPointer(rebasing: $0[range])) }
                state.window[lineKey] = Place(
                    offset: blocks[state.block].offset + Int64(range.lowerBound), length: UInt32(range.count), line: UInt32(line), digest: digest)
                // A recording in another order than the run: the index is the smaller.
                if state.window.count > Self.windowLimit { break }
            }
            state.index = try makeIndex()
            state.window = [:]
            state.bytes = []
        }
        let index = state.index!
        let hash = key.hash
        var low = 0, high = index.count
        while low < high {
            let middle = (low + high) / 2
            if index[middle].key < hash { low = middle + 1 } else { high = middle }
        }
        var places: [Place] = []
        while low < index.count && index[low].key == hash {
            places.append(index[low].place)
            low += 1
        }
        return .candidates(places)
    }

    /// The next non-blank line of the file (its bytes' range in `state.bytes`, without the line
    /// end, and its number), reading the next block when this one is done; nil at the end.
    private func nextLine(_ state: inout State) throws(ProviderFailure) -> (Range<Int>, Int)? {
        while true {
            if state.block >= 0 && state.cursor < state.bytes.count {
                let start = state.cursor
                let (stop, next) = state.bytes.withUnsafeBufferPointer { LineBlock.line(at: start, in: $0) }
                let line = state.line
                state.cursor = next
                state.line += 1
                if !state.bytes[start..<stop].allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return (start..<stop, line) }
                continue
            }
            let next = state.block + 1
            guard next < blocks.count else { return nil }
            state.bytes = try bytes(of: next)
            state.block = next
            state.cursor = 0
            state.line = blocks[next].firstLine
        }
    }

    /// Block `index` read again, if its bytes are the ones checked.
    private func bytes(of index: Int) throws(ProviderFailure) -> [UInt8] {
        guard let bytes = source.bytes(of: blocks[index]) else {
            throw ProviderFailure("\(file) changed during the run: \(blocks[index].linesAre) not what was checked")
        }
        return bytes
    }

    /// Every line's entry, sorted by key hash, read from the file again.
    private func makeIndex() throws(ProviderFailure) -> [Entry] {
        var index: [Entry] = []
        var state = State()
        while let (range, line) = try nextLine(&state) {
            try state.bytes.withUnsafeBufferPointer { bytes throws(ProviderFailure) in
                let text = UnsafeBufferPointer(rebasing: bytes[range])
                guard let key = ReplayKey(try parse(text, line: line).1) else { throw changed(line) }
                index.append(Entry(
                    key: key.hash,
                    place: Place(offset: blocks[state.block].offset + Int64(range.lowerBound), length: UInt32(range.count), line: UInt32(line), digest: LineBlock.digest(text))))
            }
        }
        Self.sort(&index)
        return index
    }

    /// Sorts entries by key hash, and lines of the same hash by line.
    static func sort(_ entries: inout [Entry]) {
        entries.sort { $0.key != $1.key ? $0.key < $1.key : $0.place.line < $1.place.line }
    }

    /// Calls `body` with each run of two or more sorted entries that share a key hash.
    static func forEachGroup(of entries: [Entry], _ body: (ArraySlice<Entry>) -> Void) {
        var index = 0
        while index < entries.count {
            var next = index + 1
            while next < entries.count && entries[next].key == entries[index].key { next += 1 }
            if next - index > 1 { body(entries[index..<next]) }
            index = next
        }
    }

    /// The key of a line already checked (for telling duplicates from shared hashes).
    func key(at place: Place) throws(ProviderFailure) -> ReplayKey? {
        ReplayKey(try read(place).1)
    }

    private func read(_ place: Place) throws(ProviderFailure) -> (JSONValue, [String: JSONValue]) {
        guard let bytes = source.line(at: place.offset, length: Int(place.length), digest: place.digest) else { throw changed(Int(place.line)) }
        return try bytes.withUnsafeBufferPointer { bytes throws(ProviderFailure) in try parse(bytes, line: Int(place.line)) }
    }

    private func parse(_ bytes: UnsafeBufferPointer<UInt8>, line: Int) throws(ProviderFailure) -> (JSONValue, [String: JSONValue]) {
        guard let value = try? JSONSource.value(bytes: bytes, file: file, line: line), case .object(let members) = value else { throw changed(line) }
        return (value, members)
    }

    private func changed(_ line: Int) -> ProviderFailure {
        ProviderFailure("\(file) changed during the run: line \(line) is not the line that was checked")
    }
}
