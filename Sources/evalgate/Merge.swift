import ArgumentParser
import EvalGate

struct Merge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Combine the run stores of --shard jobs into one run and gate it.",
        discussion: """
            Each file is the run store of one `evalgate run --shard I/N` job (its newest run is taken). The shards must have run the same config and hold no case in common. The merged run lands in this project's run store and is judged against the baseline like `gate`, with the same exit codes.

            Example:
              evalgate merge shard-1/runs.sqlite shard-2/runs.sqlite
            """)

    @OptionGroup var project: ProjectOptions

    @Argument(help: ArgumentHelp("The shards' run store files.", valueName: "file"))
    var shards: [String]

    func run() async throws {
        let loaded = try await project.load()
        do {
            let report = try await GateRun(project: loaded, compare: true, control: Terminal.control).merge(shards: shards)
            Terminal.output(Terminal.paintVerdict(report.summary, outcome: report.verdict.outcome))
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        } catch let error as EvalGateError {
            throw ExitCode(Terminal.report(error))
        }
    }
}
