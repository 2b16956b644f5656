import Foundation
import Synchronization

/// The cases of a large JSONL suite, kept as where their lines lie in the file and read again
/// when they run, so a run's memory does not grow with its cases: 32 bytes a case here, where a
/// decoded case with its strings is half a kilobyte.
///
/// Every line was decoded and checked when the suite was loaded, and is decoded the same way
/// when read again; a line whose bytes are no longer the ones checked (the file changed under the
/// run) is an error that names the file and line, never a different case run in its place.
public final class CaseLines: Sendable {
    struct Line: Sendable {
        var offset: Int64
        var length: UInt32
        var line: UInt32
        var digest: UInt64
        /// The case's own `repeat`, or -1.
        var repeatCount: Int32
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
    /// The selected cases' lines, in file order.
    let lines: [Line]
    /// The number of cases in the file, selected or not.
    public let total: Int
    /// The selected cases that have tags, by id: made from the file when first asked for. A run's
    /// results carry their cases' tags, so this is only for results stored without them.
    private let tagged = Mutex<TagIndex?>(nil)
    private let source: LineFile

    init(path: String, file: String, decoding: Decoding, lines: [Line], total: Int) {
        self.file = file
        self.decoding = decoding
        self.lines = lines
        self.total = total
        source = LineFile(path: path)
    }

    /// The tagged cases' ids, sorted, each with its list (an index into `lists`).
    private struct TagIndex {
        var ids: [(id: String, tags: Int32)] = []
        var lists: [[String]] = []
    }

    /// The number of selected cases.
    public var count: Int { lines.count }

    /// The suite's name.
    public var suite: String { decoding.suite }

    /// The `repeat` of selected case `index`, if it has one.
    func repeatCount(at index: Int) -> Int? {
        lines[index].repeatCount < 0 ? nil : Int(lines[index].repeatCount)
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
        for position in lines.indices {
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
    /// - Throws: `ValidationError` at the case's line when the file cannot be read or its line is
    ///   no longer the one that was checked.
    public func evalCase(at index: Int) throws(ValidationError) -> EvalCase {
        let entry = lines[index]
        let location = SourceLocation(file: file, line: Int(entry.line), column: 1)
        guard let bytes = source.line(at: entry.offset, length: Int(entry.length), digest: entry.digest) else {
            throw ValidationError(location, "the file changed during the run: line \(entry.line) is not the case that was checked; run again")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        var log = DiagnosticLog()
        let node = try JSONSource.parse(text, file: file, firstLine: Int(entry.line))
        let decoded = SuiteLoader.decodeCase(
            node, suite: decoding.suite, kind: decoding.kind, defaults: SuiteLoader.CaseDefaults(), promptVariables: decoding.promptVariables,
            toolNames: decoding.toolNames, graders: decoding.graders, log: &log)
        try log.throwIfAny()
        guard let decoded else { throw ValidationError(location, "the case no longer decodes") }
        return decoded
    }
}
