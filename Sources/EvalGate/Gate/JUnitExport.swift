import EvalGateReports
import EvalGateStore
import Foundation

/// Streams a stored run into a JUnit file, a page of results at a time.
enum JUnitExport {
    static func write(
        to url: URL, runID: String, store: RunStore, summaries: [CaseSummary], scores: ScoreBoard,
        figures: (overall: Figures, suites: [(name: String, figures: Figures)]), config: EvalConfig,
        comparison: BaselineComparison?, verdict: GateVerdict
    ) async throws(EvalGateError) {
        do {
            var totals = JUnitWriter.Counts()
            var suiteCounts: [String: (SuiteKind, JUnitWriter.Counts)] = [:]
            for summary in summaries {
                var entry = suiteCounts[summary.key.suite] ?? (summary.kind, JUnitWriter.Counts())
                entry.1.tests += 1
                totals.tests += 1
                switch summary.status {
                case .fail:
                    entry.1.failures += 1
                    totals.failures += 1
                case .error:
                    entry.1.errors += 1
                    totals.errors += 1
                case .pass: break
                }
                entry.1.seconds += summary.totalLatencyMs / 1000
                totals.seconds += summary.totalLatencyMs / 1000
                suiteCounts[summary.key.suite] = entry
            }
            var properties: [(String, String)] = [
                ("evalgate.run_id", runID), ("evalgate.config_fingerprint", config.fingerprint),
                ("evalgate.provider", config.provider.type.rawValue), ("evalgate.model", config.provider.model),
                ("evalgate.verdict", verdict.outcome.rawValue),
            ]
            if let comparison {
                properties.append(("evalgate.baseline", "\(comparison.baselineName) (run \(comparison.baselineRunID))"))
            }
            properties += Self.scoreProperties(usefulness: scores.usefulness.score, safety: scores.safety.score, toolAccuracy: scores.toolAccuracy, figures: figures.overall)
            let suiteFigures = Dictionary(figures.suites.map { ($0.name, $0.figures) }, uniquingKeysWith: { first, _ in first })
            let writer = try JUnitWriter(url: url, name: "evalgate", totals: totals, properties: properties)
            let started = Date()
            var currentSuite: String?
            var caseSamples: [CaseResult] = []
            var cursor: RunStore.ResultCursor?
            func emitCase() throws {
                if !caseSamples.isEmpty { try writer.addCase(caseSamples) }
                caseSamples.removeAll(keepingCapacity: true)
            }
            while true {
                let page = try await store.results(runID: runID, after: cursor, limit: 2000)
                guard let last = page.last else { break }
                for result in page {
                    if let first = caseSamples.first, first.suite != result.suite || first.caseID != result.caseID {
                        try emitCase()
                    }
                    if currentSuite != result.suite {
                        let (kind, counts) = suiteCounts[result.suite] ?? (result.kind, JUnitWriter.Counts())
                        let line = scores.suites.first { $0.name == result.suite }
                        let score = line?.line.score
                        let extra = Self.scoreProperties(
                            usefulness: kind == .golden ? score : nil, safety: kind == .adversarial ? score : nil, toolAccuracy: nil,
                            figures: suiteFigures[result.suite] ?? Figures())
                        try writer.beginSuite(name: result.suite, kind: kind, counts: counts, timestamp: started, properties: extra)
                        currentSuite = result.suite
                    }
                    caseSamples.append(result)
                }
                cursor = RunStore.ResultCursor(suite: last.suite, caseID: last.caseID, sample: last.sample)
            }
            try emitCase()
            try writer.finish()
        } catch let error as EvalGateError {
            throw error
        } catch {
            throw .storage("cannot write \(url.path): \(error)")
        }
    }

    /// The scores and figures as JUnit properties (names prefixed `evalgate.`); absent values are left out.
    static func scoreProperties(usefulness: Double?, safety: Double?, toolAccuracy: Double?, figures: Figures) -> [(String, String)] {
        var properties: [(String, String)] = []
        func add(_ name: String, _ value: Double?, digits: Int = 4) {
            guard let value else { return }
            properties.append(("evalgate.\(name)", String(format: "%.\(digits)f", value)))
        }
        add("usefulness", usefulness)
        add("safety", safety)
        add("tool_accuracy", toolAccuracy)
        add("cost_usd", figures.knownCost, digits: 6)
        add("latency_p50_ms", figures.latencyP50, digits: 1)
        add("latency_p95_ms", figures.latencyP95, digits: 1)
        add("latency_p99_ms", figures.latencyP99, digits: 1)
        add("error_rate", figures.results > 0 ? figures.errorRate : nil)
        properties.append(("evalgate.tokens", "\(figures.inputTokens) in, \(figures.outputTokens) out"))
        return properties
    }
}
