import EvalGateCore
import Foundation
import TestSupport
import Testing

/// `evalgate import` on fixture files: what converts, to what, and the list of what did not.
@Suite struct ImportTests {
    static let fixtures = ExampleTests.repository.appendingPathComponent("Tests/Fixtures/import")

    /// A project whose config has a judge and an embeddings endpoint (never called: only validated).
    private func project() throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("promptfoo"), to: folder.url.appendingPathComponent("promptfoo"))
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("openai-evals"), to: folder.url.appendingPathComponent("openai-evals"))
        try folder.write("prompts/system.md", "You help.\n")
        try folder.write("evalgate.yaml", """
            version: 1
            provider: {type: openai, model: gpt-4o-mini-2024-07-18, base_url: "http://127.0.0.1:9/v1"}
            prompt: {system: prompts/system.md}
            judge:
              provider: {type: openai, model: gpt-4o-mini-2024-07-18, base_url: "http://127.0.0.1:9/v1"}
            embeddings: {model: text-embedding-3-small, base_url: "http://127.0.0.1:9/v1"}
            suites: [suites]
            """)
        return folder
    }

    private func load(_ folder: TemporaryDirectory, _ path: String) throws -> Suite {
        let reference = PathReference(display: path, url: folder.url.appendingPathComponent(path), location: SourceLocation(file: "test", line: 1, column: 1))
        return try SuiteLoader.load([reference], graders: (true, true), workingDirectory: folder.url)[0]
    }

    @Test func promptfooTestsConvertAndWhatCannotIsListedWithItsLine() async throws {
        let folder = try project()
        let output = try await ProcessRunner.evalgate(["import", "promptfoo", "promptfoo/promptfooconfig.yaml"], in: folder.url)
        #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
        #expect(output.stdout.hasPrefix("Wrote suites/imported/promptfooconfig.yaml: suite 'promptfooconfig', 5 cases, 26 checks."))
        let notConverted = output.stdout.components(separatedBy: "Not converted (8):\n").last?.split(separator: "\n").map(String.init) ?? []
        #expect(notConverted == [
            "  promptfoo/promptfooconfig.yaml:6:5: prompts[1]: evalgate pins one prompt per config: run another prompt as its own config and compare them with `evalgate compare A.yaml B.yaml`",
            "  promptfoo/promptfooconfig.yaml:8:3: providers: the provider is pinned in evalgate.yaml (provider:), not in a suite",
            "  promptfoo/promptfooconfig.yaml:18:16: defaultTest.options.transform: evalgate scores the answer as the model gave it; transform it in an exec or http provider instead",
            "  promptfoo/promptfooconfig.yaml:42:15: tests[1].assert[3]: type 'javascript' has no evalgate counterpart",
            "  promptfoo/promptfooconfig.yaml:70:20: tests[4].assert[1].threshold: evalgate's judge gives pass or fail, not a score to threshold",
            "  promptfoo/promptfooconfig.yaml:73:15: tests[4].assert[3]: type 'moderation' has no evalgate counterpart",
            "  promptfoo/promptfooconfig.yaml:75:7: tests[4].metadata: evalgate cases have tags, not metadata; add tags by hand",
            "  promptfoo/promptfooconfig.yaml:76:5: tests[5]: a test given as a string (a file reference?) is not read",
        ])
        let written = try String(contentsOf: folder.url.appendingPathComponent("suites/imported/promptfooconfig.yaml"), encoding: .utf8)
        #expect(written.contains("# Not converted (8)"), "the list heads the suite too")

        let validate = try await ProcessRunner.evalgate(["validate"], in: folder.url, environment: ["OPENAI_API_KEY": "test-key"])
        #expect(validate.status == 0, "the imported suite is valid: \(validate.stdout)\(validate.stderr)")

        let suite = try load(folder, "suites/imported/promptfooconfig.yaml")
        #expect(suite.cases.map(\.id) == ["return-window", "refund-method", "order-lookup-uses-the-tool", "test-4", "injection"])
        let window = try #require(suite.cases.first)
        #expect(window.input == .prompt("You are the support assistant. Customer Dana asks: How long do I have to return a jacket?\n"), "the prompt file, its {{vars}} filled")
        #expect(window.caseSensitive, "promptfoo's contains matches case exactly")
        let types = window.assertions.map { ($0.negated ? "not " : "") + $0.type }
        #expect(types == ["latency_ms", "not contains", "levenshtein", "not regex", "regex"], "defaultTest's checks join each test's")
        let refund = suite.cases[1]
        #expect(refund.assertions.map(\.type) == ["latency_ms", "contains_any", "starts_with", "regex", "regex", "regex"])
        #expect(refund.assertions[2].weight == 2)
        let tools = suite.cases[2]
        #expect(tools.expectedTools.map(\.name) == ["lookup_order"])
        #expect(!tools.caseSensitive, "only case-insensitive checks: the case stays insensitive")
        #expect(tools.assertions.map(\.type) == ["latency_ms", "cost_usd", "contains"])
        #expect(suite.cases[3].assertions.map(\.type) == ["latency_ms", "contains_json", "is_json", "regex", "equals", "regex"])
        let injection = suite.cases[4]
        #expect(injection.expectRefusal)
        #expect(injection.assertions.map(\.type) == ["latency_ms", "llm_rubric", "similar", "contains"])
    }

    @Test func openAIEvalsSamplesConvertByMatchKind() async throws {
        let folder = try project()
        let output = try await ProcessRunner.evalgate(["import", "openai-evals", "openai-evals/samples.jsonl", "--out", "suites/evals"], in: folder.url)
        #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
        #expect(output.stdout.hasPrefix("Wrote suites/evals/samples.yaml: suite 'samples', 3 cases, 3 checks."))
        #expect(output.stdout.contains("Not converted (4):\n  openai-evals/samples.jsonl:3:55: the sample on line 3.metadata: no evalgate counterpart\n  openai-evals/samples.jsonl:4:11: the sample on line 4.input: the last message must be the user's\n  openai-evals/samples.jsonl:5:1: a line:"))
        #expect(output.stdout.contains("openai-evals/samples.jsonl:6:1: the sample on line 6.ideal: no ideal answer to check against"))
        let suite = try load(folder, "suites/evals/samples.yaml")
        #expect(suite.cases.map(\.id) == ["sample-1", "sample-2", "sample-3"])
        #expect(suite.cases[0].input == .messages([ChatMessage(role: "system", content: "Answer with the capital city only."), ChatMessage(role: "user", content: "What is the capital of France?")]))
        #expect(suite.cases.map { $0.assertions.map(\.type) } == [["contains"], ["contains_any"], ["contains"]])

        let exact = try await ProcessRunner.evalgate(["import", "openai-evals", "openai-evals/samples.jsonl", "--out", "suites/exact", "--match", "equals", "--name", "samples-exact"], in: folder.url)
        #expect(exact.status == 0)
        let strict = try load(folder, "suites/exact/samples-exact.yaml")
        #expect(strict.cases.map { $0.assertions.map(\.type) } == [["equals"], ["regex"], ["equals"]])
        #expect(try await ProcessRunner.evalgate(["validate"], in: folder.url, environment: ["OPENAI_API_KEY": "test-key"]).status == 0)

        let again = try await ProcessRunner.evalgate(["import", "openai-evals", "openai-evals/samples.jsonl", "--out", "suites/evals"], in: folder.url)
        #expect(again.status == 2, "an existing suite is not replaced without --force")
        #expect(again.stderr.contains("already exists; nothing was written (--force overwrites)"))
        let empty = try await ProcessRunner.evalgate(["import", "promptfoo", "evalgate.yaml"], in: folder.url)
        #expect(empty.status == 2)
        #expect(empty.stderr.contains("evalgate.yaml has no 'tests' to convert"))
    }
}
