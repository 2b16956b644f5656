import ArgumentParser
import EvalGate
import Foundation

/// `--quiet`, `--verbose` and `--output` on the commands that run or judge.
struct OutputOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print only the verdict line (and errors).")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Print each case as it finishes (on stderr).")
    var verbose = false

    @Option(help: ArgumentHelp("text (the summary) or json (the JSON report on stdout; the summary goes to stderr).", valueName: "format"))
    var output: OutputFormat = .text

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    func validate() throws {
        if quiet && verbose { throw ValidationError("--quiet and --verbose contradict each other; give one") }
    }

    /// With `--output json`, where the JSON report to print is written (then removed).
    var printedJSON: URL? {
        output == .json ? FileManager.default.temporaryDirectory.appendingPathComponent("evalgate-\(getpid())-results.json") : nil
    }

    /// Prints what a finished command shows: the summary (or only its verdict line), or the JSON
    /// report on stdout with the summary on stderr.
    func show(_ report: RunReport) throws {
        if let printedJSON {
            defer { try? FileManager.default.removeItem(at: printedJSON) }
            let json = report.jsonReport ?? printedJSON
            guard let handle = FileHandle(forReadingAtPath: json.path) else {
                throw ExitCode(Terminal.report(EvalGateError.storage("the JSON report \(json.path) was not written")))
            }
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                FileHandle.standardOutput.write(chunk)
            }
            if !quiet { Terminal.error(report.summary) }
            return
        }
        let text = quiet ? String(report.summary.prefix { $0 != "\n" }) : report.summary
        Terminal.output(Terminal.paintVerdict(text, outcome: report.verdict.outcome))
    }
}

/// Draws progress: the numbers for the line, and when to draw it.
final class ProgressPrinter: @unchecked Sendable {
    // @unchecked: every field is touched only under `lock`.
    private let lock = NSLock()
    private let live: Bool
    private let verbose: Bool
    private let colour: Bool
    private let started = Date()
    private var spent = 0.0
    private var unknownCost = 0
    private var lastDecile = 0
    private var lastDraw = Date.distantPast
    private var lineShown = false

    init(live: Bool, verbose: Bool, colour: Bool) {
        self.live = live
        self.verbose = verbose
        self.colour = colour
    }

    func update(_ progress: RunProgress) {
        lock.lock()
        defer { lock.unlock() }
        if let cost = progress.result.costUSD { spent += cost } else if progress.result.status != .error { unknownCost += 1 }
        var out = ""
        if verbose {
            if live && lineShown { out += "\r\u{1B}[K" }
            out += caseLine(progress.result) + "\n"
            lineShown = false
        }
        let now = Date()
        let finished = progress.done >= progress.total
        if live {
            if finished || verbose || now.timeIntervalSince(lastDraw) >= 0.1 {
                out += "\r\u{1B}[K" + figures(progress, now: now)
                lineShown = true
                lastDraw = now
            }
            if finished {
                out += "\r\u{1B}[K"
                lineShown = false
            }
        } else if progress.total > 0 {
            let decile = progress.done * 10 / progress.total
            if decile > lastDecile {
                lastDecile = decile
                out += "evalgate: " + figures(progress, now: now) + "\n"
            }
        }
        if !out.isEmpty { FileHandle.standardError.write(Data(out.utf8)) }
    }

    /// `412/2000 (20%) · 38.1/s · ETA 41s · 3 errors · $0.0123 spent`.
    private func figures(_ progress: RunProgress, now: Date) -> String {
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let rate = Double(progress.done) / elapsed
        var text = "\(progress.done)/\(progress.total) (\(progress.total > 0 ? progress.done * 100 / progress.total : 100)%)"
        text += " · " + (rate >= 10 ? String(format: "%.0f/s", rate) : String(format: "%.1f/s", rate))
        if progress.done < progress.total, rate > 0 {
            text += " · ETA " + Self.duration(Double(progress.total - progress.done) / rate)
        }
        text += " · \(progress.failures) failed · \(progress.errors) error\(progress.errors == 1 ? "" : "s")"
        text += " · $" + String(format: spent >= 1 ? "%.2f" : "%.4f", spent) + (unknownCost > 0 ? "+?" : "") + " spent"
        return text
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        return whole >= 3600 ? "\(whole / 3600)h\(whole % 3600 / 60)m" : whole >= 60 ? "\(whole / 60)m\(whole % 60)s" : "\(whole)s"
    }

    /// `PASS refunds/return-window #0 840 ms`, or with the reason for a failure or an error.
    private func caseLine(_ result: CaseResult) -> String {
        let word: String
        switch result.status {
        case .pass: word = paint("PASS ", "32")
        case .fail: word = paint("FAIL ", "31")
        case .error: word = paint("ERROR", "33")
        }
        var line = "\(word) \(Terminal.visible(result.suite))/\(Terminal.visible(result.caseID)) #\(result.sample) \(Int(result.latencyMs.rounded())) ms"
        if result.cached { line += " (cached)" }
        if let reason = result.status == .pass ? nil : result.firstReason { line += " — " + Terminal.visible(reason, limit: 200) }
        return line
    }

    private func paint(_ text: String, _ code: String) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
