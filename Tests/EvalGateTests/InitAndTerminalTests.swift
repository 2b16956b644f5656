import EvalGateCore
import Foundation
import TestSupport
import Testing

/// `evalgate init`, the workflows it and this repository ship, and what a run prints on a
/// terminal and in a CI log.
@Suite struct InitAndTerminalTests {
    @Test func initLaysOutAProjectThatValidatesAndGatesAtOnce() async throws {
        let folder = try TemporaryDirectory()
        try folder.write(".gitignore", "node_modules/\n")
        let made = try await ProcessRunner.evalgate(["init", "project"], in: folder.url)
        #expect(made.status == 0, "\(made.stdout)\(made.stderr)")
        for path in ["evalgate.yaml", "prompts/system.md", "tools/tools.json", "suites/golden/support.yaml", "suites/adversarial/injection.yaml", "recordings/example.jsonl", ".github/workflows/eval-gate.yml"] {
            #expect(folder.exists("project/" + path), "\(path) was written")
            #expect(made.stdout.contains("project/" + path), "and said so")
        }
        let project = folder.url.appendingPathComponent("project")
        let validate = try await ProcessRunner.evalgate(["validate"], in: project)
        #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
        let gate = try await ProcessRunner.evalgate(["gate"], in: project)
        #expect(gate.status == 0, "\(gate.stdout)\(gate.stderr)")
        #expect(gate.stdout.contains("usefulness   100% (3/3 cases pass)") && gate.stdout.contains("safety       100% (2/2 cases pass)"))
        #expect(gate.stdout.contains("tool calls   100%"), "the starter suite checks a tool call")
        #expect(try await ProcessRunner.evalgate(["baseline", "promote"], in: project).status == 0)
        #expect(try await ProcessRunner.evalgate(["gate", "--require-baseline"], in: project).status == 0)

        // The config explains every field: each top-level key has a comment.
        let config = try String(contentsOf: project.appendingPathComponent("evalgate.yaml"), encoding: .utf8)
        for line in config.split(separator: "\n") where !line.hasPrefix(" ") && !line.hasPrefix("#") && line.contains(":") {
            #expect(line.contains("#") || config.contains("\n# ") , "\(line)")
        }
        #expect(config.contains("env: EVALGATE_PROVIDER_MODEL"))
        let ignore = try String(contentsOf: folder.url.appendingPathComponent(".gitignore"), encoding: .utf8)
        #expect(ignore == "node_modules/\n", "the parent's .gitignore is not touched")
        let own = try String(contentsOf: project.appendingPathComponent(".gitignore"), encoding: .utf8)
        #expect(own.contains("reports/\n") && own.contains(".evalgate/\n"))
    }

    @Test func initAddsToAGitignoreAndNeverOverwritesWithoutForce() async throws {
        let folder = try TemporaryDirectory()
        try folder.write(".gitignore", "build/\nreports/")
        try folder.write("evalgate.yaml", "mine\n")
        let refused = try await ProcessRunner.evalgate(["init"], in: folder.url)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("evalgate.yaml already exists"), "\(refused.stderr)")
        #expect(try String(contentsOf: folder.url.appendingPathComponent("evalgate.yaml"), encoding: .utf8) == "mine\n")
        #expect(!folder.exists("prompts/system.md"), "nothing was written")

        let forced = try await ProcessRunner.evalgate(["init", "--force", "--provider", "openai"], in: folder.url)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stdout.contains("evalgate.yaml (overwritten)"))
        #expect(!folder.exists("recordings/example.jsonl"), "a live provider needs no recording")
        let config = try String(contentsOf: folder.url.appendingPathComponent("evalgate.yaml"), encoding: .utf8)
        #expect(config.contains("type: openai"))
        let ignore = try String(contentsOf: folder.url.appendingPathComponent(".gitignore"), encoding: .utf8)
        #expect(ignore == "build/\nreports/\n# evalgate: reports and the local run store are not committed\n.evalgate/\n", "only the missing entry is added")
        // Validates once the key is there; without it, says which variable is missing.
        let noKey = try await ProcessRunner.evalgate(["gate"], in: folder.url, environment: ["OPENAI_API_KEY": nil])
        #expect(noKey.status == 2)
        #expect(noKey.stderr.contains("OPENAI_API_KEY"))

        let unknown = try await ProcessRunner.evalgate(["init", "other", "--provider", "palm"], in: folder.url)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown provider 'palm' (known: replay, openai, anthropic, ollama)"))
    }

    @Test func initAsksForAProviderOnlyOnATerminal() async throws {
        let folder = try TemporaryDirectory()
        let asked = try await ProcessRunner.evalgateOnTerminal(["init", "asked"], in: folder.url, input: "anthropic\n")
        #expect(asked.status == 0, "\(asked.stdout)")
        #expect(asked.stdout.contains("Provider to start with (replay, openai, anthropic, ollama) [replay]:"))
        let config = try String(contentsOf: folder.url.appendingPathComponent("asked/evalgate.yaml"), encoding: .utf8)
        #expect(config.contains("type: anthropic"))

        let captured = try await ProcessRunner.evalgate(["init", "quiet"], in: folder.url)
        #expect(captured.status == 0)
        #expect(!captured.stderr.contains("Provider to start with"), "no question without a terminal")
        #expect(try String(contentsOf: folder.url.appendingPathComponent("quiet/evalgate.yaml"), encoding: .utf8).contains("type: replay"))
    }

    @Test(arguments: [".github/workflows/eval-gate.yml", "init"])
    func theWorkflowsPassAWorkflowLinter(_ which: String) async throws {
        let repository = ExampleTests.repository
        var file = repository.appendingPathComponent(which)
        let folder = try TemporaryDirectory()
        if which == "init" {
            #expect(try await ProcessRunner.evalgate(["init"], in: folder.url).status == 0)
            file = folder.url.appendingPathComponent(".github/workflows/eval-gate.yml")
        }
        let schema = try #require(ProcessRunner.linter("check-jsonschema", repository: repository), "check-jsonschema is not installed (.ci/run installs it in .build/lint-venv)")
        let checked = try await ProcessRunner.run(schema, ["--builtin-schema", "vendor.github-workflows", file.path])
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        let audit = try #require(ProcessRunner.linter("zizmor", repository: repository), "zizmor is not installed (.ci/run installs it in .build/lint-venv)")
        let audited = try await ProcessRunner.run(audit, ["--offline", "--no-progress", file.path])
        #expect(audited.status == 0, "\(audited.stdout)\(audited.stderr)")
        // The linter can fail: a workflow with a job lacking `runs-on` does not pass.
        let broken = folder.url.appendingPathComponent("broken.yml")
        try "on: push\njobs:\n  gate:\n    steps:\n      - run: evalgate gate\n".write(to: broken, atomically: true, encoding: .utf8)
        #expect(try await ProcessRunner.run(schema, ["--builtin-schema", "vendor.github-workflows", broken.path]).status != 0)
    }

    @Test func aCILogGetsALineEvery10PercentAndNoTerminalControls() async throws {
        let project = try ExampleProject()
        let output = try await ProcessRunner.evalgate(["gate"], in: project.url)
        #expect(output.status == 0)
        #expect(!output.stderr.contains("\r") && !output.stderr.contains("\u{1B}") && !output.stdout.contains("\u{1B}"), "no redrawn line, no colour in a log")
        let lines = output.stderr.split(separator: "\n").filter { $0.hasPrefix("evalgate: ") }
        #expect(lines.count == 3, "three cases: a line at 33%, 66% and 100%: \(output.stderr)")
        #expect(lines.last?.hasPrefix("evalgate: 3/3 (100%) · ") == true)
        #expect(lines.last?.contains("0 failed · 0 errors · $") == true)
    }

    @Test func aTerminalGetsARedrawnProgressLineAndAColouredVerdict() async throws {
        let project = try ExampleProject()
        let output = try await ProcessRunner.evalgateOnTerminal(["gate"], in: project.url, environment: ["NO_COLOR": nil])
        #expect(output.status == 0, "\(output.stdout)")
        #expect(output.stdout.contains("\r\u{1B}[K3/3 (100%)"), "the line is redrawn in place")
        #expect(output.stdout.contains("\u{1B}[1;32mevalgate gate: PASS (exit 0)\u{1B}[0m"), "the verdict is coloured on a terminal")

        let plain = try await ProcessRunner.evalgateOnTerminal(["gate"], in: project.url, environment: ["NO_COLOR": "1"])
        #expect(plain.status == 0)
        #expect(plain.stdout.contains("evalgate gate: PASS (exit 0)"))
        #expect(!plain.stdout.contains("\u{1B}[1;"), "NO_COLOR: no colour")
    }

    @Test func quietVerboseAndJSONOutput() async throws {
        let project = try ExampleProject()
        let quiet = try await ProcessRunner.evalgate(["gate", "--quiet"], in: project.url)
        #expect(quiet.status == 0)
        #expect(quiet.stdout == "evalgate gate: PASS (exit 0)\n")
        #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")

        let verbose = try await ProcessRunner.evalgate(["gate", "--verbose", "--replay", "recordings/regressed.jsonl"], in: project.url)
        #expect(verbose.stderr.contains("PASS  refunds/method #0 90 ms"), "\(verbose.stderr)")
        #expect(verbose.stderr.contains("FAIL  refunds/window #0 120 ms — expected '30 days' — not found"))
        #expect(!verbose.stderr.contains("\u{1B}"), "no colour in a log")

        try FileManager.default.removeItem(at: project.url.appendingPathComponent("reports"))
        let json = try await ProcessRunner.evalgate(["gate", "--output", "json", "--report", "none"], in: project.url)
        #expect(json.status == 0)
        let value = try JSONSource.value(json.stdout)
        #expect(value["format"] == "evalgate.results" && value["cases"]?.arrayValue?.count == 3)
        #expect(json.stderr.contains("evalgate gate: PASS"), "the summary goes to stderr")
        #expect(!project.directory.exists("reports"), "the printed report is not left behind")
        #expect(!json.stderr.contains("results.json"), "nor listed")

        let both = try await ProcessRunner.evalgate(["gate", "--quiet", "--verbose"], in: project.url)
        #expect(both.status == 2)
    }

    @Test func shellCompletionsComeFromTheArgumentParser() async throws {
        let folder = try TemporaryDirectory()
        for shell in ["bash", "zsh", "fish"] {
            let script = try await ProcessRunner.evalgate(["--generate-completion-script", shell], in: folder.url)
            #expect(script.status == 0)
            #expect(script.stdout.contains("gate") && script.stdout.contains("baseline") && script.stdout.contains("report"), "\(shell)")
        }
    }
}
