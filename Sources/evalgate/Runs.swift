import ArgumentParser
import EvalGate
import Foundation

struct Runs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the runs in the run store, newest first.",
        discussion: """
            A run left 'running' by a process that is gone (killed, crashed) is shown as interrupted.

            Example:
              evalgate runs --limit 10
            """)

    @OptionGroup var options: ConfigOptions

    @Option(help: ArgumentHelp("How many runs to list.", valueName: "n"))
    var limit = 20

    func run() async throws {
        let (config, display) = try options.loadConfig()
        do {
            let runs = try await StoreQueries.runs(config, limit: limit, display: display)
            if runs.isEmpty {
                Terminal.output("No runs in \(display(config.store.url)) yet.")
                return
            }
            for run in runs {
                Terminal.output("\(run.id)  \(run.status.rawValue.padding(toLength: 15, withPad: " ", startingAt: 0))  \(Timestamp.iso8601(run.startedAt))  \(run.planned) requests  model \(run.model)  config \(run.configFingerprint.prefix(12))")
            }
        } catch {
            throw ExitCode(Terminal.report(error))
        }
    }
}

struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show one case across the stored runs.",
        discussion: "Example:\n  evalgate history refunds/return-window")

    @OptionGroup var options: ConfigOptions

    @Argument(help: ArgumentHelp("The case as SUITE/ID.", valueName: "suite/case"))
    var key: String

    @Option(help: ArgumentHelp("How many runs to show.", valueName: "n"))
    var limit = 20

    func validate() throws {
        if key.split(separator: "/").count != 2 { throw ValidationError("name the case as SUITE/ID, for example refunds/return-window") }
    }

    func run() async throws {
        let (config, display) = try options.loadConfig()
        let parts = key.split(separator: "/").map(String.init)
        do {
            let history = try await StoreQueries.history(config, case: CaseKey(suite: parts[0], caseID: parts[1]), limit: limit, display: display)
            if history.isEmpty {
                Terminal.output("\(key) is in no stored run.")
                return
            }
            for (run, summary) in history {
                var line = "\(run.id)  \(summary.status.rawValue)  \(summary.passes)/\(summary.samples - summary.errors) pass"
                if summary.errors > 0 { line += ", \(summary.errors) error(s)" }
                line += "  model \(run.model)  config \(run.configFingerprint.prefix(12))  case \(summary.fingerprint.prefix(8))"
                if let reason = summary.firstReason { line += "  — \(reason.prefix(120))" }
                Terminal.output(line)
            }
        } catch {
            throw ExitCode(Terminal.report(error))
        }
    }
}
