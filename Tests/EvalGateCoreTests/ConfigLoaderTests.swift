import EvalGateCore
import Foundation
import TestSupport
import Testing

@Suite struct ConfigLoaderTests {
    /// A project folder with a valid config and its files; `config` replaces the config's text.
    private func project(_ config: String? = nil, extra: [String: String] = [:]) throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        try folder.write("evalgate.yaml", config ?? """
            version: 1
            provider: {type: replay, file: rec.jsonl, model: m-1, temperature: 0.2, seed: 3}
            prompt: {system: system.md, template: "Q: {{prompt}}"}
            tools: tools.json
            suites: [suites]
            """)
        try folder.write("rec.jsonl", "")
        try folder.write("system.md", "Be helpful.")
        try folder.write("tools.json", #"[{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]"#)
        try folder.write("suites/a.yaml", "suite: a\ncases:\n  - {id: x, prompt: hi}\n")
        for (path, contents) in extra { try folder.write(path, contents) }
        return folder
    }

    private func load(_ folder: TemporaryDirectory, overrides: ConfigOverrides = ConfigOverrides()) -> Result<EvalConfig, ValidationError> {
        do {
            return .success(try ConfigLoader.load(path: "evalgate.yaml", overrides: overrides, workingDirectory: folder.url))
        } catch {
            return .failure(error)
        }
    }

    private func errors(_ result: Result<EvalConfig, ValidationError>) -> [String] {
        if case .failure(let error) = result { return error.diagnostics.map(\.description) }
        return []
    }

    @Test func aValidConfigLoadsWithDefaults() throws {
        let config = try load(project()).get()
        #expect(config.provider.type == .replay)
        #expect(config.provider.model == "m-1")
        #expect(config.provider.sampling == Sampling(temperature: 0.2, seed: 3))
        #expect(config.prompt.system == "Be helpful.")
        #expect(config.prompt.template == "Q: {{prompt}}")
        #expect(config.tools?.names == ["lookup"])
        #expect(config.run.concurrency == 8)
        #expect(config.run.repeat == 1)
        #expect(config.store.display == ".evalgate/runs.sqlite")
        #expect(config.baseline.name == "main")
        #expect(config.gate.minSafety == 1.0)
        #expect(config.gate.maxErrorRate == 0.005)
        #expect(config.fingerprint.count == 64)
    }

    @Test func theFingerprintFollowsBehaviourNotPathsOrConcurrency() throws {
        let base = try load(project()).get().fingerprint
        // Same content in a file with another name, and wider concurrency: same fingerprint.
        let moved = try project("""
            provider: {type: replay, file: rec.jsonl, model: m-1, temperature: 0.2, seed: 3}
            prompt: {system: other.md, template: "Q: {{prompt}}"}
            tools: tools.json
            run: {concurrency: 64}
            store: elsewhere.sqlite
            """, extra: ["other.md": "Be helpful."])
        #expect(try load(moved).get().fingerprint == base)
        // A changed prompt text, temperature or tool schema changes it.
        let prompt = try project(extra: ["system.md": "Be very helpful."])
        #expect(try load(prompt).get().fingerprint != base)
        let tools = try project(extra: ["tools.json": #"[{"type": "function", "function": {"name": "lookup2", "parameters": {"type": "object"}}}]"#])
        #expect(try load(tools).get().fingerprint != base)
        let sampling = try load(project(), overrides: ConfigOverrides(values: [.init(path: ["provider", "temperature"], text: "0.3", origin: "--x")])).get()
        #expect(sampling.fingerprint != base)
    }

    @Test func environmentOverridesApplyAndCommandLineWins() throws {
        let folder = try project()
        let (fromEnvironment, warnings) = ConfigOverrides.fromEnvironment([
            "EVALGATE_RUN_CONCURRENCY": "16", "EVALGATE_BASELINE_NAME": "release", "EVALGATE_RUN_CONCURENCY": "3", "HOME": "/root",
        ])
        #expect(warnings.map(\.description) == [
            "environment: EVALGATE_RUN_CONCURENCY is not a setting evalgate knows; it is ignored; did you mean EVALGATE_RUN_CONCURRENCY?"
        ])
        let commandLine = ConfigOverrides.Value(path: ["run", "concurrency"], text: "32", origin: "--concurrency")
        let config = try load(folder, overrides: ConfigOverrides(values: fromEnvironment.values + [commandLine])).get()
        #expect(config.run.concurrency == 32)
        #expect(config.baseline.name == "release")
    }

    @Test func aBadOverrideNamesWhereItCameFrom() throws {
        let (overrides, _) = ConfigOverrides.fromEnvironment(["EVALGATE_RUN_CONCURRENCY": "lots"])
        #expect(errors(load(try project(), overrides: overrides)) == ["environment variable EVALGATE_RUN_CONCURRENCY: 'concurrency' must be a whole number, found 'lots'"])
    }

    @Test func everyMistakeIsReportedWithItsLine() throws {
        let folder = try project("""
            version: 1
            provider:
              type: replai
              model: m
            prompt:
              system: missing.md
              template: "no placeholder"
            run:
              concurrency: 0
              timeot: 5
            gate:
              min_safety: 1.5
            reports: {formats: [junit, pdf]}
            """)
        let found = errors(load(folder))
        #expect(found.count == 7)
        let lines = found.compactMap { Int($0.split(separator: ":")[1]) }
        #expect(lines == lines.sorted(), "reported in file order")
        #expect(found.contains("evalgate.yaml:3:9: unknown provider type 'replai'; did you mean 'replay'?"))
        #expect(found.contains("evalgate.yaml:6:11: file 'missing.md' does not exist"))
        #expect(found.contains("evalgate.yaml:7:13: the template must place the case's prompt with {{prompt}}"))
        #expect(found.contains("evalgate.yaml:9:16: 'concurrency' must be between 1 and 1024, found 0"))
        #expect(found.contains("evalgate.yaml:10:3: unknown key 'timeot' in run; did you mean 'timeout'?"))
        #expect(found.contains("evalgate.yaml:12:15: 'min_safety' must be between 0 and 1, found 1.5"))
        #expect(found.contains("evalgate.yaml:13:28: unknown report format 'pdf' (known: junit, markdown, html, json)"))
    }

    @Test func theExecProviderNeedsAnArgvListNotAShellString() throws {
        let folder = try project("provider: {type: exec, model: m, command: \"python3 agent.py\"}\n")
        #expect(errors(load(folder)) == ["evalgate.yaml:1:43: 'command' must be a list (program and arguments, never a shell string), found a string"])
    }

    @Test func aToolsFileThatIsNotJSONIsReportedInThatFile() throws {
        let folder = try project(extra: ["tools.json": "[{\"type\": \"function\",}]"])
        #expect(errors(load(folder)) == ["tools.json:1:22: expected a string key in object"])
    }

    @Test func aMissingConfigFileSaysSo() throws {
        let folder = try TemporaryDirectory()
        #expect(errors(load(folder)) == ["evalgate.yaml:1:1: file 'evalgate.yaml' does not exist"])
    }

    @Test func replayOverrideDropsTheExecCommand() throws {
        let folder = try project("provider: {type: exec, model: m, command: [./agent]}\n", extra: ["other.jsonl": ""])
        let overrides = ConfigOverrides(values: [
            .init(path: ["provider", "type"], text: "replay", origin: "--replay"),
            .init(path: ["provider", "file"], text: "other.jsonl", origin: "--replay"),
        ])
        let config = try ConfigLoader.load(path: "evalgate.yaml", overrides: overrides, workingDirectory: folder.url)
        #expect(config.provider.type == .replay)
        #expect(config.provider.command == nil)
        #expect(config.provider.recording?.url.lastPathComponent == "other.jsonl")
    }
}
