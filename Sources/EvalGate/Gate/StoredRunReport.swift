import EvalGateReports
import EvalGateStore
import Foundation

/// Which reports to write: `--report FORMAT` or `--report FORMAT=PATH` (repeatable) on `gate` and
/// `run`, `--format` on `report`; `none` writes none. Without any, the config's `reports` block.
public enum ReportSelection {
    public static func targets(_ arguments: [String], settings: ReportSettings, workingDirectory: URL) throws(EvalGateError) -> [(format: ReportFormat, url: URL)] {
        guard !arguments.isEmpty else { return settings.formats.map { ($0, settings.url(for: $0)) } }
        if arguments == ["none"] { return [] }
        var targets: [(format: ReportFormat, url: URL)] = []
        for argument in arguments {
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            let name = parts.first ?? ""
            guard let format = ReportFormat(rawValue: name) else {
                let known = ReportFormat.allCases.map(\.rawValue) + ["none"]
                throw .invalidInput(ValidationError(.outside("--report"), "unknown report format '\(name)' (known: \(known.joined(separator: ", ")))"))
            }
            var url = settings.url(for: format)
            if parts.count == 2 {
                guard !parts[1].isEmpty else {
                    throw .invalidInput(ValidationError(.outside("--report"), "'\(argument)' names no file after '='"))
                }
                url = URL(fileURLWithPath: parts[1], relativeTo: workingDirectory).standardizedFileURL
            }
            targets.removeAll { $0.format == format }
            targets.append((format, url))
        }
        return targets
    }
}

/// `evalgate report RUN-ID`: judges a stored run again and writes its reports, without calling a
/// model. The run keeps its own identity (config fingerprint, model, settings); the gate policy,
/// the baseline and the tags come from the config and suites as they are now.
public struct StoredRunReport: Sendable {
    public var options: Project.Options
    /// A run id, or `latest`.
    public var runID: String
    /// A run id in the run store, or a baseline name in the baseline file; nil for `baseline.name`.
    public var against: String?
    /// `--format` arguments (see `ReportSelection`).
    public var formats: [String]
    /// Also write the JSON report here, unlisted, for `--output json` to print.
    public var printedJSON: URL?

    public init(options: Project.Options, runID: String, against: String? = nil, formats: [String] = []) {
        self.options = options
        self.runID = runID
        self.against = against
        self.formats = formats
    }

    public func render() async throws(EvalGateError) -> RunReport {
        var config: EvalConfig
        do {
            config = try Project.loadConfig(options)
        } catch {
            throw .invalidInput(error)
        }
        let targets = try ReportSelection.targets(formats, settings: config.reports, workingDirectory: options.workingDirectory)
        let storePath = config.store.url.path
        guard FileManager.default.fileExists(atPath: storePath) else {
            throw .notFound("no run store at \(DisplayPath.relative(config.store.url, to: options.workingDirectory)); `evalgate gate` makes one")
        }
        let store = try await GateRun.openStore(storePath, role: .runs)
        let result: Result<RunReport, EvalGateError>
        do {
            result = .success(try await render(config: &config, targets: targets, store: store))
        } catch {
            result = .failure(error)
        }
        await store.close()
        return try result.get()
    }

    private func render(config: inout EvalConfig, targets: [(format: ReportFormat, url: URL)], store: RunStore) async throws(EvalGateError) -> RunReport {
        let record: RunRecord?
        do {
            record = runID == "latest" ? try await store.latestRun() : try await store.run(id: runID)
        } catch {
            throw .storage("cannot read \(storePath(config)): \(error)")
        }
        guard let record else {
            throw .notFound(runID == "latest" ? "\(storePath(config)) holds no run yet" : "no run '\(runID)' in \(storePath(config)); `evalgate runs` lists them")
        }
        var againstRunID: String?
        if let against {
            if (try? await store.run(id: against)) != nil {
                againstRunID = against
            } else {
                config.baseline.name = against
                try await requireBaseline(against, in: config)
            }
        }
        var judgement = RunJudgement(
            config: config, compare: true, requireBaseline: false, countRemoved: record.filterJSON == nil, planned: record.planned,
            workingDirectory: options.workingDirectory)
        judgement.recorded = record
        judgement.againstRunID = againstRunID
        // A run stored before results kept their tags takes them from the suites as they are now
        // (suites that no longer load give none); large JSONL suites are kept by line, as for a run.
        let settings = config
        let workingDirectory = options.workingDirectory
        judgement.tags = SuiteTags {
            let suites = (try? SuiteLoader.load(
                settings.suites, prompt: settings.prompt, toolNames: settings.tools?.names,
                graders: (settings.judge != nil, settings.embeddings != nil), workingDirectory: workingDirectory, byLine: PlanFilter())) ?? []
            return CaseTags(suites.flatMap(\.cases), lines: suites.compactMap(\.lines))
        }
        judgement.reportTargets = targets
        judgement.printedJSON = printedJSON
        let status: RunStatus = record.status == .running && record.isAbandoned ? .interrupted : record.status
        return try await judgement.judge(runID: record.id, status: status, store: store)
    }

    /// `--against NAME` must name a baseline in the baseline file when it is no run id.
    private func requireBaseline(_ name: String, in config: EvalConfig) async throws(EvalGateError) {
        let path = config.baseline.file.url.path
        let shown = DisplayPath.relative(config.baseline.file.url, to: options.workingDirectory)
        var found = false
        if FileManager.default.fileExists(atPath: path), let baselines = try? await RunStore.open(path: path, role: .baselineForReading) {
            found = (try? await baselines.baselineRun(name: name)) != nil
            await baselines.close()
        }
        if !found {
            throw .notFound("no run '\(name)' in \(storePath(config)) and no baseline '\(name)' in \(shown); `evalgate runs` and `evalgate baseline list` show them")
        }
    }

    private func storePath(_ config: EvalConfig) -> String {
        DisplayPath.relative(config.store.url, to: options.workingDirectory)
    }
}
