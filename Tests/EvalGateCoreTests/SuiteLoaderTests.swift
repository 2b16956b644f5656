import EvalGateCore
import Foundation
import TestSupport
import Testing

/// Loads the suite files written by a test and returns the diagnostics, or the suites.
private func load(_ files: [String: String], prompt: PromptSettings? = nil) throws -> Result<[Suite], ValidationError> {
    let folder = try TemporaryDirectory()
    for (path, contents) in files { try folder.write(path, contents) }
    let reference = PathReference(display: "suites", url: folder.url.appendingPathComponent("suites"), location: SourceLocation(file: "evalgate.yaml", line: 9, column: 9))
    do {
        return .success(try SuiteLoader.load([reference], prompt: prompt, workingDirectory: folder.url))
    } catch {
        return .failure(error)
    }
}

private func messages(_ result: Result<[Suite], ValidationError>) -> [String] {
    guard case .failure(let error) = result else { return [] }
    return error.diagnostics.map(\.description)
}

@Suite struct SuiteLoaderTests {
    @Test func aValidYAMLSuiteLoadsWithDefaultsMergedIntoEachCase() throws {
        let result = try load([
            "suites/golden/a.yaml": """
            suite: refunds
            kind: golden
            defaults:
              tags: [billing]
              vars: {customer: C-1}
              forbidden_contains: ["as an AI"]
            cases:
              - id: one
                prompt: Hello {{vars.customer}}
                expected_contains: ["30 days"]
                forbidden_contains: ["14 days"]
                tags: [returns]
                vars: {extra: x}
            """
        ])
        let suites = try result.get()
        #expect(suites.count == 1)
        let evalCase = try #require(suites.first?.cases.first)
        #expect(evalCase.suite == "refunds")
        #expect(evalCase.kind == .golden)
        #expect(evalCase.tags == ["billing", "returns"])
        #expect(evalCase.vars == ["customer": "C-1", "extra": "x"])
        #expect(evalCase.forbiddenContains == ["as an AI", "14 days"])
        #expect(evalCase.location.line == 8)
        #expect(evalCase.fingerprint.count == 64)
    }

    @Test func aJSONLSuiteIsNamedAfterItsFileAndIsAdversarialUnderAnAdversarialFolder() throws {
        let suites = try load([
            "suites/adversarial/privacy.jsonl": """
            {"id": "a", "prompt": "x", "forbidden_contains": ["secret"]}

            {"id": "b", "messages": [{"role": "user", "content": "y"}]}
            """
        ]).get()
        #expect(suites.map(\.name) == ["privacy"])
        #expect(suites[0].kind == .adversarial)
        #expect(suites[0].cases.map(\.id) == ["a", "b"])
        #expect(suites[0].cases[1].location.line == 3)
    }

    @Test func aJSONSuiteReportsErrorsAtTheirLine() throws {
        let errors = messages(try load([
            "suites/s.json": """
            {
              "suite": "s",
              "cases": [
                {"id": "a", "prompt": 5, "expected": ["x"]}
              ]
            }
            """
        ]))
        #expect(errors.contains("suites/s.json:4:30: unknown key 'expected' in the case; did you mean 'expected_contains'?"))
        #expect(!errors.contains { $0.contains("'prompt' must be a string") }, "a number is accepted as prompt text")
    }

    @Test func unknownKeysGetADidYouMean() throws {
        let errors = messages(try load([
            "suites/a.yaml": """
            suite: a
            cases:
              - id: one
                prompt: hi
                forbiden_contains: [x]
            """
        ]))
        #expect(errors == ["suites/a.yaml:5:5: unknown key 'forbiden_contains' in the case; did you mean 'forbidden_contains'?"])
    }

    @Test func duplicateIdsNameBothLines() throws {
        let errors = messages(try load([
            "suites/a.yaml": """
            suite: a
            cases:
              - id: one
                prompt: hi
              - id: one
                prompt: again
            """
        ]))
        #expect(errors == ["suites/a.yaml:5:5: duplicate case id 'one' in suite 'a' (first at line 3)"])
    }

    @Test func aLargeJSONLSuiteParsedInPartsKeepsItsOrderAndItsLineNumbers() throws {
        // 6,000 lines are parsed in parts side by side: cases must come out in file order, and
        // errors (in either part, and a duplicate across them) at their own lines.
        var lines = (1...6_000).map { #"{"id": "c\#($0)", "prompt": "question \#($0)"}"# }
        lines[1] = ""                                  // line 2: blank, skipped
        lines[2_999] = #"{"id": "broken", "prompt": }"#  // line 3000: near the middle
        lines[5_499] = #"{"id": "c10", "prompt": "again"}"#  // line 5500: a duplicate of line 10
        let good = try load(["suites/big.jsonl": lines.enumerated().filter { ![1, 2_999, 5_499].contains($0.offset) }.map(\.element).joined(separator: "\n")])
        guard case .success(let suites) = good else { Issue.record("\(messages(good))"); return }
        #expect(suites[0].cases.count == 5_997)
        #expect(suites[0].cases.map(\.id) == lines.enumerated().filter { ![1, 2_999, 5_499].contains($0.offset) }.map { "c\($0.offset + 1)" })
        #expect(suites[0].cases.map(\.location.line) == Array(1...5_997))
        let errors = messages(try load(["suites/big.jsonl": lines.joined(separator: "\n")]))
        #expect(errors.count == 2)
        #expect(errors.first?.hasPrefix("suites/big.jsonl:3000:") == true, "\(errors)")
        #expect(errors.last == "suites/big.jsonl:5500:1: duplicate case id 'c10' in suite 'big' (first at line 10)")
    }

    @Test func theFingerprintTextIsTheCanonicalTextOfTheMaterial() throws {
        // The fingerprint is written member by member for speed; it must be the very bytes of the
        // material's canonical text, or every stored baseline would stop matching its cases.
        let result = try load([
            "suites/a.yaml": """
            suite: a
            cases:
              - id: plain
                prompt: "Where is my \\"order\\"? ünïcødé \\u0001"
              - id: everything
                prompt: "{{vars.b}} then {{vars.a}}"
                vars: {b: "2", a: "1", Z: "upper"}
                expected_contains: ["x", "y"]
                forbidden_contains: ["z"]
                case_sensitive: true
                expected_tools:
                  - {name: lookup, arguments: {id: 7, nested: {b: [1, 2.5, true, null], a: "s"}}}
                  - other
                tools_in_order: true
                forbidden_tools: [drop_table]
                expect_refusal: true
                weight: 2.5
                assert:
                  - {type: regex, value: 'NW-\\d{5}'}
                  - {type: json_path, path: order.status, equals: shipped, not: true, weight: 3}
              - id: conversation
                messages:
                  - {role: system, content: "Be brief."}
                  - {role: user, content: "Hi"}
                weight: 0
            """
        ])
        guard case .success(let suites) = result else { Issue.record("\(messages(result))"); return }
        #expect(suites[0].cases.count == 3)
        for evalCase in suites[0].cases {
            #expect(evalCase.fingerprintText == Array(evalCase.fingerprintMaterial.canonicalText.utf8), "\(evalCase.id)")
            #expect(evalCase.fingerprint == SHA256.hex(evalCase.fingerprintMaterial.canonicalText))
        }
    }

    @Test func aCaseWithoutPromptOrMessagesIsAnError() throws {
        let errors = messages(try load(["suites/a.yaml": "suite: a\ncases:\n  - id: one\n    expected_contains: [x]\n"]))
        #expect(errors == ["suites/a.yaml:3:5: case 'one' needs 'prompt' or 'messages'"])
    }

    @Test func wrongTypesAreReportedWithWhatWasFound() throws {
        let errors = messages(try load([
            "suites/a.yaml": """
            suite: a
            cases:
              - id: one
                prompt: hi
                expected_contains: {a: b}
                case_sensitive: "yes"
                tags: [[nested]]
            """
        ]))
        #expect(errors.contains("suites/a.yaml:5:24: 'expected_contains' must be a list of strings, found a mapping"))
        #expect(errors.contains("suites/a.yaml:6:21: 'case_sensitive' must be true or false, found 'yes'"))
        #expect(errors.contains("suites/a.yaml:7:12: 'tags' must be a string, found a list"))
    }

    @Test func anEmptySuiteAndAnEmptyFileAreErrors() throws {
        let errors = messages(try load(["suites/a.yaml": "suite: a\ncases: []\n", "suites/b.yaml": ""]))
        #expect(errors.contains("suites/a.yaml:2:8: the suite is empty: 'cases' lists no case"))
        #expect(errors.contains("suites/b.yaml:1:1: the file is empty"))
    }

    @Test func aFileThatDoesNotParseReportsWhereItBroke() throws {
        let yaml = messages(try load(["suites/a.yaml": "suite: a\ncases:\n  - id: [unclosed\n"]))
        #expect(yaml.count == 1)
        #expect(yaml[0].hasPrefix("suites/a.yaml:4:1: invalid YAML"))
        let jsonl = messages(try load(["suites/p.jsonl": "{\"id\": \"a\", \"prompt\": \"x\"}\n{\"id\": \"b\", \"prompt\": \"x\",}\n"]))
        #expect(jsonl == ["suites/p.jsonl:2:27: expected a string key in object"])
    }

    @Test func allErrorsOfAllFilesAreReportedAtOnce() throws {
        let errors = messages(try load([
            "suites/a.yaml": "suite: a\ncases:\n  - id: one\n",
            "suites/b.yaml": "suite: b\ncases:\n  - id: two\n    prompt: hi\n    nope: 1\n",
        ]))
        #expect(errors.count == 2)
        #expect(errors[0].hasPrefix("suites/a.yaml:3:5:"))
        #expect(errors[1].hasPrefix("suites/b.yaml:5:5:"))
    }

    @Test func twoFilesWithOneSuiteNameAreAnError() throws {
        let errors = messages(try load([
            "suites/a.yaml": "suite: same\ncases:\n  - {id: one, prompt: hi}\n",
            "suites/b.yaml": "suite: same\ncases:\n  - {id: two, prompt: hi}\n",
        ]))
        #expect(errors == ["suites/b.yaml:1:1: suite 'same' is already defined in suites/a.yaml; suite names must be unique"])
    }

    @Test func anUndefinedVariableIsNamedWithTheCase() throws {
        let system = PromptSettings(system: "Customer {{vars.customer_id}}", systemFile: nil, template: "{{prompt}}", templateLocation: SourceLocation(file: "c", line: 1, column: 1))
        let errors = messages(try load(["suites/a.yaml": "suite: a\ncases:\n  - id: one\n    prompt: Order {{vars.order}}\n"], prompt: system))
        #expect(errors.contains("suites/a.yaml:3:5: case 'one': the system prompt uses {{vars.customer_id}}, which is not defined in the case's 'vars' or the suite's 'defaults'"))
        #expect(errors.contains("suites/a.yaml:3:5: case 'one': its prompt uses {{vars.order}}, which is not defined in the case's 'vars' or the suite's 'defaults'"))
    }

    @Test func quotedYesStaysAStringAndAPlainNumberIsAcceptedAsText() throws {
        let suites = try load(["suites/a.yaml": "suite: a\ncases:\n  - id: one\n    prompt: \"yes\"\n    expected_contains: [30, no]\n"]).get()
        #expect(suites[0].cases[0].input == .prompt("yes"))
        #expect(suites[0].cases[0].expectedContains == ["30", "no"])
    }

    @Test func invalidUTF8IsRefusedWithItsPosition() throws {
        let folder = try TemporaryDirectory()
        try folder.write("suites/a.yaml", bytes: Array("suite: a\ncases:\n  - id: \u{e9}".utf8.dropLast(1)) + [0xFF, 0x0A])
        let reference = PathReference(display: "suites", url: folder.url.appendingPathComponent("suites"), location: SourceLocation(file: "c", line: 1, column: 1))
        #expect(throws: ValidationError.self) { try SuiteLoader.load([reference], workingDirectory: folder.url) }
        do {
            _ = try SuiteLoader.load([reference], workingDirectory: folder.url)
        } catch {
            #expect(error.diagnostics.map(\.description) == ["suites/a.yaml:3:9: the file is not valid UTF-8 text"])
        }
    }

    @Test func onlyFoldersFromTheSuitePathDownDecideTheKind() throws {
        // The project itself lives in a folder named "adversarial": that must not make its golden
        // suites adversarial.
        let outer = try TemporaryDirectory()
        let project = outer.url.appendingPathComponent("adversarial/project")
        let golden = try outer.write("adversarial/project/suites/golden/g.jsonl", #"{"id": "a", "prompt": "x"}"#)
        try outer.write("adversarial/project/suites/adversarial/b.jsonl", #"{"id": "b", "prompt": "x"}"#)
        let folder = PathReference(display: "suites", url: project.appendingPathComponent("suites"), location: SourceLocation(file: "c", line: 1, column: 1))
        let suites = try SuiteLoader.load([folder], workingDirectory: project)
        #expect(suites.map { "\($0.name):\($0.kind.rawValue)" } == ["b:adversarial", "g:golden"])
        // A file named directly keeps the folders written in its path.
        let file = PathReference(display: "suites/golden/g.jsonl", url: golden, location: SourceLocation(file: "c", line: 1, column: 1))
        #expect(try SuiteLoader.load([file], workingDirectory: project).map(\.kind) == [.golden])
    }

    @Test func expectedAndForbiddenToolsAreReadAndCheckedAgainstThePinnedTools() throws {
        let folder = try TemporaryDirectory()
        try folder.write("suites/a.yaml", """
            suite: a
            defaults: {forbidden_tools: [delete_account]}
            cases:
              - id: one
                prompt: hi
                expected_tools: [lookup_order, {name: start_return, arguments: {order_id: NW-1}, exact: true}]
                tools_in_order: true
              - id: two
                prompt: hi
                expected_tools: [{name: lookup_ordr}]
            """)
        let reference = PathReference(display: "suites", url: folder.url.appendingPathComponent("suites"), location: SourceLocation(file: "c", line: 1, column: 1))
        do {
            _ = try SuiteLoader.load([reference], toolNames: ["lookup_order", "start_return", "delete_account"], workingDirectory: folder.url)
            Issue.record("an unknown tool was accepted")
        } catch {
            #expect(error.diagnostics.map(\.description) == ["suites/a.yaml:8:5: case 'two': tool 'lookup_ordr' is not in the pinned tools file; did you mean 'lookup_order'?"])
        }
        try folder.write("suites/a.yaml", try folder.read("suites/a.yaml").replacingOccurrences(of: "lookup_ordr", with: "lookup_order"))
        let suites = try SuiteLoader.load([reference], toolNames: ["lookup_order", "start_return", "delete_account"], workingDirectory: folder.url)
        let first = suites[0].cases[0]
        #expect(first.expectedTools == [ExpectedToolCall(name: "lookup_order"), ExpectedToolCall(name: "start_return", arguments: ["order_id": "NW-1"], exact: true)])
        #expect(first.toolsInOrder)
        #expect(first.forbiddenTools == ["delete_account"])
    }

    @Test func anAliasBombIsRefusedInsteadOfExpanded() throws {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            yaml += "a\(level): &a\(level) [\(refs)]\n"
        }
        yaml += "suite: bomb\ncases: [*a9]\n"
        let errors = messages(try load(["suites/bomb.yaml": yaml]))
        #expect(errors.count == 1)
        #expect(errors.first?.contains("alias bomb") == true)
    }
}
