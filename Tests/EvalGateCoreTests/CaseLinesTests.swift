import EvalGateCore
import Foundation
import TestSupport
import Testing

/// Large JSONL suites kept by line: loaded block by block, read again as they run.
@Suite struct CaseLinesTests {
    /// A JSONL suite of `count` cases, every third tagged, every seventh with its own `repeat`;
    /// `pad` lengthens each prompt so a few thousand lines pass `CaseLines.threshold`.
    static func suiteText(count: Int, pad: Int = 100, replacing: [Int: String] = [:]) -> String {
        var text = ""
        for index in 0..<count {
            if let line = replacing[index] {
                text += line + "\n"
                continue
            }
            let tags = index % 3 == 0 ? #", "tags": ["t\#(index % 2)"]"# : ""
            let repeatCount = index % 7 == 0 ? #", "repeat": 2"# : ""
            let padding = String(repeating: "x", count: pad)
            text += #"{"id": "c-\#(index)", "prompt": "Question \#(index) \#(padding)", "expected_contains": ["ok"]\#(tags)\#(repeatCount)}"# + "\n"
        }
        return text
    }

    static func load(_ folder: TemporaryDirectory, byLine: PlanFilter?) throws(ValidationError) -> [Suite] {
        let reference = PathReference(display: "suites", url: folder.url.appendingPathComponent("suites"), location: SourceLocation(file: "evalgate.yaml", line: 1, column: 1))
        return try SuiteLoader.load([reference], workingDirectory: folder.url, byLine: byLine)
    }

    static let prompt = PromptSettings(system: nil, systemFile: nil, template: "{{prompt}}", templateLocation: SourceLocation(file: "f", line: 1, column: 1))

    @Test func aLargeSuiteKeptByLineRunsTheSameCasesAsOneHeld() throws {
        let folder = try TemporaryDirectory()
        try folder.write("suites/big.jsonl", Self.suiteText(count: 3_000))
        let byLine = try Self.load(folder, byLine: PlanFilter())
        let held = try Self.load(folder, byLine: nil)
        #expect(byLine[0].lines != nil && byLine[0].cases.isEmpty, "a suite past the threshold is kept by line")
        #expect(held[0].lines == nil && held[0].cases.count == 3_000)
        #expect(byLine[0].caseCount == 3_000)
        let linePlan = try Plan(suites: byLine, samples: 1, prompt: Self.prompt)
        let heldPlan = try Plan(suites: held, samples: 1, prompt: Self.prompt)
        #expect(linePlan.caseCount == 3_000 && linePlan.count == heldPlan.count, "each case's own repeat is kept without the case")
        for index in [0, 1, 7, 1_499, 2_999] {
            let read = try linePlan.evalCase(at: index), kept = try heldPlan.evalCase(at: index)
            #expect(read.id == kept.id && read.fingerprint == kept.fingerprint && read.location == kept.location && read.tags == kept.tags)
            #expect(linePlan.samples(ofCase: index) == heldPlan.samples(ofCase: index))
        }
    }

    /// Windows line ends, blank lines and a last line without a newline: each case is read back
    /// from exactly its own bytes.
    @Test func crlfBlankLinesAndNoFinalNewlineReadBackTheSame() throws {
        let folder = try TemporaryDirectory()
        var lines = Self.suiteText(count: 3_000).split(separator: "\n").map(String.init)
        lines.insert("", at: 10)
        lines.insert("   ", at: 2_000)
        try folder.write("suites/big.jsonl", lines.joined(separator: "\r\n"))
        let plan = try Plan(suites: try Self.load(folder, byLine: PlanFilter()), samples: 1, prompt: Self.prompt)
        let held = try Plan(suites: try Self.load(folder, byLine: nil), samples: 1, prompt: Self.prompt)
        #expect(plan.caseCount == 3_000)
        let read = try plan.cases, kept = try held.cases
        #expect(read.map(\.fingerprint) == kept.map(\.fingerprint))
        #expect(read.map(\.location) == kept.map(\.location))
        #expect(read.last?.id == "c-2999" && read.last?.location.line == 3_002)
    }

    @Test func aFilterKeepsOnlyTheLinesItSelects() throws {
        let folder = try TemporaryDirectory()
        try folder.write("suites/big.jsonl", Self.suiteText(count: 3_000))
        let filter = PlanFilter(tags: ["t1"])
        let suites = try Self.load(folder, byLine: filter)
        #expect(suites[0].caseCount == 3_000, "the outline counts every case in the file")
        let plan = try Plan(suites: suites, filter: filter, samples: 1, prompt: Self.prompt)
        let cases = try plan.cases
        #expect(cases.count == 500 && cases.allSatisfy { $0.tags == ["t1"] })
    }

    /// Blocks are read 1 MiB at a time: a suite of more than one block has its errors at the
    /// right lines and its cases past the first block read back from the right place.
    @Test func linesPastTheFirstBlockAreNumberedAndReadRight() throws {
        let folder = try TemporaryDirectory()
        let count = 40_000  // about 6 MiB
        let text = Self.suiteText(count: count, pad: 100, replacing: [35_000: #"{"id": "c-1", "prompt": "again", "expected_contains": ["ok"]}"#, 36_000: "{oops"])
        try folder.write("suites/big.jsonl", text)
        do {
            _ = try Self.load(folder, byLine: PlanFilter())
            Issue.record("a broken suite loaded")
        } catch {
            #expect(error.diagnostics.map(\.description) == [
                "suites/big.jsonl:35001:1: duplicate case id 'c-1' in suite 'big' (first at line 2)",
                "suites/big.jsonl:36001:2: expected a string key in object",
            ])
        }
        try folder.write("suites/big.jsonl", Self.suiteText(count: count))
        let plan = try Plan(suites: try Self.load(folder, byLine: PlanFilter()), samples: 1, prompt: Self.prompt)
        let last = try plan.evalCase(at: count - 1)
        #expect(last.id == "c-\(count - 1)" && last.location.line == count)
        #expect(try plan.evalCase(at: 30_001).id == "c-30001")
    }

    @Test func aSuiteChangedUnderTheRunIsAnErrorAtItsLinesNotAnotherCase() throws {
        let folder = try TemporaryDirectory()
        let count = 30_000  // about 4.5 MiB: several blocks
        try folder.write("suites/big.jsonl", Self.suiteText(count: count))
        let plan = try Plan(suites: try Self.load(folder, byLine: PlanFilter()), samples: 1, prompt: Self.prompt)
        #expect(try plan.evalCase(at: 0).id == "c-0")
        // The same length, other bytes: only the digest can tell.
        var changed = Self.suiteText(count: count).components(separatedBy: "\n")
        changed[15_000] = changed[15_000].replacingOccurrences(of: "Question", with: "Questlon")
        try folder.write("suites/big.jsonl", changed.joined(separator: "\n"))
        #expect(try plan.evalCase(at: 1).id == "c-1", "a block read before the change is the one checked")
        #expect(try plan.evalCase(at: count - 1).id == "c-\(count - 1)", "an unchanged block still reads")
        #expect(try plan.evalCase(at: 2).id == "c-2", "and a block read again is checked again")
        do {
            _ = try plan.evalCase(at: 15_000)
            Issue.record("a changed line was run")
        } catch {
            let message = error.diagnostics.map(\.description).joined()
            let match = message.firstMatch(of: /^suites\/big\.jsonl:(\d+):1: the file changed during the run: lines (\d+)–(\d+) are not what was checked; run again$/)
            let (first, from, to) = (Int(match?.1 ?? "") ?? 0, Int(match?.2 ?? "") ?? 0, Int(match?.3 ?? "") ?? 0)
            #expect(match != nil && first == from && from <= 15_001 && 15_001 <= to && to - from < count / 2, "\(message)")
        }
    }

    /// A block is kept while its cases are asked for, and let go after its last: a plan of many
    /// large suites holds no block of those it is done with.
    @Test func aBlockIsLetGoOnceItsLastCaseIsRead() throws {
        let folder = try TemporaryDirectory()
        try folder.write("suites/big.jsonl", Self.suiteText(count: 3_000))  // one block
        let plan = try Plan(suites: try Self.load(folder, byLine: PlanFilter()), samples: 1, prompt: Self.prompt)
        #expect(try plan.evalCase(at: 0).id == "c-0")
        var changed = Self.suiteText(count: 3_000).components(separatedBy: "\n")
        changed[10] = changed[10].replacingOccurrences(of: "Question", with: "Questlon")
        try folder.write("suites/big.jsonl", changed.joined(separator: "\n"))
        #expect(try plan.evalCase(at: 2_999).id == "c-2999", "the block read first is still the one kept")
        #expect(throws: ValidationError.self, "after its last case, the block is read (and checked) again") {
            try plan.evalCase(at: 10)
        }
    }

    /// Which cases a filter selected is kept by block: the plan's cases are those, read again.
    @Test func aFilteredSuiteKeptByLineReadsBackItsSelectedCasesInOrder() throws {
        let folder = try TemporaryDirectory()
        try folder.write("suites/big.jsonl", Self.suiteText(count: 30_000))
        let filter = PlanFilter(tags: ["t1"])
        let plan = try Plan(suites: try Self.load(folder, byLine: filter), filter: filter, samples: 1, prompt: Self.prompt)
        let expected = (0..<30_000).filter { $0 % 3 == 0 && $0 % 2 == 1 }
        #expect(plan.caseCount == expected.count)
        #expect(try (0..<plan.caseCount).map { try plan.evalCase(at: $0).id } == expected.map { "c-\($0)" })
        #expect(try plan.evalCase(at: 700).location.line == expected[700] + 1)
        // Own repeats are kept for the selected cases: every seventh case runs twice.
        #expect((0..<plan.caseCount).map(plan.samples(ofCase:)) == expected.map { $0 % 7 == 0 ? 2 : 1 })
    }
}

@Suite struct LineBlockReaderTests {
    @Test func blocksAreWholeLinesThatCoverTheFile() throws {
        let folder = try TemporaryDirectory()
        let long = String(repeating: "y", count: LineBlockReader.blockSize + 10)  // one line longer than a block
        let text = (0..<50_000).map { "line \($0) " + String(repeating: "z", count: 80) }.joined(separator: "\n") + "\n" + long + "\nlast"
        let file = try folder.write("f.txt", text)
        var reader = try LineBlockReader(file, displayPath: "f.txt")
        var joined = "", blocks = 0, nextLine = 1, nextOffset = 0
        while let block = try reader.next() {
            #expect(block.firstLine == nextLine && block.offset == nextOffset)
            #expect(block.text.hasSuffix("\n") || block.text.hasSuffix("last"))
            joined += block.text
            nextLine += block.text.utf8.count { $0 == 0x0A }
            nextOffset += block.text.utf8.count
            blocks += 1
        }
        #expect(joined == text && blocks >= 3)
    }

    @Test func invalidUTF8AndNULAreFoundAtTheirLinePastTheFirstBlock() throws {
        let folder = try TemporaryDirectory()
        var bytes = Array((0..<60_000).map { "line \($0) " + String(repeating: "z", count: 80) }.joined(separator: "\n").utf8)
        let lineStart = bytes.indices.filter { bytes[$0] == 0x0A }[54_999] + 1  // line 55,001
        bytes[lineStart + 3] = 0xFF
        let file = folder.url.appendingPathComponent("bad.txt")
        try Data(bytes).write(to: file)
        var reader = try LineBlockReader(file, displayPath: "bad.txt")
        do {
            while try reader.next() != nil {}
            Issue.record("invalid UTF-8 was read")
        } catch {
            #expect(error.diagnostics.map(\.description) == ["bad.txt:55001:4: the file is not valid UTF-8 text"])
        }
        bytes[lineStart + 3] = 0
        try Data(bytes).write(to: file)
        var again = try LineBlockReader(file, displayPath: "bad.txt")
        do {
            while try again.next() != nil {}
            Issue.record("a NUL byte was read")
        } catch {
            #expect(error.diagnostics.map(\.description) == ["bad.txt:55001:1: the file holds NUL bytes: it is binary, not text"])
        }
    }
}
