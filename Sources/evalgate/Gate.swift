import ArgumentParser
import EvalGate

struct Gate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run, compare with the baseline, write reports, and exit non-zero on a regression.",
        discussion: """
            Validates the config and suites, runs them, stores the run, compares it with the named baseline in the baseline file, writes reports/junit.xml, and prints the verdict.

            Exit codes: 0 pass, 1 regression, 2 invalid input or usage, 3 the run could not complete (interrupted, or more errors than gate.max_error_rate).

            Examples:
              evalgate gate
              evalgate gate --replay examples/recordings/regressed.jsonl
              evalgate gate --suite refunds --concurrency 16
            """)

    @OptionGroup var project: ProjectOptions

    @OptionGroup var reportOptions: ReportOptions

    @OptionGroup var outputOptions: OutputOptions

    @Option(help: ArgumentHelp("Compare with this baseline name instead of baseline.name.", valueName: "name"))
    var baseline: String?

    @Flag(help: "Fail (exit 3) when there is no baseline to compare with, instead of passing.")
    var requireBaseline = false

    @Option(help: ArgumentHelp("Also write every response to this JSONL file, in the replay format.", valueName: "file"))
    var record: String?

    @Option(help: ArgumentHelp("Finish a run that did not complete without sending again what it stored: RUN-ID, or nothing for the latest interrupted run.", valueName: "run-id"))
    var resume: String?

    @Flag(help: "Send every request, even when the response cache has an answer for it (and store the new answers).")
    var noCache = false

    func run() async throws {
        var extra: [ConfigOverrides.Value] = []
        if let baseline { extra.append(.init(path: ["baseline", "name"], text: baseline, origin: "--baseline")) }
        let loaded = try await project.load(extra: extra)
        var job = GateRun(
            project: loaded, compare: true, requireBaseline: requireBaseline, recordPath: record, control: Terminal.control,
            progress: Terminal.progressPrinter(outputOptions), resume: resume.map { $0 == ResumeArgument.latest ? .latest : .run($0) })
        job.useCache = !noCache
        try reportOptions.apply(to: &job)
        job.printedJSON = outputOptions.printedJSON
        do {
            let report = try await job.execute()
            try outputOptions.show(report)
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        } catch let error as EvalGateError {
            throw ExitCode(Terminal.report(error))
        }
    }
}
