import ArgumentParser
import EvalGate
import Foundation

struct Cache: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect or empty the response cache in the run store.",
        discussion: """
            Responses are cached by config fingerprint, case fingerprint and sample, so a changed prompt, model or case is never answered from the cache, and repeated samples never share an answer. Errors are not cached. `run` and `gate` take --no-cache to send every request anyway.

            Examples:
              evalgate cache stats
              evalgate cache clear
            """,
        subcommands: [Stats.self, Clear.self])

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "How many responses are cached, for how many configs.")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let (config, display) = try options.loadConfig()
            do {
                let stats = try await StoreQueries.cacheStatistics(config, display: display)
                Terminal.output("\(stats.entries) cached response(s) for \(stats.configs) config(s), \(stats.bytes / 1024) KiB, in \(display(config.store.url))")
            } catch {
                throw ExitCode(Terminal.report(error))
            }
        }
    }

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove every cached response (runs and results stay).")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let (config, display) = try options.loadConfig()
            do {
                let removed = try await StoreQueries.clearCache(config, display: display)
                Terminal.output("Removed \(removed) cached response(s) from \(display(config.store.url)).")
            } catch {
                throw ExitCode(Terminal.report(error))
            }
        }
    }
}
