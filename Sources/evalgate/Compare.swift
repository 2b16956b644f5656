import ArgumentParser
import EvalGate
import Foundation

struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two runs, baselines or configs: per metric and per case, with significance.",
        discussion: """
            A and B are each a config file (run now, so two configs make an A/B test), a run id from the run store, or a baseline name. Cases are matched by suite and id; a case sampled more than once on either side counts as better or worse only when the one-sided Fisher exact test says so at gate.alpha.

            Examples:
              evalgate compare main 20261121-220755-3f9a1c
              evalgate compare evalgate.yaml candidate.yaml
            """)

    @OptionGroup var options: ConfigOptions

    @Argument(help: ArgumentHelp("The first side: config file, run id or baseline name.", valueName: "a"))
    var a: String

    @Argument(help: ArgumentHelp("The second side.", valueName: "b"))
    var b: String

    func run() async throws {
        let (config, _) = try options.loadConfig()
        let projectOptions = Project.Options(configPath: options.config)
        do {
            let left = try await Compare.side(a, project: projectOptions, control: Terminal.control)
            let right = try await Compare.side(b, project: projectOptions, control: Terminal.control)
            Terminal.output(Compare.compare(left, right, alpha: config.gate.alpha).text)
        } catch {
            throw ExitCode(Terminal.report(error))
        }
    }
}
