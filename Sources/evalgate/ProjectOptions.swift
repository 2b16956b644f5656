import ArgumentParser
import EvalGate
import Foundation

/// The config file option, for every command.
struct ConfigOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("The config file; EVALGATE_CONFIG sets another default.", valueName: "file"))
    var config: String = ProcessInfo.processInfo.environment["EVALGATE_CONFIG"] ?? "evalgate.yaml"

    /// Loads the config alone; on invalid input prints every error and exits 2.
    func loadConfig() throws -> (EvalConfig, display: (URL) -> String) {
        Terminal.warn(Project.environmentWarnings(ProcessInfo.processInfo.environment))
        do {
            let options = Project.Options(configPath: config)
            let config = try Project.loadConfig(options)
            let base = options.workingDirectory
            return (config, { DisplayPath.relative($0, to: base) })
        } catch {
            throw ExitCode(Terminal.report(error))
        }
    }
}

/// Options shared by the commands that load the project and run it.
struct ProjectOptions: ParsableArguments {
    @OptionGroup var configOptions: ConfigOptions

    var config: String { configOptions.config }

    @Option(help: ArgumentHelp("Requests in flight at once (overrides run.concurrency).", valueName: "n"))
    var concurrency: Int?

    @Option(help: ArgumentHelp("Samples per case (overrides run.repeat).", valueName: "k"))
    var `repeat`: Int?

    @Option(help: ArgumentHelp("Seconds one request may take (overrides run.timeout).", valueName: "seconds"))
    var timeout: Double?

    @Option(help: ArgumentHelp("Answer from this JSONL recording instead of the configured provider.", valueName: "file"))
    var replay: String?

    @Option(help: ArgumentHelp("Run only this suite (repeatable).", valueName: "name"))
    var suite: [String] = []

    @Option(help: ArgumentHelp("Run only cases with this tag (repeatable).", valueName: "tag"))
    var tag: [String] = []

    @Option(name: .customLong("case"), help: ArgumentHelp("Run only this case, as ID or SUITE/ID (repeatable).", valueName: "id"))
    var cases: [String] = []

    /// Command-line overrides, applied after the environment's.
    var overrides: ConfigOverrides {
        var values: [ConfigOverrides.Value] = []
        if let concurrency { values.append(.init(path: ["run", "concurrency"], text: String(concurrency), origin: "--concurrency")) }
        if let `repeat` { values.append(.init(path: ["run", "repeat"], text: String(`repeat`), origin: "--repeat")) }
        if let timeout { values.append(.init(path: ["run", "timeout"], text: String(timeout), origin: "--timeout")) }
        if let replay {
            values.append(.init(path: ["provider", "type"], text: "replay", origin: "--replay"))
            values.append(.init(path: ["provider", "file"], text: replay, origin: "--replay"))
        }
        return ConfigOverrides(values: values)
    }

    @Option(help: ArgumentHelp("Run only share I of N of the cases (stable by case id), for parallel CI jobs; combine them with `evalgate merge`.", valueName: "i/n"))
    var shard: String?

    func validate() throws {
        if let shard, parsedShard(shard) == nil {
            throw ValidationError("--shard takes I/N with 1 ≤ I ≤ N, for example --shard 2/4")
        }
    }

    private func parsedShard(_ text: String) -> (index: Int, count: Int)? {
        let parts = text.split(separator: "/").compactMap { Int($0) }
        guard parts.count == 2, parts[1] >= 1, (1...parts[1]).contains(parts[0]) else { return nil }
        return (parts[0], parts[1])
    }

    var filter: PlanFilter { PlanFilter(suites: suite, tags: tag, cases: cases, shard: shard.flatMap(parsedShard)) }

    /// Loads the project, printing warnings; on invalid input prints every error and exits 2.
    func load(extra: [ConfigOverrides.Value] = []) async throws -> Project {
        var overrides = self.overrides
        overrides.values += extra
        // Printed first: a misspelt override may be why loading fails.
        Terminal.warn(Project.environmentWarnings(ProcessInfo.processInfo.environment))
        do {
            return try await Project.load(Project.Options(configPath: config, overrides: overrides, filter: filter))
        } catch {
            throw ExitCode(Terminal.report(error))
        }
    }
}
