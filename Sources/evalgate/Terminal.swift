import EvalGate
import Foundation

/// Printing for people: stdout for results, stderr for diagnostics and progress, colour only on a
/// terminal and never with NO_COLOR.
enum Terminal {
    static let control = RunControl()

    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
    static var stdinIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }
    /// `NO_COLOR` set to anything but nothing turns colour off (no-color.org).
    static var noColor: Bool { ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false }
    static var colour: Bool { stdoutIsTerminal && !noColor }
    static var stderrColour: Bool { stderrIsTerminal && !noColor }

    static func error(_ text: String, newline: Bool = true) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") || !newline ? text : text + "\n").utf8))
    }

    static func output(_ text: String) {
        FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// Prints every diagnostic (`file:line:column: error: message`) and returns exit code 2.
    static func report(_ error: ValidationError) -> Int32 {
        for diagnostic in error.diagnostics {
            Terminal.error("\(diagnostic.location): error: \(diagnostic.message)")
        }
        let count = error.diagnostics.count
        Terminal.error("\(count) error\(count == 1 ? "" : "s"); nothing was run.")
        return 2
    }

    static func report(_ error: EvalGateError) -> Int32 {
        switch error {
        case .invalidInput(let validation): return report(validation)
        default:
            Terminal.error("error: \(error.description)")
            return error.exitCode
        }
    }

    static func warn(_ warnings: [Diagnostic]) {
        for warning in warnings { Terminal.error("\(warning.location): warning: \(warning.message)") }
    }

    /// The first Ctrl-C stops new requests and lets in-flight ones finish; the second cancels those;
    /// either way the run is stored as `interrupted`. A third ends the process at once.
    static func installInterruptHandler() {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            if control.isAborted {
                Terminal.error("\nevalgate: quit.")
                exit(130)
            }
            if control.isStopRequested {
                control.abortNow()
                Terminal.error("\nevalgate: cancelling the requests in flight (Ctrl-C again to quit at once)…")
                return
            }
            control.requestStop()
            Terminal.error("\nevalgate: stopping after the requests in flight (Ctrl-C again to cancel them)…")
        }
        source.resume()
        interruptSource = source
    }

    nonisolated(unsafe) private static var interruptSource: (any DispatchSourceSignal)?

    /// How much to print while a run goes: on a terminal a progress line redrawn in place, in a CI
    /// log a line every 10%; `--verbose` adds a line per finished case; `--quiet` prints nothing.
    static func progressPrinter(_ output: OutputOptions = OutputOptions()) -> (@Sendable (RunProgress) -> Void)? {
        if output.quiet { return nil }
        let printer = ProgressPrinter(live: stderrIsTerminal, verbose: output.verbose, colour: stderrColour)
        return { printer.update($0) }
    }

    /// A path given on the command line, as a file URL relative to the current folder.
    static func location(_ path: String) -> URL {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
    }

    /// Text from a model or a suite, safe for a terminal: one line, escape sequences shown.
    static func visible(_ text: String, limit: Int = 300) -> String {
        TerminalText.oneLine(text, limit: limit)
    }

    /// Paints the verdict line when colour is on.
    static func paintVerdict(_ summary: String, outcome: GateVerdict.Outcome) -> String {
        guard colour, let newline = summary.firstIndex(of: "\n") else { return summary }
        let code = outcome == .pass ? "32" : outcome == .regression ? "31" : "33"
        return "\u{1B}[1;\(code)m" + summary[..<newline] + "\u{1B}[0m" + summary[newline...]
    }
}
