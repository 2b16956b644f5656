import ArgumentParser
import EvalGate
import EvalGateTransport
import CSpawn
import Foundation

/// The `evalgate` command: parsing and printing only; the work is in the EvalGate library.
struct EvalGateCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evalgate",
        abstract: "A prompt-regression and eval gate for LLM applications and agents.",
        discussion: """
            Runs golden (must be useful) and adversarial (must be safe) suites against one pinned model/prompt/tool configuration, stores the run in SQLite, compares it with a baseline and exits non-zero on a regression.

            Exit codes: 0 pass, 1 regression, 2 invalid input or usage, 3 the run could not complete.

            Examples:
              evalgate validate
              evalgate gate
              evalgate gate --replay examples/recordings/regressed.jsonl
              evalgate baseline promote
            """,
        version: EvalGateVersion.current,
        subcommands: [Init.self, Validate.self, Run.self, Gate.self, Baseline.self, Runs.self, History.self, Cache.self, CompareCommand.self, Merge.self, ReportCommand.self, Import.self]
    )
}

@main
enum Main {
    static func main() async {
        // Blocks of 1 MiB and more (a file read whole, a suite's array of cases, a page of results)
        // are mapped on their own, so freeing one gives it back. By default glibc raises that
        // threshold to the largest block freed so far and then serves such blocks from the heap,
        // where a freed one stays resident: a 100,000-case gate peaked at 155-166 MB resident,
        // 135-141 MB with this. (Limiting malloc's arenas as well saved nothing more once this was
        // set, and cost 10% of CPU in lock contention.)
        _ = evalgate_set_mmap_threshold(1 << 20)
        // Setting that threshold also fixes the trim threshold at glibc's 128 KiB, so any free of
        // a block at the top of a heap gave memory back, and the next allocations faulted it in
        // again, zeroed: `report latest` on 100,000 cases took 34,000-37,000 page faults, half of
        // them this churn. Keeping 4 MiB free at the top of each heap: 16,600-17,200 faults, 35%
        // less system time, 1-3 MB more resident.
        _ = evalgate_set_trim_threshold(4 << 20)
        // Many systems start a process with a soft limit of 1,024 open files, and a run holds a
        // connection (or an exec provider's three pipes) per request in flight, up to 1,024 of
        // them, beside its store and suites. Past the limit, connections fail, and libdispatch
        // crashes when its thread monitor cannot open a /proc file. The hard limit is the bound.
        _ = evalgate_raise_open_file_limit()
        Terminal.installInterruptHandler()
        do {
            var command = try EvalGateCLI.parseAsRoot(ResumeArgument.normalize(Array(CommandLine.arguments.dropFirst())))
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            HTTPClient.waitForClosedConnections()
        } catch {
            HTTPClient.waitForClosedConnections()
            // Usage errors exit 2 (ArgumentParser's default is 64), as the documented exit codes say.
            if EvalGateCLI.exitCode(for: error) == .validationFailure {
                Terminal.error(EvalGateCLI.fullMessage(for: error))
                exit(2)
            }
            EvalGateCLI.exit(withError: error)
        }
    }
}

/// `--resume` takes a run id, or none for the latest interrupted run; the argument parser has no
/// options with an optional value, so a bare `--resume` is given an explicit marker first.
enum ResumeArgument {
    static let latest = "@latest"

    static func normalize(_ arguments: [String]) -> [String] {
        var out: [String] = []
        for (index, argument) in arguments.enumerated() {
            out.append(argument)
            if argument == "--resume", index + 1 >= arguments.count || arguments[index + 1].hasPrefix("-") {
                out.append(latest)
            }
        }
        return out
    }
}
