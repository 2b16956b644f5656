import Foundation
import Synchronization

/// The cases of a large JSONL suite, kept as where they lie in the file and read again when they
/// run, so a run's memory does not grow with its cases: the file's blocks of lines are indexed
/// (about 1 MiB each, a few dozen bytes and a bit a line to say which lines are selected cases),
/// where a decoded case with its strings is half a kilobyte.
///
/// Every line was decoded and checked when the suite was loaded, and is decoded the same way
/// when read again. A block is read whole when its first case is asked for, and its bytes must be
/// the ones checked: a block that changed (the file was edited under the run) is an error naming
/// the file and its lines, never a different case run in its place. The blocks read last are kept
/// for the cases asked next (a run asks in order, a window of requests at a time) until their
/// last case is read.
public final class CaseLines: Sendable {
    /// A block of whole lines as the loader read it (`LineBlockReader`).
    struct Block: Sendable {
        var checked: CheckedBlock
        /// The index (among the selected cases) of the block's first selected case.
        var firstCase: Int
        /// Bit i set when line `firstLine + i` is a selected case.
        var selected: [UInt64]
    }

    /// How the suite's cases are decoded, as they were when it was loaded.
    struct Decoding: Sendable {
        var suite: String
        var kind: SuiteKind
        var promptVariables: [(name: String, usedIn: String)]
        var toolNames: [String]?
        var graders: AssertionLoader.Graders
    }

    /// The file as shown in messages.
    public let file: String
    let decoding: Decoding
    private let blocks: [Block]
    /// The number of selected cases.
    public let count: Int
    /// The number of cases in the file, selected or not.
    public let total: Int
    /// Selected cases with a `repeat` of their own, by index (most suites have none).
    private let ownRepeats: [Int: Int]
    /// The selected cases that have tags, by id: made from the file when first asked for. A run's
    /// results carry their cases' tags, so this is only for results stored without them.
    private let tagged = Mutex<TagIndex?>(nil)
    private let source: LineFile
    /// The blocks read last, most recent first, with where their selected cases' lines lie.
    private let recent = Mutex<[ReadBlock]>([])
    private static let recentLimit = 2

    init(path: String, file: String, decoding: Decoding, blocks: [Block], count: Int, total: Int, ownRepeats: [Int: Int]) {
        self.file = file
        self.decoding = decoding
        self.blocks = blocks
        self.count = count
        self.total = total
        self.ownRepeats = ownRepeats
        source = LineFile(path: path)
    }

    /// A block read again: its bytes, and for each selected case in it, where its line lies in
    /// them (without the line end) and its line number.
    private struct ReadBlock: Sendable {
        var index: Int
        var bytes: [UInt8]
        var cases: [(start: Int32, end: Int32, line: Int32)]
    }

    /// The tagged cases' ids, sorted, each with its list (an index into `lists`).
    private struct TagIndex {
        var ids: [(id: String, tags: Int32)] = []
        var lists: [[String]] = []
    }

    /// The suite's name.
    public var suite: String { decoding.suite }

    /// Whether some selected case has its own `repeat`.
    var hasOwnRepeats: Bool { !ownRepeats.isEmpty }

    /// The `repeat` of selected case `index`, if it has one.
    func repeatCount(at index: Int) -> Int? {
        ownRepeats[index]
    }

    /// The tags of selected case `id` (none when it has none, is not selected, or its line can no
    /// longer be read).
    public func tags(of id: String) -> [String] {
        tagged.withLock { index in
            if index == nil { index = makeTagIndex() }
            let ids = index!.ids
            var low = 0, high = ids.count
            while low < high {
                let middle = (low + high) / 2
                if ids[middle].id < id { low = middle + 1 } else { high = middle }
            }
            return low < ids.count && ids[low].id == id ? index!.lists[Int(ids[low].tags)] : []
        }
    }

    private func makeTagIndex() -> TagIndex {
        var index = TagIndex()
        var known: [[String]: Int32] = [:]
        for position in 0..<count {
            guard let evalCase = try? evalCase(at: position), !evalCase.tags.isEmpty else { continue }
            let list = known[evalCase.tags] ?? {
                index.lists.append(evalCase.tags)
                known[evalCase.tags] = Int32(index.lists.count - 1)
                return Int32(index.lists.count - 1)
            }()
            index.ids.append((evalCase.id, list))
        }
        index.ids.sort { $0.id < $1.id }
        return index
    }

    /// Selected case `index`, read from the file and decoded again.
    ///
    /// - Throws: `ValidationError` at its block's first line when the file cannot be read or the
    ///   block is no longer the one that was checked.
    public func evalCase(at index: Int) throws(ValidationError) -> EvalCase {
        let (text, line) = try caseText(at: index)
        var log = DiagnosticLog()
        let node = try JSONSource.parse(text, file: file, firstLine: line)
        let decoded = SuiteLoader.decodeCase(
            node, suite: decoding.suite, kind: decoding.kind, defaults: SuiteLoader.CaseDefaults(), promptVariables: decoding.promptVariables,
            toolNames: decoding.toolNames, graders: decoding.graders, log: &log)
        try log.throwIfAny()
        guard let decoded else { throw ValidationError(SourceLocation(file: file, line: line, column: 1), "the case no longer decodes") }
        return decoded
    }

    /// The text of selected case `index`'s line, and its line number.
    private func caseText(at index: Int) throws(ValidationError) -> (String, Int) {
        precondition(index >= 0 && index < count, "case \(index) of \(count)")
        // The last block whose first case is at or before `index`.
        var low = 0, high = blocks.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if blocks[middle].firstCase <= index { low = middle } else { high = middle - 1 }
        }
        let blockIndex = low
        let position = index - blocks[blockIndex].firstCase
        return try recent.withLock { recent throws(ValidationError) -> (String, Int) in
            if let found = recent.firstIndex(where: { $0.index == blockIndex }) {
                if found > 0 { recent.insert(recent.remove(at: found), at: 0) }
            } else {
                recent.insert(try read(blockIndex), at: 0)
                if recent.count > Self.recentLimit { recent.removeLast() }
            }
            let place = recent[0].cases[position]
            let text = recent[0].bytes.withUnsafeBufferPointer { bytes in
                String(decoding: UnsafeBufferPointer(rebasing: bytes[Int(place.start)..<Int(place.end)]), as: UTF8.self)
            }
            // A run asks for a block's cases in order: once its last one is read, the block is let
            // go (a case asked later reads it again), so a plan of many suites keeps no block of
            // those it is done with.
            if position == recent[0].cases.count - 1 { recent.removeFirst() }
            return (text, Int(place.line))
        }
    }

    /// Reads block `index` again, checks it is the block that was checked, and finds its
    /// selected cases' lines.
    private func read(_ index: Int) throws(ValidationError) -> ReadBlock {
        let selected = blocks[index].selected
        let block = blocks[index].checked
        guard let bytes = source.bytes(of: block) else {
            throw ValidationError(
                SourceLocation(file: file, line: block.firstLine, column: 1), "the file changed during the run: \(block.linesAre) not what was checked; run again")
        }
        var cases: [(start: Int32, end: Int32, line: Int32)] = []
        bytes.withUnsafeBufferPointer { buffer in
            var start = 0
            for line in 0..<block.lineCount {
                let (stop, next) = LineBlock.line(at: start, in: buffer)
                if selected[line >> 6] & (1 << UInt64(line & 63)) != 0 {
                    cases.append((Int32(start), Int32(stop), Int32(block.firstLine + line)))
                }
                start = next
            }
        }
        return ReadBlock(index: index, bytes: bytes, cases: cases)
    }
}
