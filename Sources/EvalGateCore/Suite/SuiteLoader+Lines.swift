import Foundation

extension CaseLines {
    /// JSONL files of this many bytes or more are kept by line when the loader is asked to
    /// (about 2,000 cases); smaller ones are held, which costs less than reading them again.
    public static let threshold = 256 << 10
}

extension SuiteLoader {
    /// A large JSONL suite, read a block of lines at a time and checked whole like any suite, but
    /// kept as where its lines lie (`CaseLines`) rather than as decoded cases: neither the file
    /// nor its cases are ever held whole. Only the cases `filter` selects are kept.
    static func loadJSONLinesByLine(_ url: URL, display: String, decoding: CaseLines.Decoding, filter: PlanFilter, log: inout DiagnosticLog) -> Suite? {
        let name = decoding.suite
        if !isValidName(name) {
            log.error(SourceLocation(file: display, line: 1, column: 1), "the file name makes suite name '\(name)', which may use only letters, digits, '.', '-' and '_'")
            return nil
        }
        var blocks: [CaseLines.Block] = []
        var selected = 0
        var ownRepeats: [Int: Int] = [:]
        // Every case's id as a hash and where it is (16 bytes a case; a dictionary of the ids was
        // 95 bytes a case at its peak), sorted at the end to find ids used twice.
        var ids: [IDPlace] = []
        var total = 0
        // This file's errors, kept apart: a file that is not text (invalid UTF-8, NUL bytes) is
        // reported for that alone, as when it is read whole, whatever its earlier blocks held.
        var fileLog = DiagnosticLog()
        defer { log.append(contentsOf: fileLog.diagnostics) }
        do {
            var reader = try LineBlockReader(url, displayPath: display)
            while let block = try reader.next() {
                // Each block's lines are decoded in parts side by side (decoding is most of
                // loading a large suite), and the parts' cases then taken in line order.
                let starts = block.lineStarts
                let parts = block.parts(starts.count < 2_000 ? 1 : max(2, ProcessInfo.processInfo.activeProcessorCount))
                let outcomes = PartOutcomes<FoundCase>(count: parts.count)
                DispatchQueue.concurrentPerform(iterations: parts.count) { index in
                    var partLog = DiagnosticLog()
                    let found = decodePart(block, part: parts[index], display: display, decoding: decoding, filter: filter, log: &partLog)
                    outcomes.set(index, found: found, log: partLog)
                }
                // The block is indexed by the lines that are selected cases, and its bytes' digest.
                var kept = CaseLines.Block(
                    checked: CheckedBlock(
                        offset: Int64(block.offset), length: block.text.utf8.count, firstLine: block.firstLine, lineCount: starts.count, digest: 0),
                    firstCase: selected, selected: [UInt64](repeating: 0, count: (starts.count + 63) / 64))
                for index in parts.indices {
                    fileLog.append(contentsOf: outcomes.log(index).diagnostics)
                    for found in outcomes.found(index) {
                        total += 1
                        ids.append(IDPlace(hash: Self.idHash(found.id), line: found.line))
                        guard found.selected else { continue }
                        let position = Int(found.line) - block.firstLine
                        kept.selected[position >> 6] |= 1 << UInt64(position & 63)
                        if let own = found.repeatCount { ownRepeats[selected] = own }
                        selected += 1
                    }
                }
                if selected > kept.firstCase {
                    var text = block.text
                    kept.checked.digest = text.withUTF8 { LineBlock.digest($0) }
                    blocks.append(kept)
                }
            }
            try reportDuplicates(in: &ids, url, display: display, decoding: decoding, log: &fileLog)
        } catch {
            fileLog = DiagnosticLog()
            fileLog.append(contentsOf: error.diagnostics)
            return nil
        }
        if total == 0 && fileLog.isEmpty {
            fileLog.error(SourceLocation(file: display, line: 1, column: 1), "the suite is empty: the file holds no case")
            return nil
        }
        let kept = CaseLines(
            path: url.path, file: display, decoding: decoding, blocks: blocks, count: selected, total: total, ownRepeats: ownRepeats)
        return Suite(name: name, kind: decoding.kind, file: display, description: nil, cases: [], lines: kept)
    }

    /// A case's id, hashed, and its line (the column of a duplicate is found when it is read again).
    struct IDPlace {
        var hash: UInt64
        var line: UInt32
    }

    static func idHash(_ id: String) -> UInt64 {
        var id = id
        return id.withUTF8 { LineBlock.digest($0) }
    }

    /// Logs every case whose id an earlier case of the file has, naming the first. Ids whose
    /// hashes are equal are read again from the file and compared, which only happens when the
    /// file has a duplicate (or, once in 2^64, two ids share a hash).
    private static func reportDuplicates(
        in ids: inout [IDPlace], _ url: URL, display: String, decoding: CaseLines.Decoding, log: inout DiagnosticLog
    ) throws(ValidationError) {
        ids.sort { $0.hash != $1.hash ? $0.hash < $1.hash : $0.line < $1.line }
        var suspects = Set<UInt32>()
        var index = 0
        while index < ids.count {
            var next = index + 1
            while next < ids.count && ids[next].hash == ids[index].hash { next += 1 }
            if next - index > 1 { for place in ids[index..<next] { suspects.insert(place.line) } }
            index = next
        }
        guard !suspects.isEmpty else { return }
        // The suspects' ids, from the file read again (it was checked whole a moment ago).
        var found: [UInt32: (id: String, column: Int)] = [:]
        var reader = try LineBlockReader(url, displayPath: display)
        while let block = try reader.next() {
            let lastLine = block.firstLine + block.lineStarts.count - 1
            guard suspects.contains(where: { Int($0) >= block.firstLine && Int($0) <= lastLine }) else { continue }
            var ignored = DiagnosticLog()
            for part in block.parts(1) {
                for entry in decodePart(block, part: part, display: display, decoding: decoding, filter: PlanFilter(), log: &ignored)
                where suspects.contains(entry.line) {
                    found[entry.line] = (entry.id, entry.column)
                }
            }
        }
        var first: [String: UInt32] = [:]
        for line in suspects.sorted() {
            guard let (id, column) = found[line] else { continue }
            if let earlier = first[id] {
                log.error(
                    SourceLocation(file: display, line: Int(line), column: column),
                    "duplicate case id '\(id)' in suite '\(decoding.suite)' (first at line \(earlier))")
            } else {
                first[id] = line
            }
        }
    }

    /// A case found in a part of a block: where its line lies, and what the loader keeps of it.
    struct FoundCase {
        var line: UInt32
        var id: String
        var column: Int
        /// The case's own `repeat`, if it has one.
        var repeatCount: Int?
        var selected: Bool
    }

    private static func decodePart(
        _ block: LineBlock, part: JSONSource.LineChunk, display: String, decoding: CaseLines.Decoding, filter: PlanFilter, log: inout DiagnosticLog
    ) -> [FoundCase] {
        var found: [FoundCase] = []
        JSONSource.forEachLine(block.text, part: part, file: display, log: &log) { node, line, log in
            guard let evalCase = decodeCase(
                node, suite: decoding.suite, kind: decoding.kind, defaults: CaseDefaults(), promptVariables: decoding.promptVariables,
                toolNames: decoding.toolNames, graders: decoding.graders, log: &log)
            else { return }
            found.append(FoundCase(
                line: UInt32(line), id: evalCase.id, column: evalCase.location.column, repeatCount: evalCase.repeatCount,
                selected: filter.includes(evalCase)))
        }
        return found
    }
}
