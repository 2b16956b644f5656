import EvalGateStore
import Foundation

/// Read-only questions to the run store and the baseline file: `runs`, `history`,
/// `baseline show`, `baseline export`.
public enum StoreQueries {
    /// The newest runs first. A run left `running` by a process that is gone reads `interrupted`.
    public static func runs(_ config: EvalConfig, limit: Int, display: (URL) -> String) async throws(EvalGateError) -> [RunRecord] {
        guard FileManager.default.fileExists(atPath: config.store.url.path) else { return [] }
        return try await withStore(config.store.url.path, role: .runs, display: display(config.store.url)) { store in
            try await store.runs(limit: limit).map { run in
                var run = run
                if run.isAbandoned { run.status = .interrupted }
                return run
            }
        }
    }

    /// One case across the stored runs, newest first.
    public static func history(_ config: EvalConfig, case key: CaseKey, limit: Int, display: (URL) -> String) async throws(EvalGateError) -> [(run: RunRecord, summary: CaseSummary)] {
        guard FileManager.default.fileExists(atPath: config.store.url.path) else { return [] }
        return try await withStore(config.store.url.path, role: .runs, display: display(config.store.url)) { store in
            try await store.history(suite: key.suite, caseID: key.caseID, limit: limit)
        }
    }

    /// Cached responses in the run store.
    public static func cacheStatistics(_ config: EvalConfig, display: (URL) -> String) async throws(EvalGateError) -> (entries: Int, configs: Int, bytes: Int) {
        guard FileManager.default.fileExists(atPath: config.store.url.path) else { return (0, 0, 0) }
        return try await withStore(config.store.url.path, role: .runs, display: display(config.store.url)) { try await $0.cacheStatistics() }
    }

    /// Empties the response cache; returns how many entries went.
    public static func clearCache(_ config: EvalConfig, display: (URL) -> String) async throws(EvalGateError) -> Int {
        guard FileManager.default.fileExists(atPath: config.store.url.path) else { return 0 }
        return try await withStore(config.store.url.path, role: .runs, display: display(config.store.url)) { try await $0.clearCache() }
    }

    /// A baseline's run, its scores, and its cases.
    public struct BaselineDetail: Sendable {
        public var name: String
        public var run: RunRecord
        public var scores: ScoreBoard
        public var figures: Figures
        public var cases: [CaseSummary]
    }

    /// The named baseline in the baseline file.
    public static func baseline(_ config: EvalConfig, name: String, display: (URL) -> String) async throws(EvalGateError) -> BaselineDetail {
        let path = config.baseline.file.url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw .notFound("no baseline file at \(display(config.baseline.file.url)) yet: promote a run with `evalgate baseline promote`")
        }
        let found: BaselineDetail? = try await withStore(path, role: .baselineForReading, display: display(config.baseline.file.url)) { store in
            guard let run = try await store.baselineRun(name: name) else { return nil }
            let cases = try await store.caseSummaries(runID: run.id)
            var scores = ScoreBoard()
            for summary in cases { scores.add(summary) }
            return BaselineDetail(name: name, run: run, scores: scores, figures: try await store.figures(runID: run.id).overall, cases: cases)
        }
        guard let found else { throw .notFound("no baseline '\(name)' in \(display(config.baseline.file.url))") }
        return found
    }

    /// The baseline as JSON for code review: one member per line, one case per line, keys sorted,
    /// so a promotion shows in a pull request as a readable diff of what changed.
    public static func export(_ detail: BaselineDetail) -> String {
        var lines = ["{"]
        let config = (try? JSONSource.value(detail.run.configJSON)) ?? .null
        let header: [(String, JSONValue)] = [
            ("baseline", .string(detail.name)), ("run_id", .string(detail.run.id)), ("started_at", .string(Timestamp.iso8601(detail.run.startedAt))),
            ("model", .string(detail.run.model)), ("config_fingerprint", .string(detail.run.configFingerprint)),
            ("git_commit", detail.run.gitCommit.map(JSONValue.string) ?? .null), ("config", config),
            ("scores", [
                "usefulness": detail.scores.usefulness.score.map(JSONValue.number) ?? .null,
                "safety": detail.scores.safety.score.map(JSONValue.number) ?? .null,
                "tool_accuracy": detail.scores.toolAccuracy.map(JSONValue.number) ?? .null,
                "error_rate": .number(detail.scores.errorRate),
            ]),
        ]
        for (key, value) in header {
            var keyText = ""
            JSONValue.writeString(key, to: &keyText)
            lines.append("  \(keyText): \(value.canonicalText),")
        }
        lines.append("  \"cases\": [")
        for (index, summary) in detail.cases.enumerated() {
            let value: JSONValue = [
                "suite": .string(summary.key.suite), "case": .string(summary.key.caseID), "kind": .string(summary.kind.rawValue),
                "fingerprint": .string(summary.fingerprint), "samples": .number(Double(summary.samples)), "passes": .number(Double(summary.passes)),
                "failures": .number(Double(summary.failures)), "errors": .number(Double(summary.errors)),
                "first_reason": summary.firstReason.map(JSONValue.string) ?? .null,
            ]
            lines.append("    " + value.canonicalText + (index < detail.cases.count - 1 ? "," : ""))
        }
        lines.append("  ]")
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func withStore<T: Sendable>(
        _ path: String, role: RunStore.Role, display: String, _ body: @Sendable (RunStore) async throws -> T
    ) async throws(EvalGateError) -> T {
        let store: RunStore
        do {
            store = try await RunStore.open(path: path, role: role)
        } catch {
            throw .invalidInput(ValidationError(.outside(display), "cannot be read: \(error)"))
        }
        do {
            let value = try await body(store)
            await store.close()
            return value
        } catch {
            await store.close()
            throw .storage("cannot read \(display): \(error)")
        }
    }
}
