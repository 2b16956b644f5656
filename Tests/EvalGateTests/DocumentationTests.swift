import EvalGate
@testable import EvalGateCore
import Foundation
import TestSupport
import Testing

/// Runs every command and config snippet in `docs/`, so the documentation cannot drift from the
/// tool. Each page runs top to bottom in a fresh copy of the example project; fenced blocks say
/// what they are in their info string:
///
/// - `yaml file=PATH` (any language): written to PATH in the page's project;
/// - `yaml config`: a fragment of evalgate.yaml, merged over the example's (its top-level keys
///   replace the example's) in a fresh copy, which must validate;
/// - `yaml config apply`: the same, merged into the page's own project for the commands after it;
/// - `yaml suite` (or `jsonl suite`): a suite file, which must validate in a fresh copy (with the
///   page's last config fragment);
/// - `yaml workflow`, `yaml gitlab`: checked against GitHub's and GitLab's CI schemas;
/// - `sh`: each line is run with `sh -c` (a trailing `# exit N` gives the status expected,
///   otherwise 0; `cd` and `export` lines carry over);
/// - `text`: output or a format shown, not run.
///
/// Any other block fails the test. HTTP endpoints are a local stand-in: `http://localhost:PORT` in
/// a snippet is replaced by its address, and the providers' default hosts point at it through
/// `OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL` and `OLLAMA_HOST`.
@Suite(.serialized) struct DocumentationTests {
    static let repository = ExampleTests.repository
    static let pages = ["CONFIG.md", "SUITES.md", "ASSERTIONS.md", "PROVIDERS.md", "GATE.md", "REPORTS.md", "CI.md", "RUNNING.md", "PROMPTFOO.md"]

    struct Block {
        var line: Int
        var language: String
        var attributes: [String: String]
        var flags: Set<String>
        var text: String
    }

    static func blocks(in markdown: String) -> [Block] {
        var blocks: [Block] = []
        var current: Block?
        for (index, line) in markdown.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("```") {
                if let block = current {
                    blocks.append(block)
                    current = nil
                } else {
                    let words = line.dropFirst(3).split(separator: " ").map(String.init)
                    var block = Block(line: index + 1, language: words.first ?? "", attributes: [:], flags: [], text: "")
                    for word in words.dropFirst() {
                        if let equals = word.firstIndex(of: "=") {
                            block.attributes[String(word[..<equals])] = String(word[word.index(after: equals)...])
                        } else {
                            block.flags.insert(word)
                        }
                    }
                    current = block
                }
            } else if current != nil {
                current!.text += line + "\n"
            }
        }
        return blocks
    }

    /// One response every provider's parser reads: OpenAI's choices, Anthropic's content blocks,
    /// Ollama's message, and the paths the http example names.
    static let standInBody = """
        {"id": "doc-1", "model": "stand-in", "choices": [{"index": 0, "message": {"role": "assistant", "content": "You can return it within 30 days."}, "finish_reason": "stop"}],
         "usage": {"prompt_tokens": 12, "completion_tokens": 8, "input_tokens": 12, "output_tokens": 8},
         "type": "message", "role": "assistant", "content": [{"type": "text", "text": "You can return it within 30 days."}], "stop_reason": "end_turn",
         "message": {"role": "assistant", "content": "You can return it within 30 days."}, "done": true, "prompt_eval_count": 12, "eval_count": 8,
         "output": {"answer": "You can return it within 30 days.", "actions": []}, "meta": {"usage": [{"in": 12, "out": 8}]}}
        """

    static func freshProject() throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        for item in ["evalgate.yaml", "prompts", "tools", "suites", "examples", "baselines"] {
            try FileManager.default.copyItem(at: repository.appendingPathComponent(item), to: folder.url.appendingPathComponent(item))
        }
        return folder
    }

    /// `fragment`'s top-level keys replace the example config's.
    static func merged(_ fragment: String, into config: String) -> String {
        func topKey(_ line: Substring) -> String? {
            guard let first = line.first, first != " ", first != "#", first != "-", let colon = line.firstIndex(of: ":") else { return nil }
            return String(line[..<colon])
        }
        let replaced = Set(fragment.split(separator: "\n").compactMap(topKey))
        var kept: [Substring] = []
        var skipping = false
        for line in config.split(separator: "\n", omittingEmptySubsequences: false) {
            if let key = topKey(line) { skipping = replaced.contains(key) }
            if !skipping { kept.append(line) }
        }
        return kept.joined(separator: "\n") + "\n" + fragment
    }

    struct Page {
        var name: String
        var project: TemporaryDirectory
        var directory: URL
        var environment: [String: String?]
        var standIn: String
        /// The page's last `config` fragment, applied to the suites it shows after it.
        var configFragment = ""
        var failures: [String] = []

        mutating func fail(_ block: Block, _ message: String) {
            failures.append("docs/\(name):\(block.line): \(message)")
        }
    }

    @Test(arguments: pages)
    func everySnippetRuns(_ name: String) async throws {
        let markdown = try String(contentsOf: Self.repository.appendingPathComponent("docs/\(name)"), encoding: .utf8)
        let server = try LoopbackServer { _ in .json(Self.standInBody) }
        defer { server.stop() }
        let project = try Self.freshProject()
        let path = [ProcessRunner.productsDirectory.path, Self.repository.appendingPathComponent(".build/lint-venv/bin").path, ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"].joined(separator: ":")
        var page = Page(
            name: name, project: project, directory: project.url,
            environment: [
                "PATH": path, "NO_COLOR": "1", "OPENAI_API_KEY": "sk-docs-test", "ANTHROPIC_API_KEY": "docs-test", "AGENT_TOKEN": "docs-test",
                "OPENAI_BASE_URL": server.baseURL + "/v1", "ANTHROPIC_BASE_URL": server.baseURL, "OLLAMA_HOST": server.baseURL, "GITHUB_STEP_SUMMARY": nil,
            ],
            standIn: server.baseURL)
        let blocks = Self.blocks(in: markdown)
        #expect(!blocks.isEmpty || name == "RUNNING.md", "docs/\(name) shows no snippet")
        for block in blocks {
            let text = block.text.replacingOccurrences(of: #"http://localhost:\d+"#, with: server.baseURL, options: .regularExpression)
            if let file = block.attributes["file"] {
                let url = page.directory.appendingPathComponent(file)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try text.write(to: url, atomically: true, encoding: .utf8)
                if file.hasSuffix(".sh") || file.hasSuffix(".py") { chmod(url.path, 0o755) }
                continue
            }
            switch (block.language, block.flags) {
            case ("text", _), ("", _):
                continue
            case (_, let flags) where flags.contains("config") && flags.contains("apply"):
                // Merged into the page's own project, for the commands after it.
                let url = page.directory.appendingPathComponent("evalgate.yaml")
                let config = try String(contentsOf: url, encoding: .utf8)
                try Self.merged(text, into: config).write(to: url, atomically: true, encoding: .utf8)
                let output = try await ProcessRunner.evalgate(["validate"], in: page.directory, environment: page.environment)
                if output.status != 0 { page.fail(block, "evalgate validate exited \(output.status): \(output.stderr)") }
            case (_, let flags) where flags.contains("config"):
                let copy = try Self.freshProject()
                let config = try String(contentsOf: copy.url.appendingPathComponent("evalgate.yaml"), encoding: .utf8)
                try Self.merged(text, into: config).write(to: copy.url.appendingPathComponent("evalgate.yaml"), atomically: true, encoding: .utf8)
                page.configFragment = text
                try await validate(&page, block, in: copy)
            case (_, let flags) where flags.contains("suite"):
                let copy = try Self.freshProject()
                if !page.configFragment.isEmpty {
                    let config = try String(contentsOf: copy.url.appendingPathComponent("evalgate.yaml"), encoding: .utf8)
                    try Self.merged(page.configFragment, into: config).write(to: copy.url.appendingPathComponent("evalgate.yaml"), atomically: true, encoding: .utf8)
                }
                try copy.write("suites/golden/docs-snippet.\(block.language == "yml" ? "yaml" : block.language)", text)
                try await validate(&page, block, in: copy)
            case (_, let flags) where flags.contains("workflow") || flags.contains("gitlab"):
                let file = page.directory.appendingPathComponent("snippet-\(block.line).yml")
                try text.write(to: file, atomically: true, encoding: .utf8)
                let schema = flags.contains("workflow") ? "vendor.github-workflows" : "vendor.gitlab-ci"
                guard let linter = ProcessRunner.linter("check-jsonschema", repository: Self.repository) else {
                    page.fail(block, "check-jsonschema is not installed (.ci/run installs it in .build/lint-venv)")
                    continue
                }
                let checked = try await ProcessRunner.run(linter, ["--builtin-schema", schema, file.path])
                if checked.status != 0 { page.fail(block, "\(schema): \(checked.stdout)\(checked.stderr)") }
            case ("sh", _):
                try await run(&page, block, text)
            default:
                page.fail(block, "a ```\(block.language) block that says neither file=, config, suite, workflow nor gitlab: no test runs it")
            }
        }
        #expect(page.failures.isEmpty, "\(page.failures.joined(separator: "\n"))")
    }

    private func validate(_ page: inout Page, _ block: Block, in copy: TemporaryDirectory) async throws {
        let output = try await ProcessRunner.evalgate(["validate"], in: copy.url, environment: page.environment)
        if output.status != 0 { page.fail(block, "evalgate validate exited \(output.status): \(output.stderr)") }
    }

    private func run(_ page: inout Page, _ block: Block, _ text: String) async throws {
        var lines: [String] = []
        for line in text.split(separator: "\n") {
            if let last = lines.last, last.hasSuffix("\\") {
                lines[lines.count - 1] = String(last.dropLast()) + " " + line.trimmingCharacters(in: .whitespaces)
            } else {
                lines.append(String(line))
            }
        }
        for line in lines {
            let command = line.trimmingCharacters(in: .whitespaces)
            if command.isEmpty || command.hasPrefix("#") { continue }
            var expected: Int32 = 0
            if let match = command.range(of: #"#[^#]*\bexit (\d+)\b[^#]*$"#, options: .regularExpression),
                let number = command[match].range(of: #"\d+"#, options: .regularExpression)
            {
                expected = Int32(command[match][number]) ?? 0
            }
            if command.hasPrefix("cd ") {
                page.directory = page.directory.appendingPathComponent(String(command.dropFirst(3)).components(separatedBy: " #")[0].trimmingCharacters(in: .whitespaces)).standardizedFileURL
                continue
            }
            if command.hasPrefix("export "), let equals = command.firstIndex(of: "=") {
                let name = String(command[command.index(command.startIndex, offsetBy: 7)..<equals])
                var value = String(command[command.index(after: equals)...]).components(separatedBy: " #")[0]
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                page.environment[name] = value
                continue
            }
            let output = try await ProcessRunner.run(URL(fileURLWithPath: "/bin/sh"), ["-c", command], in: page.directory, environment: page.environment)
            if output.status != expected {
                page.fail(block, "`\(command)` exited \(output.status), expected \(expected):\n\(output.stdout.suffix(1500))\(output.stderr.suffix(1500))")
            }
        }
    }

    @Test func theConfigReferenceNamesEveryKeyAndItsVariable() throws {
        let reference = try String(contentsOf: Self.repository.appendingPathComponent("docs/CONFIG.md"), encoding: .utf8)
        for path in ConfigOverrides.overridablePaths {
            #expect(reference.contains("`" + ConfigOverrides.variableName(for: path) + "`"), "docs/CONFIG.md names \(ConfigOverrides.variableName(for: path))")
        }
        // Every key the loader accepts, read from the loader itself.
        var keys = ConfigLoader.topKeys.filter { !["provider", "prompt", "run", "baseline", "gate", "reports", "judge", "embeddings"].contains($0) }
        keys += (ProviderType.commonKeys + ProviderType.allCases.flatMap(\.ownKeys)).map { "provider." + $0 }
        keys += ConfigLoader.promptKeys.map { "prompt." + $0 } + ConfigLoader.runKeys.map { "run." + $0 }
        keys += ConfigLoader.baselineKeys.map { "baseline." + $0 } + ConfigLoader.gateKeys.map { "gate." + $0 }
        keys += ConfigLoader.reportsKeys.map { "reports." + $0 } + ["judge.provider"] + ConfigLoader.embeddingsKeys.map { "embeddings." + $0 }
        for key in keys {
            #expect(reference.contains("`\(key)"), "docs/CONFIG.md has a row for \(key)")
        }
    }
}
