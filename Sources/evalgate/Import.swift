import ArgumentParser
import EvalGate
import Foundation

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert tests from promptfoo or OpenAI evals into an evalgate suite.",
        discussion: """
            Writes one suite under --out (default suites/imported/) and lists every assertion or option it could not convert, with its file and line; the list also heads the written file. Nothing is dropped silently.

            Examples:
              evalgate import promptfoo promptfooconfig.yaml
              evalgate import openai-evals samples.jsonl --match equals --out suites/golden
            """,
        subcommands: [Promptfoo.self, OpenAIEvals.self])

    struct Common: ParsableArguments {
        @Option(help: ArgumentHelp("Where to write the suite.", valueName: "dir"))
        var out: String = "suites/imported"

        @Option(help: ArgumentHelp("golden (must be useful) or adversarial (must be safe).", valueName: "kind"))
        var kind: String = "golden"

        @Option(help: ArgumentHelp("The suite's name, and its file's (default: the input file's name).", valueName: "name"))
        var name: String?

        @Flag(help: "Replace the suite file if it exists.")
        var force = false

        func suiteKind() throws -> SuiteKind {
            guard let kind = SuiteKind(rawValue: kind) else { throw ValidationError("--kind is golden or adversarial, found '\(kind)'") }
            return kind
        }

        func finish(_ convert: () throws(EvalGateError) -> ImportedSuite, source: String) throws {
            do {
                var suite = try convert()
                if let name {
                    var taken = Set<String>()
                    suite.name = ImportedSuite.identifier(name, fallback: "imported", taken: &taken)
                }
                let folder = Terminal.location(out)
                let url = try suite.write(to: folder, source: source, force: force)
                let shown = (out.hasSuffix("/") ? out : out + "/") + url.lastPathComponent
                Terminal.output("Wrote \(shown): suite '\(suite.name)', \(suite.cases.count) case\(suite.cases.count == 1 ? "" : "s"), \(suite.assertionCount) check\(suite.assertionCount == 1 ? "" : "s").")
                for note in suite.notes { Terminal.output("Note: \(note)") }
                if suite.skipped.isEmpty {
                    Terminal.output("Everything was converted.")
                } else {
                    Terminal.output("Not converted (\(suite.skipped.count)):")
                    for item in suite.skipped { Terminal.output("  " + Terminal.visible(item.description, limit: 400)) }
                }
            } catch {
                throw ExitCode(Terminal.report(error))
            }
        }
    }

    struct Promptfoo: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "promptfoo",
            abstract: "Convert a promptfoo config's tests (vars, defaultTest, assertions with an evalgate counterpart).")

        @Argument(help: ArgumentHelp("The promptfoo config.", valueName: "promptfooconfig.yaml"))
        var file: String

        @OptionGroup var common: Common

        func run() throws {
            let url = Terminal.location(file)
            let job = PromptfooImport(file: url, display: file, kind: try common.suiteKind())
            try common.finish({ () throws(EvalGateError) in try job.convert() }, source: file)
        }
    }

    struct OpenAIEvals: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "openai-evals",
            abstract: "Convert OpenAI evals samples ({\"input\": …, \"ideal\": …} per line).")

        @Argument(help: ArgumentHelp("The samples file.", valueName: "samples.jsonl"))
        var file: String

        @Option(help: ArgumentHelp("How an answer is checked against the ideal: includes (contains it), equals, or starts.", valueName: "match"))
        var match: String = "includes"

        @OptionGroup var common: Common

        func run() throws {
            guard let mode = OpenAIEvalsImport.Match(rawValue: match) else { throw ValidationError("--match is includes, equals or starts, found '\(match)'") }
            let url = Terminal.location(file)
            let job = OpenAIEvalsImport(file: url, display: file, kind: try common.suiteKind(), match: mode)
            try common.finish({ () throws(EvalGateError) in try job.convert() }, source: file)
        }
    }
}
