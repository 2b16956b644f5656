import EvalGateProviders
import EvalGateReports
import EvalGateStore
import Foundation

/// What `evalgate run` and `evalgate gate` produce.
public struct RunReport: Sendable {
    public var runID: String
    public var status: RunStatus
    public var scores: ScoreBoard
    public var comparison: BaselineComparison?
    public var verdict: GateVerdict
    /// The summary text for stdout.
    public var summary: String
    /// Report files written.
    public var reportFiles: [String]
    /// What the reports were written from (for `--output json` and tests).
    public var content: ReportContent
    /// The JSON report written, if any (for `--output json` to print).
    public var jsonReport: URL?

    /// The process exit code: 0 pass, 1 regression, 3 incomplete.
    public var exitCode: Int32 { verdict.exitCode }
}

/// Runs the pinned config over the suites, stores the run, compares it with the baseline, writes
/// the reports and returns the verdict: `evalgate gate` (and, without a verdict, `evalgate run`).
public struct GateRun: Sendable {
    public var project: Project
    /// Judge against the baseline (gate) or only run and store (run).
    public var compare: Bool
    /// Fail (exit 3) when there is no baseline to compare with.
    public var requireBaseline: Bool
    /// Write a replay recording of every response here.
    public var recordPath: String?
    public var control: RunControl
    public var progress: (@Sendable (RunProgress) -> Void)?
    /// Finish a stored run instead of starting one: a run id, or the latest that did not complete.
    public var resume: Resume?
    /// Answer from the response cache where it can (not for replays, which are their own record).
    public var useCache = true
    /// The reports to write and where; nil for the config's `reports` block.
    public var reportTargets: [(format: ReportFormat, url: URL)]?
    /// A file to append the Markdown summary to as well (`$GITHUB_STEP_SUMMARY`).
    public var stepSummary: URL?
    /// Also write the JSON report here, unlisted, for `--output json` to print.
    public var printedJSON: URL?

    /// Which stored run to finish.
    public enum Resume: Sendable {
        case run(String)
        case latest
    }

    public init(
        project: Project, compare: Bool = true, requireBaseline: Bool = false, recordPath: String? = nil,
        control: RunControl = RunControl(), progress: (@Sendable (RunProgress) -> Void)? = nil, resume: Resume? = nil
    ) {
        self.resume = resume
        self.project = project
        self.compare = compare
        self.requireBaseline = requireBaseline
        self.recordPath = recordPath
        self.control = control
        self.progress = progress
    }

    /// Does the whole job.
    ///
    /// - Throws: `EvalGateError` when input is invalid (exit 2) or the store or reports cannot be
    ///   written (exit 3). A regression is not an error: it is in the returned verdict.
    public func execute() async throws(EvalGateError) -> RunReport {
        let config = project.config
        let provider = project.provider
        let recorder: ResponseRecorder?
        do {
            recorder = try recordPath.map { try ResponseRecorder(path: $0) }
        } catch {
            throw .storage("cannot write the recording \(recordPath ?? ""): \(error.localizedDescription)")
        }

        let store = try await Self.openStore(config.store.url.path, role: .runs)
        let runID: String
        var finished: Set<RunStore.ResultCursor> = []
        if let resume {
            do {
                (runID, finished) = try await resumable(resume, in: store)
            } catch {
                await store.close()
                throw error
            }
        } else {
            runID = RunRecord.makeID()
            let record = RunRecord(
                id: runID, startedAt: Date(), status: .running, configFingerprint: config.fingerprint,
                configJSON: config.storedJSON.canonicalText, provider: config.provider.type.rawValue, model: config.provider.model,
                gitCommit: GitCommit.head(in: project.workingDirectory), evalgateVersion: EvalGateVersion.current,
                planned: project.plan.count, filterJSON: project.filter.isEmpty ? nil : filterJSON, pid: Int(getpid()))
            do {
                try await store.insertRun(record)
            } catch {
                await store.close()
                throw .storage("cannot record the run in \(project.display(config.store.url)): \(error)")
            }
        }

        // Fresh answers are always cached (a replay is its own record); --no-cache only skips lookups.
        let cacheable = config.provider.type != .replay
        let writer = store.resultWriter(runID: runID, cacheConfig: cacheable ? config.fingerprint : nil)
        var runner = Runner(
            plan: project.plan, config: config, provider: provider, writer: writer, recorder: recorder, control: control, progress: progress,
            grader: project.grader)
        runner.finished = finished
        if cacheable && useCache {
            runner.cache = store
            runner.cachedKeys = (try? await store.cachedKeys(config: config.fingerprint)) ?? []
        }
        var status = await runner.run(runID: runID)
        provider.close()
        project.grader?.close()
        do {
            try await writer.flush()
        } catch {
            status = .failed
        }
        try? recorder?.close()
        do {
            try await store.finishRun(id: runID, status: status)
        } catch {
            await store.close()
            throw .storage("cannot record the end of run \(runID): \(error)")
        }
        if let failure = writer.failure {
            await store.close()
            throw .storage("results of run \(runID) could not be stored: \(failure)")
        }
        if let failure = control.inputFailure {
            await store.close()
            throw .invalidInput(failure)
        }

        return try await judgeAndClose(runID: runID, status: status, store: store)
    }

    /// The run to finish and the results it already has. Refuses a completed run, one still
    /// running in a live process, and one started with a different config.
    private func resumable(_ resume: Resume, in store: RunStore) async throws(EvalGateError) -> (String, Set<RunStore.ResultCursor>) {
        let config = project.config
        let found: RunRecord?
        do {
            switch resume {
            case .run(let id): found = try await store.run(id: id)
            case .latest: found = try await store.runs(limit: 1000).first { $0.status == .interrupted || $0.status == .budgetExceeded || $0.isAbandoned }
            }
        } catch {
            throw .storage("cannot read \(project.display(config.store.url)): \(error)")
        }
        guard let run = found else {
            switch resume {
            case .run(let id): throw .notFound("no run '\(id)' in \(project.display(config.store.url)); `evalgate runs` lists them")
            case .latest: throw .notFound("no interrupted run in \(project.display(config.store.url)) to resume")
            }
        }
        if run.status == .completed {
            throw .invalidInput(ValidationError(.outside("--resume"), "run \(run.id) already completed; there is nothing to resume"))
        }
        if run.status == .running && !run.isAbandoned {
            throw .invalidInput(ValidationError(.outside("--resume"), "run \(run.id) is still running (process \(run.pid.map(String.init) ?? "unknown"))"))
        }
        guard run.configFingerprint == config.fingerprint else {
            throw .invalidInput(ValidationError(
                .outside("--resume"),
                "run \(run.id) was started with config \(run.configFingerprint.prefix(12)), and the config is now \(config.fingerprint.prefix(12)); a resumed run must run the same config"))
        }
        do {
            let finished = try await store.finishedItems(runID: run.id)
            try await store.resumeRun(id: run.id, pid: Int(getpid()))
            return (run.id, finished)
        } catch {
            throw .storage("cannot resume run \(run.id): \(error)")
        }
    }

    private var filterJSON: String {
        let filter = project.filter
        let value: JSONValue = [
            "suites": .array(filter.suites.map(JSONValue.string)), "tags": .array(filter.tags.map(JSONValue.string)),
            "cases": .array(filter.cases.map(JSONValue.string)),
            "shard": filter.shard.map { .string("\($0.index)/\($0.count)") } ?? .null,
        ]
        return value.canonicalText
    }

    static func openStore(_ path: String, role: RunStore.Role) async throws(EvalGateError) -> RunStore {
        do {
            return try await RunStore.open(path: path, role: role)
        } catch {
            throw .storage("cannot open \(path): \(error)")
        }
    }

    /// Judges and reports a stored run, then closes the store whether that worked or not.
    func judgeAndClose(runID: String, status: RunStatus, store: RunStore) async throws(EvalGateError) -> RunReport {
        let report: Result<RunReport, EvalGateError>
        do {
            report = .success(try await judgeAndReport(runID: runID, status: status, store: store))
        } catch {
            report = .failure(error)
        }
        await store.close()
        return try report.get()
    }

    /// Compares with the baseline, writes reports and builds the summary.
    func judgeAndReport(runID: String, status: RunStatus, store: RunStore) async throws(EvalGateError) -> RunReport {
        var judgement = RunJudgement(
            config: project.config, compare: compare, requireBaseline: requireBaseline, countRemoved: project.filter.isEmpty,
            planned: project.plan.count, workingDirectory: project.workingDirectory)
        let plan = project.plan
        judgement.tags = SuiteTags { CaseTags(plan.heldCases, lines: plan.caseLines) }
        judgement.reportTargets = reportTargets ?? project.config.reports.formats.map { ($0, project.config.reports.url(for: $0)) }
        judgement.stepSummary = stepSummary
        judgement.printedJSON = printedJSON
        return try await judgement.judge(runID: runID, status: status, store: store)
    }
}

/// Finds the named baseline in the baseline file and compares a run's cases with it.
enum BaselineLookup {
    static func compare(
        _ current: CaseSummaryStream, with settings: BaselineSettings, countRemoved: Bool, alpha: Double, display: (URL) -> String,
        tally: inout SummaryTally
    ) async throws(EvalGateError) -> (BaselineComparison, Figures, RunRecord, Set<String>)? {
        let path = settings.file.url.path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let baselineStore: RunStore
        do {
            baselineStore = try await RunStore.open(path: path, role: .baselineForReading)
        } catch {
            throw .invalidInput(ValidationError(settings.file.location, "the baseline file \(display(settings.file.url)) cannot be read: \(error)"))
        }
        let found: (BaselineComparison, Figures, RunRecord, Set<String>)?
        do {
            if let run = try await baselineStore.baselineRun(name: settings.name) {
                let totals = ResultTotals()
                let comparison = try await BaselineComparison.reading(
                    current: current, baseline: baselineStore.caseSummaryStream(runID: run.id, totals: totals), baselineName: settings.name,
                    baselineRunID: run.id, countRemoved: countRemoved, alpha: alpha, tally: &tally)
                found = (comparison, totals.figures.overall, run, totals.servedModels)
            } else {
                found = nil
            }
        } catch let error as EvalGateError {
            await baselineStore.close()
            throw error
        } catch {
            await baselineStore.close()
            throw .storage("cannot read baseline '\(settings.name)' from \(display(settings.file.url)): \(error)")
        }
        await baselineStore.close()
        return found
    }

    /// Compares with another run of the same store (`evalgate report RUN --against OTHER-RUN`).
    static func compare(
        _ current: CaseSummaryStream, withRun runID: String, in store: RunStore, countRemoved: Bool, alpha: Double, tally: inout SummaryTally
    ) async throws(EvalGateError) -> (BaselineComparison, Figures, RunRecord, Set<String>)? {
        do {
            guard let run = try await store.run(id: runID) else {
                throw EvalGateError.notFound("no run '\(runID)' to compare with; `evalgate runs` lists them")
            }
            let totals = ResultTotals()
            let comparison = try await BaselineComparison.reading(
                current: current, baseline: store.caseSummaryStream(runID: run.id, totals: totals), baselineName: "run \(run.id)",
                baselineRunID: run.id, countRemoved: countRemoved, alpha: alpha, tally: &tally)
            return (comparison, totals.figures.overall, run, totals.servedModels)
        } catch let error as EvalGateError {
            throw error
        } catch {
            throw .storage("cannot read run \(runID): \(error)")
        }
    }
}

extension BaselineComparison {
    /// Compares two stored runs, reading each a page at a time as the merge goes; every summary of
    /// the current run is added to `tally` on the way.
    static func reading(
        current: CaseSummaryStream, baseline: CaseSummaryStream, baselineName: String, baselineRunID: String, countRemoved: Bool, alpha: Double,
        tally: inout SummaryTally
    ) async throws -> BaselineComparison {
        var comparison = BaselineComparison(baselineName: baselineName, baselineRunID: baselineRunID)
        comparison.alpha = alpha
        comparison.countRemoved = countRemoved
        var currentIterator = current.makeAsyncIterator()
        var baselineIterator = baseline.makeAsyncIterator()
        func nextCurrent() async throws -> CaseSummary? {
            let summary = try await currentIterator.next()
            if let summary { tally.add(summary) }
            return summary
        }
        var now = try await nextCurrent()
        var then = try await baselineIterator.next()
        while now != nil || then != nil {
            switch comparison.step(current: now, baseline: then) {
            case .current: now = try await nextCurrent()
            case .baseline: then = try await baselineIterator.next()
            case .both:
                now = try await nextCurrent()
                then = try await baselineIterator.next()
            }
        }
        return comparison
    }
}

extension GateRun {
    /// `evalgate merge`: combines shard run stores (one run each, of this config) into one run in
    /// this project's run store, then judges it like `gate`.
    public func merge(shards paths: [String]) async throws(EvalGateError) -> RunReport {
        let config = project.config
        for path in paths where !FileManager.default.fileExists(atPath: path) {
            throw .notFound("no shard database at \(path)")
        }
        let store = try await Self.openStore(config.store.url.path, role: .runs)
        let runID = RunRecord.makeID()
        let filter: JSONValue = ["merged": .array(paths.map(JSONValue.string))]
        let record = RunRecord(
            id: runID, startedAt: Date(), status: .running, configFingerprint: config.fingerprint, configJSON: config.storedJSON.canonicalText,
            provider: config.provider.type.rawValue, model: config.provider.model, gitCommit: GitCommit.head(in: project.workingDirectory),
            evalgateVersion: EvalGateVersion.current, planned: 0, filterJSON: filter.canonicalText)
        let status: RunStatus
        do {
            let merged = try await store.merge(shards: paths, into: record)
            status = merged.allSatisfy { $0.status == .completed } ? .completed : .interrupted
        } catch {
            await store.close()
            throw .invalidInput(ValidationError(.outside("merge"), "cannot merge the shards: \(error)"))
        }
        return try await judgeAndClose(runID: runID, status: status, store: store)
    }
}
