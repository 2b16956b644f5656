import ArgumentParser
import EvalGate

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the suites against the pinned config and store the run, without judging it.",
        discussion: """
            Every result lands in the run store (default .evalgate/runs.sqlite). Exits 0 when the run completed, 3 when it did not (interrupted, or errors above gate.max_error_rate).

            Examples:
              evalgate run
              evalgate run --record examples/recordings/live.jsonl   # freeze a live run into a replay file
            """)

    @OptionGroup var project: ProjectOptions

    @OptionGroup var reportOptions: ReportOptions

    @OptionGroup var outputOptions: OutputOptions

    @Option(help: ArgumentHelp("Also write every response to this JSONL file, in the replay format.", valueName: "file"))
    var record: String?

    @Option(help: ArgumentHelp("Finish a run that did not complete without sending again what it stored: RUN-ID, or nothing for the latest interrupted run.", valueName: "run-id"))
    var resume: String?

    @Flag(help: "Send every request, even when the response cache has an answer for it (and store the new answers).")
    var noCache = false

    func run() async throws {
        let loaded = try await project.load()
        var job = GateRun(
            project: loaded, compare: false, recordPath: record, control: Terminal.control, progress: Terminal.progressPrinter(outputOptions),
            resume: resume.map { $0 == ResumeArgument.latest ? .latest : .run($0) })
        job.useCache = !noCache
        try reportOptions.apply(to: &job)
        job.printedJSON = outputOptions.printedJSON
        do {
            let report = try await job.execute()
            try outputOptions.show(report)
            if let record { Terminal.error("Recording: \(record)") }
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        } catch let error as EvalGateError {
            throw ExitCode(Terminal.report(error))
        }
    }
}
