import ArgumentParser
import EvalGate
import Foundation

struct Baseline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the baselines in the committed baseline file.",
        discussion: """
            The baseline file (default baselines/evalgate.sqlite) holds only promoted runs under names. A gate run never writes it; only `baseline promote` does, so changes to it are reviewed like code.

            Examples:
              evalgate baseline promote
              evalgate baseline list
            """,
        subcommands: [Promote.self, List.self, Show.self, Export.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a baseline: its run, config and scores.",
            discussion: "Example:\n  evalgate baseline show main")

        @OptionGroup var options: ConfigOptions

        @Argument(help: ArgumentHelp("The baseline name (default: baseline.name).", valueName: "name"))
        var name: String?

        func run() async throws {
            let (config, display) = try options.loadConfig()
            do {
                let detail = try await StoreQueries.baseline(config, name: name ?? config.baseline.name, display: display)
                let scores = detail.scores
                Terminal.output("""
                    baseline '\(detail.name)' in \(display(config.baseline.file.url))
                      run \(detail.run.id), started \(Timestamp.iso8601(detail.run.startedAt)), \(detail.cases.count) cases
                      model \(detail.run.model), provider \(detail.run.provider), config \(detail.run.configFingerprint)
                      git commit \(detail.run.gitCommit ?? "unknown"), evalgate \(detail.run.evalgateVersion)
                      usefulness \(scores.usefulness.score.map(GateJudge.percent) ?? "n/a"), safety \(scores.safety.score.map(GateJudge.percent) ?? "n/a"), tool accuracy \(scores.toolAccuracy.map(GateJudge.percent) ?? "n/a"), errors \(scores.errorResults)
                    """)
            } catch {
                throw ExitCode(Terminal.report(error))
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a baseline as JSON, one case per line, for code review.",
            discussion: """
                Commit the export next to the baseline file, and a promotion shows in the pull request as a readable diff.

                Example:
                  evalgate baseline export main --out baselines/main.json
                """)

        @OptionGroup var options: ConfigOptions

        @Argument(help: ArgumentHelp("The baseline name (default: baseline.name).", valueName: "name"))
        var name: String?

        @Option(help: ArgumentHelp("Write here instead of stdout.", valueName: "file"))
        var out: String?

        func run() async throws {
            let (config, display) = try options.loadConfig()
            do {
                let detail = try await StoreQueries.baseline(config, name: name ?? config.baseline.name, display: display)
                let text = StoreQueries.export(detail)
                if let out {
                    do {
                        try Data(text.utf8).write(to: URL(fileURLWithPath: out))
                    } catch {
                        Terminal.error("error: cannot write \(out): \(error.localizedDescription)")
                        throw ExitCode(3)
                    }
                    Terminal.output("Wrote baseline '\(detail.name)' (\(detail.cases.count) cases) to \(out).")
                } else {
                    FileHandle.standardOutput.write(Data(text.utf8))
                }
            } catch let error as EvalGateError {
                throw ExitCode(Terminal.report(error))
            }
        }
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a completed run from the run store into the baseline file.",
            discussion: """
                Without RUN-ID, promotes the latest completed run. The run replaces what the name pointed at; the replaced run is dropped from the file unless another name uses it.

                Examples:
                  evalgate baseline promote
                  evalgate baseline promote 20261121-220755-3f9a1c --name release-1.4
                """)

        @OptionGroup var options: ConfigOptions

        @Argument(help: ArgumentHelp("The run to promote (default: the latest completed run).", valueName: "run-id"))
        var runID: String?

        @Option(help: ArgumentHelp("The baseline name (default: baseline.name, usually main).", valueName: "name"))
        var name: String?

        func run() async throws {
            let (config, display) = try options.loadConfig()
            do {
                let run = try await BaselineCommand.promote(project: config, runID: runID, name: name, display: display)
                Terminal.output("Promoted run \(run.id) (config \(run.configFingerprint.prefix(12)), model \(run.model)) to baseline '\(name ?? config.baseline.name)' in \(display(config.baseline.file.url)).")
            } catch {
                throw ExitCode(Terminal.report(error))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the baselines in the baseline file.",
            discussion: "Example:\n  evalgate baseline list")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let (config, display) = try options.loadConfig()
            do {
                let entries = try await BaselineCommand.list(config, display: display)
                let file = display(config.baseline.file.url)
                if entries.isEmpty {
                    Terminal.output("No baselines in \(file) yet. Promote a run with `evalgate baseline promote`.")
                    return
                }
                Terminal.output("Baselines in \(file):")
                for entry in entries {
                    Terminal.output("  \(entry.name)  run \(entry.run.id)  \(entry.cases) cases  model \(entry.run.model)  config \(entry.run.configFingerprint.prefix(12))  promoted \(Timestamp.iso8601(entry.promotedAt))")
                }
            } catch {
                throw ExitCode(Terminal.report(error))
            }
        }
    }
}
