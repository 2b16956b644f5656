@testable import EvalGateCore
import Foundation
import PropertyBased
import TestSupport
import Testing

/// The config and suite loaders on mutated documents: each returns a value or a `ValidationError`
/// located in the file; none crashes or hangs. (A crash ends the test process: the run fails.)
@Suite struct LoaderFuzzTests {
    static let config = """
        version: 1
        provider: {type: replay, file: answers.jsonl, model: m-1, temperature: 0}
        prompt: {system: system.md, template: "{{prompt}}"}
        tools: tools.json
        pricing: {m-1: {input_per_mtok: 1, output_per_mtok: 2}}
        run: {concurrency: 4, repeat: 1, timeout: 5, budget: {max_usd: 1}}
        suites: [suites]
        gate: {max_usefulness_drop: 0, min_safety: 1.0, alpha: 0.05}
        reports: {formats: [junit, json], paths: {json: out.json}}
        """

    static let suite = """
        suite: refunds
        kind: golden
        defaults: &d
          vars: {customer_id: C-1}
          forbidden_contains: ["as an AI"]
        cases:
          - id: window
            prompt: "How long? {{vars.customer_id}}"
            expected_contains: ["30 days"]
            expected_tools: [{name: lookup_order, arguments: {order_id: A-1}}]
            assert:
              - {type: regex, value: 'A-\\d+'}
              - {type: json_schema, value: {type: object, required: [a]}}
              - {type: levenshtein, value: x, threshold: 2}
          - id: messages
            messages: [{role: user, content: hi}]
            tags: [a, b]
            repeat: 2
        """

    static let jsonlSuite = #"""
        {"id": "a", "prompt": "Hi {{vars.customer_id}}", "vars": {"customer_id": "C-1"}, "expected_contains": ["x"]}
        {"id": "b", "messages": [{"role": "user", "content": "Hi"}], "vars": {"customer_id": "C-2"}, "assert": [{"type": "contains_json"}]}
        """#

    private static func project() throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        try folder.write("system.md", "You help {{vars.customer_id}}.\n")
        try folder.write("tools.json", #"[{"type": "function", "function": {"name": "lookup_order", "parameters": {"type": "object"}}}]"#)
        try folder.write("answers.jsonl", #"{"suite": "refunds", "case": "window", "sample": 0, "text": "30 days"}"# + "\n")
        try folder.write("suites/golden/refunds.yaml", suite)
        return folder
    }

    private static func reference(_ folder: TemporaryDirectory, _ path: String) -> PathReference {
        PathReference(display: path, url: folder.url.appendingPathComponent(path), location: SourceLocation(file: "fuzz", line: 1, column: 1))
    }

    @Test func mutatedConfigsLoadOrAreRefusedWithALocation() async throws {
        let folder = try Self.project()
        await propertyCheck(count: Mutation.count, input: Gen.uint8().array(of: 0...48)) { ops in
            _ = try? folder.write("evalgate.yaml", bytes: Mutation.apply(ops, to: Self.config))
            do {
                _ = try ConfigLoader.load(path: "evalgate.yaml", workingDirectory: folder.url, environment: [:])
            } catch let error as ValidationError {
                #expect(!error.diagnostics.isEmpty)
                #expect(error.diagnostics.allSatisfy { $0.location.line >= 0 })
            } catch {
                Issue.record("not a ValidationError: \(error)")
            }
        }
    }

    @Test func mutatedSuitesLoadOrAreRefusedWithALocation() async throws {
        let folder = try Self.project()
        await propertyCheck(count: Mutation.count, input: Gen.uint8().array(of: 0...48), Gen.bool()) { ops, jsonl in
            let path = jsonl ? "suites/golden/refunds.jsonl" : "suites/golden/refunds.yaml"
            try? FileManager.default.removeItem(at: folder.url.appendingPathComponent("suites"))
            _ = try? folder.write(path, bytes: Mutation.apply(ops, to: jsonl ? Self.jsonlSuite : Self.suite))
            do {
                let suites = try SuiteLoader.load([Self.reference(folder, "suites")], toolNames: ["lookup_order"], workingDirectory: folder.url)
                // What loads must plan and fingerprint without trouble too.
                for suite in suites { for evalCase in suite.cases { #expect(evalCase.fingerprint.count == 64) } }
            } catch let error as ValidationError {
                #expect(!error.diagnostics.isEmpty)
            } catch {
                Issue.record("not a ValidationError: \(error)")
            }
        }
    }

    /// A JSONL suite kept by line and the same suite held agree on mutated files: the same
    /// errors, or the same cases, each read back from its line as the held one.
    @Test func aSuiteKeptByLineAgreesWithItHeld() async throws {
        let folder = try TemporaryDirectory()
        let url = folder.url.appendingPathComponent("big.jsonl")
        await propertyCheck(count: Mutation.count, input: Gen.uint8().array(of: 0...48), Gen.bool()) { ops, crlf in
            var bytes = Mutation.apply(ops, to: Self.jsonlSuite)
            if crlf { bytes = bytes.flatMap { $0 == 0x0A ? [0x0D, 0x0A] : [$0] } }
            try? Data(bytes).write(to: url)
            var heldLog = DiagnosticLog(), lineLog = DiagnosticLog()
            let variables = [(name: "customer_id", usedIn: "the system prompt")]
            let held = SuiteLoader.loadFile(
                url, display: "big.jsonl", defaultKind: .golden, promptVariables: variables, toolNames: nil, graders: .init(), log: &heldLog)
            let decoding = CaseLines.Decoding(suite: "big", kind: .golden, promptVariables: variables, toolNames: nil, graders: .init())
            let kept = SuiteLoader.loadJSONLinesByLine(url, display: "big.jsonl", decoding: decoding, filter: PlanFilter(), log: &lineLog)
            #expect(heldLog.diagnostics.map(\.description) == lineLog.diagnostics.map(\.description), "\(String(decoding: bytes, as: UTF8.self).debugDescription)")
            guard heldLog.isEmpty, let held, let lines = kept?.lines else { return }
            #expect(lines.count == held.cases.count)
            for (index, evalCase) in held.cases.enumerated() where index < lines.count {
                let read = try? lines.evalCase(at: index)
                #expect(read?.fingerprint == evalCase.fingerprint && read?.location == evalCase.location && read?.tags == evalCase.tags)
            }
        }
    }

    @Test func mutatedJSONAndYAMLParseOrFail() async {
        await propertyCheck(count: Mutation.count * 2, input: Gen.uint8().array(of: 0...60)) { ops in
            let json = Mutation.text(ops, seed: #"{"a": [1, 2.5e3, -0, "\u00e9\n", true, null, {"b": {}}], "c": "\"q\""}"#)
            if let value = try? JSONSource.value(json) {
                // Whatever parses writes back to text that parses to the same value.
                #expect((try? JSONSource.value(value.canonicalText)) == value)
            }
            // The plain parser and the located one agree: the same value, or the same first error.
            let plain = Result { () throws(ValidationError) in try JSONSource.value(json, file: "f") }
            let located = Result { () throws(ValidationError) in try JSONSource.parse(json, file: "f").jsonValue }
            switch (plain, located) {
            case (.success(let a), .success(let b)): #expect(a == b)
            case (.failure(let a), .failure(let b)): #expect(a.diagnostics.first?.description == b.diagnostics.first?.description)
            default: Issue.record("the parsers disagree on \(json.debugDescription)")
            }
            let yaml = Mutation.text(ops, seed: Self.suite)
            _ = try? YAMLSource.parse(yaml, file: "fuzz.yaml")
        }
    }
}
