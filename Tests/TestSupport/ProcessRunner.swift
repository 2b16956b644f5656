import Foundation

/// What a process printed and how it ended.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Sends `signals` to `pid`, one after another with `gaps` seconds before each, as soon as a
/// file exists at `marker` (the program under test touches it when it reached the moment to hit).
/// Runs on a thread of its own: for `ProcessRunner.run`'s `started` callback.
public func signal(_ pid: Int32, _ signals: [Int32], whenExists marker: String, gaps: [Double] = []) {
    Thread.detachNewThread {
        while !FileManager.default.fileExists(atPath: marker) { usleep(10_000) }
        for (index, number) in signals.enumerated() {
            if index < gaps.count { usleep(UInt32(gaps[index] * 1_000_000)) }
            kill(pid, number)
        }
    }
}

/// Runs programs from tests: the built `evalgate` binary, `sqlite3`, `git`, `xmllint`.
public enum ProcessRunner {
    /// The folder `swift build` put the products in (where the test bundle runs from).
    public static var productsDirectory: URL {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        // On Linux the runner is `.build/<triple>/debug/evalgatePackageTests.xctest` itself;
        // elsewhere it may sit inside a bundle.
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("evalgate").path), folder.path != "/" {
            folder = folder.deletingLastPathComponent()
        }
        return folder
    }

    /// The built `evalgate` executable.
    public static var evalgate: URL { productsDirectory.appendingPathComponent("evalgate") }

    /// Runs `executable` with `arguments` in `directory`, with `environment` added to (and, for
    /// keys set to nil, removed from) the current one. Output is read as it comes, so a chatty
    /// child never blocks on a full pipe.
    public static func run(
        _ executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String?] = [:],
        input: String? = nil, started: (@Sendable (Int32) -> Void)? = nil
    ) async throws -> ProcessOutput {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        // Tests must not pick up the developer's own overrides.
        for key in merged.keys where key.hasPrefix("EVALGATE_") && environment[key] == nil { merged[key] = nil }
        process.environment = merged
        let stdout = Pipe(), stderr = Pipe(), stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        // Each pipe is drained to its end by a thread of its own. (Not readabilityHandler: its
        // dispatch sources raced the pipes' closing and crashed libdispatch's event loop, about
        // one full test run in ten.)
        let collected = OutputCollector()
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            // Three things must happen before the output is whole: the child exits and both pipes
            // reach their end. Whichever comes last resumes the caller; nothing waits blocked.
            let join = Join(parts: 3) { continuation.resume(returning: process.terminationStatus) }
            process.terminationHandler = { _ in join.arrive() }
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
                return
            }
            for (pipe, isError) in [(stdout, false), (stderr, true)] {
                Thread.detachNewThread {
                    collected.append(pipe.fileHandleForReading.readDataToEndOfFile(), error: isError)
                    join.arrive()
                }
            }
            started?(process.processIdentifier)
            if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
            try? stdin.fileHandleForWriting.close()
        }
        let (out, err) = collected.texts
        return ProcessOutput(status: status, stdout: out, stderr: err)
    }

    /// Runs the built `evalgate` binary.
    public static func evalgate(
        _ arguments: [String], in directory: URL, environment: [String: String?] = [:], started: (@Sendable (Int32) -> Void)? = nil
    ) async throws -> ProcessOutput {
        try await run(evalgate, arguments, in: directory, environment: environment, started: started)
    }

    /// Runs a program found on PATH.
    public static func tool(_ name: String, _ arguments: [String], in directory: URL? = nil) async throws -> ProcessOutput {
        try await run(URL(fileURLWithPath: "/usr/bin/env"), [name] + arguments, in: directory)
    }
}

/// Calls `done` once `parts` arrivals have happened, from whichever thread arrives last.
private final class Join: @unchecked Sendable {
    // @unchecked: `remaining` is only touched under `lock`.
    private let lock = NSLock()
    private var remaining: Int
    private let done: @Sendable () -> Void

    init(parts: Int, done: @escaping @Sendable () -> Void) {
        remaining = parts
        self.done = done
    }

    func arrive() {
        lock.lock()
        remaining -= 1
        let last = remaining == 0
        lock.unlock()
        if last { done() }
    }
}

private final class OutputCollector: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()

    func append(_ data: Data, error: Bool) {
        lock.lock()
        if error { err.append(data) } else { out.append(data) }
        lock.unlock()
    }

    var texts: (String, String) {
        lock.lock()
        defer { lock.unlock() }
        return (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}

extension ProcessRunner {
    /// Runs the built `evalgate` under a pseudo-terminal (util-linux `script`), as a person at a
    /// terminal would: stdout and stderr both reach the terminal, whose bytes are returned.
    public static func evalgateOnTerminal(_ arguments: [String], in directory: URL, environment: [String: String?] = [:], input: String? = nil) async throws -> ProcessOutput {
        let quoted = ([evalgate.path] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        var merged = environment
        if merged["TERM"] == nil { merged["TERM"] = "xterm" }
        return try await run(URL(fileURLWithPath: "/usr/bin/script"), ["-qfec", quoted, "/dev/null"], in: directory, environment: merged, input: input)
    }

    /// A workflow linter installed from PyPI (`check-jsonschema`, `zizmor`): on PATH, or in the
    /// virtual environment .ci/run makes (`.build/lint-venv`).
    public static func linter(_ name: String, repository: URL) -> URL? {
        let inVenv = repository.appendingPathComponent(".build/lint-venv/bin/\(name)")
        if FileManager.default.isExecutableFile(atPath: inVenv.path) { return inVenv }
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}
