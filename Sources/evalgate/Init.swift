import ArgumentParser
import EvalGate
import Foundation

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Lay out a starter project: config, prompt, tools, a golden and an adversarial suite, and a GitHub Actions workflow.",
        discussion: """
            Writes evalgate.yaml (every field explained), prompts/system.md, tools/tools.json, suites/golden/support.yaml, suites/adversarial/injection.yaml, with --provider replay (the default) a recording so that `evalgate gate` runs offline at once, and .github/workflows/eval-gate.yml; adds reports/ and .evalgate/ to .gitignore. Never overwrites a file unless --force. On a terminal, without --provider, it asks which provider to start with; elsewhere it asks nothing.

            Examples:
              evalgate init
              evalgate init my-evals --provider openai
            """)

    @Argument(help: ArgumentHelp("The folder to lay the project out in (created if needed).", valueName: "dir"))
    var directory: String = "."

    @Option(help: ArgumentHelp("The provider the config starts with: replay, openai, anthropic or ollama.", valueName: "name"))
    var provider: String?

    @Flag(help: "Overwrite files that exist.")
    var force = false

    func run() throws {
        let folder = Terminal.location(directory)
        var chosen = provider ?? "replay"
        if provider == nil, Terminal.stdinIsTerminal, Terminal.stderrIsTerminal {
            Terminal.error("Provider to start with (\(ProjectScaffold.providers.joined(separator: ", "))) [replay]: ", newline: false)
            if let answer = readLine()?.trimmingCharacters(in: .whitespaces), !answer.isEmpty { chosen = answer.lowercased() }
        }
        let scaffold = ProjectScaffold(directory: folder, provider: chosen, force: force)
        do {
            let outcome = try scaffold.write()
            let shown = directory == "." ? "" : directory.hasSuffix("/") ? directory : directory + "/"
            var lines = ["Wrote \(outcome.written.count + outcome.overwritten.count) files in \(directory == "." ? "this folder" : directory):"]
            lines += outcome.written.map { "  \(shown)\($0)" }
            lines += outcome.overwritten.map { "  \(shown)\($0) (overwritten)" }
            if !outcome.ignoredAdded.isEmpty { lines.append("Added \(outcome.ignoredAdded.joined(separator: " and ")) to \(shown).gitignore") }
            lines.append("")
            lines.append("Next:")
            if directory != "." { lines.append("  cd \(directory)") }
            lines.append("  evalgate validate")
            lines.append("  evalgate gate                  # the first run passes: there is no baseline yet")
            lines.append("  evalgate baseline promote      # make it the baseline, and commit baselines/")
            lines.append("In .github/workflows/eval-gate.yml, set EVALGATE_GIT to where your team gets evalgate.")
            Terminal.output(lines.joined(separator: "\n") + "\n")
        } catch {
            throw ExitCode(Terminal.report(error))
        }
    }
}
