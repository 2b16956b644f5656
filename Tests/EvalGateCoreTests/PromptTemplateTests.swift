import EvalGateCore
import Foundation
import TestSupport
import Testing

@Suite struct PromptTemplateTests {
    @Test func rendersPromptAndVariables() throws {
        let template = try PromptTemplate("Customer {{ vars.id }} asks: {{prompt}} ({{vars.id}})")
        #expect(template.placeholders == ["vars.id", "prompt"])
        #expect(template.variableNames == ["vars.id"].map { String($0.dropFirst(5)) })
        #expect(template.render(prompt: "Where is my order?", vars: ["id": "C-1"]) == "Customer C-1 asks: Where is my order? (C-1)")
    }

    @Test func textWithoutPlaceholdersIsKeptAsIs() throws {
        #expect(try PromptTemplate("plain {text}").render(vars: [:]) == "plain {text}")
    }

    @Test func anUnclosedPlaceholderIsAnError() {
        #expect(throws: TemplateError.self) { try PromptTemplate("Hello {{vars.name") }
    }
}

@Suite struct TimestampTests {
    @Test func roundsToTheNearestMillisecondAndReadsBack() throws {
        let date = Date(timeIntervalSince1970: 1_800_000_000.3469)
        #expect(Timestamp.iso8601(date) == "2027-01-15T08:00:00.347Z")
        let parsed = try #require(Timestamp.parse("2027-01-15T08:00:00.347Z"))
        #expect(abs(parsed.timeIntervalSince1970 - 1_800_000_000.347) < 0.0005)
    }

    /// `parse` counts days itself; `timegm` is the reference, from 1601 to 2399, across leap days.
    @Test func readsEveryDateAsTimegmDoes() throws {
        var generator = SystemRandomNumberGenerator()
        var seconds: [Int] = [-11_644_473_600, -1, 0, 951_782_400, 951_868_799, 4_107_542_400, 13_569_465_599]
        for _ in 0..<20_000 { seconds.append(Int.random(in: -11_644_473_600...13_569_465_599, using: &generator)) }
        for second in seconds {
            var time = time_t(second)
            var parts = tm()
            gmtime_r(&time, &parts)
            let text = Timestamp.iso8601(Date(timeIntervalSince1970: Double(second) + 0.25))
            let parsed = try #require(Timestamp.parse(text), "\(text)")
            #expect(parsed.timeIntervalSince1970 == Double(timegm(&parts)) + 0.25, "\(text)")
        }
    }

    @Test func aFractionIsReadAsAFractionWhateverItsDigits() throws {
        #expect(try #require(Timestamp.parse("2026-11-22T04:00:00Z")).timeIntervalSince1970 == 1_795_320_000)
        #expect(try #require(Timestamp.parse("2026-11-22T04:00:00.5Z")).timeIntervalSince1970 == 1_795_320_000.5)
        #expect(try #require(Timestamp.parse("2026-11-22T04:00:00.25Z")).timeIntervalSince1970 == 1_795_320_000.25)
        #expect(try #require(Timestamp.parse("2026-11-22T04:00:00.123456Z")).timeIntervalSince1970 == 1_795_320_000.123)
        // Out of range fields are left to timegm, which carries them over.
        #expect(try #require(Timestamp.parse("2026-13-01T00:00:00Z")).timeIntervalSince1970 == 1_798_761_600)
    }
}

@Suite struct SHA256Tests {
    @Test func matchesKnownDigests() {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    /// A file is digested a piece at a time: the digest is the one of its bytes whole, across
    /// the pieces' boundaries; a folder or a missing file has none.
    @Test func aFileIsDigestedAsItsBytesWhole() throws {
        let folder = try TemporaryDirectory()
        let bytes = (0..<(600 * 1024 + 7)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let file = folder.url.appendingPathComponent("big.bin")
        try Data(bytes).write(to: file)
        #expect(SHA256.hex(ofFileAt: file.path) == SHA256.hex(bytes))
        #expect(SHA256.hex(ofFileAt: try folder.write("empty", "").path) == SHA256.hex(""))
        #expect(SHA256.hex(ofFileAt: folder.url.path) == nil)
        #expect(SHA256.hex(ofFileAt: folder.url.appendingPathComponent("missing").path) == nil)
    }
}

@Suite struct PlanTests {
    @Test func aCaseWithItsOwnRepeatGetsThatManySamples() throws {
        func makeCase(_ id: String, repeat count: Int?) -> EvalCase {
            var evalCase = EvalCase(
                id: id, suite: "s", kind: .golden, input: .prompt("p"), vars: [:], expectedContains: [], forbiddenContains: [], tags: [],
                caseSensitive: false, description: nil, location: SourceLocation(file: "f", line: 1, column: 1), fingerprint: id)
            evalCase.repeatCount = count
            return evalCase
        }
        let suite = Suite(name: "s", kind: .golden, file: "f", description: nil, cases: [makeCase("a", repeat: nil), makeCase("b", repeat: 3), makeCase("c", repeat: nil)])
        let prompt = PromptSettings(system: nil, systemFile: nil, template: "{{prompt}}", templateLocation: SourceLocation(file: "f", line: 1, column: 1))
        let plan = try Plan(suites: [suite], samples: 2, prompt: prompt)
        #expect(plan.count == 7)
        let labels = try (0..<plan.count).map { index throws -> String in
            let item = plan.item(at: index)
            return try plan.evalCase(at: item.caseIndex).id + String(item.sample)
        }
        #expect(labels == ["a0", "a1", "b0", "b1", "b2", "c0", "c1"])

        // No case with its own repeat: every case runs the plan's samples, in the same order.
        let uniform = try Plan(
            suites: [Suite(name: "s", kind: .golden, file: "f", description: nil, cases: [makeCase("a", repeat: nil), makeCase("b", repeat: nil)])],
            samples: 3, prompt: prompt)
        #expect(uniform.count == 6)
        #expect((0..<2).map(uniform.samples(ofCase:)) == [3, 3])
        let uniformLabels = try (0..<uniform.count).map { index throws -> String in
            let item = uniform.item(at: index)
            return try uniform.evalCase(at: item.caseIndex).id + String(item.sample)
        }
        #expect(uniformLabels == ["a0", "a1", "a2", "b0", "b1", "b2"])
    }

    @Test func aPlanTakesTheSelectedCasesOfEverySuiteInOrder() throws {
        func makeCase(_ suite: String, _ id: String, tags: [String]) -> EvalCase {
            EvalCase(
                id: id, suite: suite, kind: .golden, input: .prompt("p"), vars: [:], expectedContains: [], forbiddenContains: [], tags: tags,
                caseSensitive: false, description: nil, location: SourceLocation(file: "f", line: 1, column: 1), fingerprint: id)
        }
        func suites() -> [Suite] {
            [
                Suite(name: "s1", kind: .golden, file: "f", description: nil, cases: [makeCase("s1", "a", tags: ["x"]), makeCase("s1", "b", tags: [])]),
                Suite(name: "s2", kind: .golden, file: "f", description: nil, cases: [makeCase("s2", "c", tags: ["x"]), makeCase("s2", "d", tags: ["x"])]),
            ]
        }
        let prompt = PromptSettings(system: nil, systemFile: nil, template: "{{prompt}}", templateLocation: SourceLocation(file: "f", line: 1, column: 1))
        // Everything, a whole suite alone (lent to the plan rather than copied), and a filter across suites.
        #expect(try Plan(suites: suites(), samples: 1, prompt: prompt).cases.map(\.qualifiedID) == ["s1/a", "s1/b", "s2/c", "s2/d"])
        #expect(try Plan(suites: suites(), filter: PlanFilter(suites: ["s2"]), samples: 1, prompt: prompt).cases.map(\.qualifiedID) == ["s2/c", "s2/d"])
        #expect(try Plan(suites: suites(), filter: PlanFilter(tags: ["x"]), samples: 1, prompt: prompt).cases.map(\.qualifiedID) == ["s1/a", "s2/c", "s2/d"])
    }
}
