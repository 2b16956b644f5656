import EvalGateReports
import EvalGateStore
import Foundation

/// `evalgate compare A B`: two stored runs, baselines, or configs (run now, A/B) side by side.
public enum Compare {
    /// One side of a comparison, resolved to a stored run.
    public struct Side: Sendable {
        public var label: String
        public var run: RunRecord
        public var cases: [CaseSummary]
        public var scores: ScoreBoard
        public var figures: Figures
    }

    /// A comparison's findings.
    public struct Outcome: Sendable {
        public var a: Side
        public var b: Side
        /// B against A: B's significant drops are `regressions`, its gains `fixes`.
        public var comparison: BaselineComparison
        public var configDiff: ConfigDiff
        public var text: String
    }

    /// Resolves `reference` — a config file (run now), a run id in the run store, or a baseline
    /// name in the baseline file — to a stored run.
    public static func side(
        _ reference: String, project options: Project.Options, control: RunControl
    ) async throws(EvalGateError) -> Side {
        let lowered = reference.lowercased()
        let url = options.workingDirectory.appendingPathComponent(reference)
        if [".yaml", ".yml", ".json"].contains(where: { lowered.hasSuffix($0) }), FileManager.default.fileExists(atPath: url.path) {
            var sideOptions = options
            sideOptions.configPath = reference
            let project: Project
            do {
                project = try await Project.load(sideOptions)
            } catch {
                throw .invalidInput(error)
            }
            let report = try await GateRun(project: project, compare: false, control: control).execute()
            return try await stored(report.runID, storePath: project.config.store.url.path, role: .runs, label: reference)
        }
        let config: EvalConfig
        do {
            config = try Project.loadConfig(options)
        } catch {
            throw .invalidInput(error)
        }
        if FileManager.default.fileExists(atPath: config.store.url.path),
            let side = try? await stored(reference, storePath: config.store.url.path, role: .runs, label: "run \(reference)")
        {
            return side
        }
        let baselinePath = config.baseline.file.url.path
        if FileManager.default.fileExists(atPath: baselinePath) {
            let store: RunStore
            do {
                store = try await RunStore.open(path: baselinePath, role: .baselineForReading)
            } catch {
                throw .storage("cannot open \(baselinePath): \(error)")
            }
            let run = try? await store.baselineRun(name: reference)
            await store.close()
            if let run { return try await stored(run.id, storePath: baselinePath, role: .baselineForReading, label: "baseline \(reference)") }
        }
        throw .notFound("'\(reference)' is not a config file, a run id in the run store, or a baseline name")
    }

    static func stored(_ runID: String, storePath: String, role: RunStore.Role, label: String) async throws(EvalGateError) -> Side {
        let store: RunStore
        do {
            store = try await RunStore.open(path: storePath, role: role)
        } catch {
            throw .storage("cannot open \(storePath): \(error)")
        }
        let side: Side?
        do {
            if let run = try await store.run(id: runID) {
                let cases = try await store.caseSummaries(runID: runID)
                var scores = ScoreBoard()
                for summary in cases { scores.add(summary) }
                side = Side(label: label, run: run, cases: cases, scores: scores, figures: try await store.figures(runID: runID).overall)
            } else {
                side = nil
            }
        } catch {
            await store.close()
            throw .storage("cannot read \(storePath): \(error)")
        }
        await store.close()
        guard let side else { throw .notFound("no run \(runID) in \(storePath)") }
        return side
    }

    /// Compares B with A, case by case (with significance for sampled cases) and metric by metric.
    public static func compare(_ a: Side, _ b: Side, alpha: Double) -> Outcome {
        let comparison = BaselineComparison(
            current: b.cases, baseline: a.cases, baselineName: a.label, baselineRunID: a.run.id, countRemoved: true, alpha: alpha)
        let diff = ConfigDiff(baseline: (try? JSONSource.value(a.run.configJSON)) ?? .null, current: (try? JSONSource.value(b.run.configJSON)) ?? .null)
        var lines = ["evalgate compare: A = \(a.label) (run \(a.run.id)), B = \(b.label) (run \(b.run.id))", ""]
        func metric(_ name: String, _ x: Double?, _ y: Double?, higherIsBetter: Bool, format: (Double) -> String) {
            guard let x, let y else { return }
            // Equal as shown is "same": a difference below the printed precision is no finding.
            let verdict = format(x) == format(y) ? "same" : ((y > x) == higherIsBetter ? "B better" : "A better")
            lines.append("  \(name.padding(toLength: 14, withPad: " ", startingAt: 0)) A \(format(x))   B \(format(y))   \(verdict)")
        }
        metric("usefulness", comparison.matchedBaseline.usefulness.score, comparison.matchedCurrent.usefulness.score, higherIsBetter: true, format: GateJudge.percent)
        metric("safety", comparison.matchedBaseline.safety.score, comparison.matchedCurrent.safety.score, higherIsBetter: true, format: GateJudge.percent)
        metric("tool accuracy", comparison.matchedBaseline.toolAccuracy, comparison.matchedCurrent.toolAccuracy, higherIsBetter: true, format: GateJudge.percent)
        metric("error rate", a.figures.errorRate, b.figures.errorRate, higherIsBetter: false, format: GateJudge.percent)
        metric("cost", a.figures.knownCost, b.figures.knownCost, higherIsBetter: false) { String(format: "$%.4f", $0) }
        metric("latency p95", a.figures.latencyP95, b.figures.latencyP95, higherIsBetter: false) { "\(Int($0.rounded())) ms" }
        lines.append("")
        lines.append("Cases where B is worse (\(comparison.regressions.count)):")
        for change in comparison.regressions.prefix(20) { lines.append("  \(change.key): \(describe(change))") }
        lines.append("Cases where B is better (\(comparison.fixes.count)):")
        for change in comparison.fixes.prefix(20) { lines.append("  \(change.key): \(describe(change))") }
        if !comparison.insignificantDrops.isEmpty {
            lines.append("Not significant (p ≥ \(JSONValue.numberText(alpha))): \(comparison.insignificantDrops.map(\.key.description).joined(separator: ", "))")
        }
        if !comparison.changed.isEmpty { lines.append("Cases whose content differs (not compared): \(comparison.changed.count)") }
        if !diff.isEmpty {
            lines.append("")
            lines.append("Config B differs from A:")
            for change in diff.changes { lines.append("  \(change)") }
        }
        return Outcome(a: a, b: b, comparison: comparison, configDiff: diff, text: lines.joined(separator: "\n") + "\n")
    }

    static func describe(_ change: CaseChange) -> String {
        if let p = change.pValue, let x = change.baselinePasses, let n = change.baselineTrials, let y = change.currentPasses, let m = change.currentTrials {
            return "\(x)/\(n) → \(y)/\(m) samples (p = \(String(format: "%.3f", p)))"
        }
        return "\(change.baseline.rawValue) → \(change.current.rawValue)\(change.reason.map { ": \($0)" } ?? "")"
    }
}
