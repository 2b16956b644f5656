import EvalGateStore
import Foundation

/// `evalgate baseline promote|list`: the committed baseline file changes only through here.
public enum BaselineCommand {
    /// Copies a completed run (default: the latest completed one) from the run store into the
    /// baseline file under the config's baseline name (or `name`). Returns the promoted run.
    public static func promote(project config: EvalConfig, runID: String?, name: String?, display: (URL) -> String) async throws(EvalGateError) -> RunRecord {
        let baselineName = name ?? config.baseline.name
        if !BaselineSettings.isValidName(baselineName) {
            throw .invalidInput(ValidationError(.outside("--name"), "baseline name '\(baselineName)' may use only letters, digits, '.', '-', '_' and '/'"))
        }
        guard FileManager.default.fileExists(atPath: config.store.url.path) else {
            throw .notFound("no run store at \(display(config.store.url)) yet: run `evalgate run` or `evalgate gate` first")
        }
        let runs = try await GateRun.openStore(config.store.url.path, role: .runs)
        let run: RunRecord
        do {
            let found: RunRecord?
            if let runID {
                found = try await runs.run(id: runID)
            } else {
                found = try await runs.latestRun(status: .completed)
            }
            guard let found else {
                await runs.close()
                throw EvalGateError.notFound(runID.map { "no run '\($0)' in \(display(config.store.url)); `evalgate baseline list` shows the baselines, the run store keeps every run" } ?? "no completed run in \(display(config.store.url)) to promote")
            }
            run = found
        } catch let error as EvalGateError {
            throw error
        } catch {
            await runs.close()
            throw .storage("cannot read \(display(config.store.url)): \(error)")
        }
        guard run.status == .completed else {
            await runs.close()
            throw .invalidInput(ValidationError(.outside("baseline promote"), "run \(run.id) is \(run.status.rawValue), not completed; only a completed run can become a baseline"))
        }
        do {
            let baseline = try await RunStore.open(path: config.baseline.file.url.path, role: .baselineForWriting)
            do {
                try await baseline.promote(runID: run.id, from: runs, name: baselineName)
            } catch {
                await baseline.close()
                throw error
            }
            await baseline.close()
        } catch {
            await runs.close()
            throw .storage("cannot promote run \(run.id) into \(display(config.baseline.file.url)): \(error)")
        }
        await runs.close()
        return run
    }

    /// Every baseline in the baseline file (empty when the file does not exist yet).
    public static func list(_ config: EvalConfig, display: (URL) -> String) async throws(EvalGateError) -> [BaselineEntry] {
        guard FileManager.default.fileExists(atPath: config.baseline.file.url.path) else { return [] }
        let store: RunStore
        do {
            store = try await RunStore.open(path: config.baseline.file.url.path, role: .baselineForReading)
        } catch {
            throw .invalidInput(ValidationError(config.baseline.file.location, "the baseline file \(display(config.baseline.file.url)) cannot be read: \(error)"))
        }
        do {
            let entries = try await store.baselines()
            await store.close()
            return entries
        } catch {
            await store.close()
            throw .storage("cannot read \(display(config.baseline.file.url)): \(error)")
        }
    }
}
