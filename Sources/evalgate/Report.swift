import ArgumentParser
import EvalGate
import Foundation

/// `--report FORMAT[=PATH]` on `gate` and `run`.
struct ReportOptions: ParsableArguments {
    @Option(
        name: .customLong("report"),
        help: ArgumentHelp(
            "Write this report instead of the config's reports.formats (repeatable): junit, markdown, html, json, optionally =PATH; 'none' writes none.",
            valueName: "format[=path]"))
    var reports: [String] = []

    /// Sets the job's reports, and the step summary when GitHub Actions gives one.
    func apply(to job: inout GateRun) throws {
        do {
            job.reportTargets = try ReportSelection.targets(reports, settings: job.project.config.reports, workingDirectory: job.project.workingDirectory)
        } catch {
            throw ExitCode(Terminal.report(error))
        }
        if let path = ProcessInfo.processInfo.environment["GITHUB_STEP_SUMMARY"], !path.isEmpty {
            job.stepSummary = URL(fileURLWithPath: path)
        }
    }
}

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the reports of a stored run again, judged against a baseline, without calling a model.",
        discussion: """
            Reads RUN-ID (or 'latest') from the run store, compares it with the baseline (baseline.name, or --against a baseline name or another run id) and writes the reports the config names, or those given with --format. Prints the summary and exits like gate: 0 pass, 1 regression, 3 incomplete; 2 when the run or baseline is not found.

            Examples:
              evalgate report latest
              evalgate report 20261121-220755-3f9a1c --format html --format markdown=pr-comment.md
              evalgate report latest --against 20261120-101500-aa12bc
            """)

    @OptionGroup var configOptions: ConfigOptions

    @Argument(help: ArgumentHelp("The stored run: its id, or 'latest'.", valueName: "run-id"))
    var runID: String

    @Option(help: ArgumentHelp("Compare with this baseline name in the baseline file, or this run id in the run store.", valueName: "baseline"))
    var against: String?

    @Option(help: ArgumentHelp("Write this report (repeatable): junit, markdown, html, json, optionally =PATH. Default: the config's reports.formats.", valueName: "format[=path]"))
    var format: [String] = []

    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
        Terminal.warn(Project.environmentWarnings(ProcessInfo.processInfo.environment))
        var job = StoredRunReport(options: Project.Options(configPath: configOptions.config), runID: runID, against: against, formats: format)
        job.printedJSON = outputOptions.printedJSON
        do {
            let report = try await job.render()
            try outputOptions.show(report)
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        } catch let error as EvalGateError {
            throw ExitCode(Terminal.report(error))
        }
    }
}
