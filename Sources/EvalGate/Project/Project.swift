@_exported import EvalGateCore
@_exported import struct EvalGateStore.BaselineEntry
@_exported import struct EvalGateStore.RunRecord
import EvalGateProviders
import EvalGateStore
import Foundation

/// evalgate's version, stored with every run.
public enum EvalGateVersion {
    public static let current = "0.1.0"
}

/// A suite as a project remembers it once the plan is made.
public struct SuiteOutline: Sendable, Hashable {
    public var name: String
    public var kind: SuiteKind
    public var caseCount: Int
}

/// A loaded and validated project: the config, its suites and the plan for this invocation.
public struct Project: Sendable {
    public var config: EvalConfig
    /// Each suite's name, kind and size. The cases themselves live in the plan (only those the
    /// filters select); the suites are not kept, so a 100,000-case project holds its cases once.
    public var suites: [SuiteOutline]
    public var plan: Plan
    /// The provider the config pins, built (and its input, such as a recording, checked) at load.
    public var provider: any Provider
    /// Grades `llm_rubric` and `similar` assertions, when the config has a judge or embeddings.
    public var grader: ModelGrader?
    public var filter: PlanFilter
    /// Things worth saying that are not errors (an unknown `EVALGATE_*` variable).
    public var warnings: [Diagnostic]
    /// The folder paths given on the command line are relative to.
    public var workingDirectory: URL

    /// What to load and how.
    public struct Options: Sendable {
        /// The config file (default `evalgate.yaml`).
        public var configPath: String
        /// Values from the command line; environment overrides are read separately.
        public var overrides: ConfigOverrides
        public var filter: PlanFilter
        public var environment: [String: String]
        public var workingDirectory: URL

        public init(
            configPath: String = "evalgate.yaml", overrides: ConfigOverrides = ConfigOverrides(), filter: PlanFilter = PlanFilter(),
            environment: [String: String] = ProcessInfo.processInfo.environment,
            workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        ) {
            self.configPath = configPath
            self.overrides = overrides
            self.filter = filter
            self.environment = environment
            self.workingDirectory = workingDirectory
        }
    }

    /// Loads and validates everything before any request is sent.
    ///
    /// - Throws: `ValidationError` with every problem in the config and all suites.
    ///
    /// The provider (a replay recording is read and checked whole) is made while the suites load,
    /// on the pool's other thread: for 100,000 cases each is a third of a second or more. Errors
    /// come in the same order as ever: the suites', then the plan's, then the provider's.
    public static func load(_ options: Options) async throws(ValidationError) -> Project {
        let (environmentOverrides, warnings) = ConfigOverrides.fromEnvironment(options.environment)
        let overrides = ConfigOverrides(values: environmentOverrides.values + options.overrides.values)
        let config = try ConfigLoader.load(
            path: options.configPath, overrides: overrides, workingDirectory: options.workingDirectory, environment: options.environment)
        async let made = Result { () throws(ValidationError) in
            try ProviderFactory.make(config, workingDirectory: options.workingDirectory, environment: options.environment)
        }
        let planned = Result { () throws(ValidationError) in
            let suites = try SuiteLoader.load(
                config.suites, prompt: config.prompt, toolNames: config.tools?.names, graders: (config.judge != nil, config.embeddings != nil),
                workingDirectory: options.workingDirectory, byLine: options.filter)
            let outlines = suites.map { SuiteOutline(name: $0.name, kind: $0.kind, caseCount: $0.caseCount) }
            return (outlines, try Plan(suites: consume suites, filter: options.filter, samples: config.run.repeat, prompt: config.prompt))
        }
        // A provider made for nothing (the suites or the grader failed) is closed: an HTTP one has a
        // transfer thread.
        let provider: any Provider
        switch (planned, await made) {
        case (.failure(let error), let made):
            if case .success(let unused) = made { unused.close() }
            throw error
        case (.success, .failure(let error)):
            throw error
        case (.success, .success(let madeProvider)):
            provider = madeProvider
        }
        let (outlines, plan) = try planned.get()
        let grader: ModelGrader?
        do {
            grader = try ProviderFactory.makeGrader(config, workingDirectory: options.workingDirectory, environment: options.environment)
        } catch {
            provider.close()
            throw error
        }
        return Project(
            config: config, suites: outlines, plan: plan, provider: provider, grader: grader, filter: options.filter, warnings: warnings,
            workingDirectory: options.workingDirectory)
    }

    /// Loads only the config, for commands that do not run suites (`baseline`).
    public static func loadConfig(_ options: Options) throws(ValidationError) -> EvalConfig {
        let (environmentOverrides, _) = ConfigOverrides.fromEnvironment(options.environment)
        let overrides = ConfigOverrides(values: environmentOverrides.values + options.overrides.values)
        return try ConfigLoader.load(
            path: options.configPath, overrides: overrides, workingDirectory: options.workingDirectory, environment: options.environment)
    }

    /// Warnings about the environment (a misspelt `EVALGATE_*` variable), worth printing before a
    /// load that might fail because of it.
    public static func environmentWarnings(_ environment: [String: String]) -> [Diagnostic] {
        ConfigOverrides.fromEnvironment(environment).1
    }

    /// A path for messages: relative to the working folder when under it.
    public func display(_ url: URL) -> String {
        DisplayPath.relative(url, to: workingDirectory)
    }
}
