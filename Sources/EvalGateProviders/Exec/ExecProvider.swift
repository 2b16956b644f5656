import EvalGateCore
import Foundation

/// Runs a local command per request: the request as JSON on its stdin, the response as JSON on its
/// stdout (`{"text", "tool_calls", "usage", "model", "finish_reason"}`).
///
/// The command is an argv array run without a shell, in the config file's folder, with
/// evalgate's environment. A non-zero exit, a signal, a timeout or output that is not the response
/// JSON is an error result that says which, with the first lines of the command's stderr.
public struct ExecProvider: Provider {
    public let command: [String]
    public let directory: String

    public init(command: [String], directory: String) {
        self.command = command
        self.directory = directory
    }

    /// Kills every command still running, with its children. For a hard stop (a second Ctrl-C)
    /// just before the process exits; a normal cancellation stops each command by itself.
    public static func killRunningCommands() {
        ChildProcess.killAll()
    }

    /// The JSON written to the command's stdin.
    static func requestJSON(_ request: ProviderRequest) -> JSONValue {
        [
            "suite": .string(request.suite),
            "case": .string(request.caseID),
            "sample": .number(Double(request.sample)),
            "request_id": .string(request.requestID),
            "model": .string(request.model),
            "system": request.request.system.map(JSONValue.string) ?? .null,
            "messages": .array(request.request.messages.map { ["role": .string($0.role), "content": .string($0.content)] }),
            "vars": .object(request.vars.mapValues(JSONValue.string)),
            "tools": request.tools.map(JSONValue.array) ?? .null,
            "sampling": request.sampling.jsonValue,
        ]
    }

    public func respond(to request: ProviderRequest) async throws(ProviderFailure) -> ModelResponse {
        let started = ContinuousClock.now
        let input = Array((ExecProvider.requestJSON(request).canonicalText + "\n").utf8)
        let outcome = await ChildProcess(argv: command, input: input, timeoutSeconds: request.timeoutSeconds, directory: directory).run()
        let elapsed = started.duration(to: .now)
        let latencyMs = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let program = command[0]
        let stderrExcerpt = ExecProvider.excerpt(outcome.stderr)
        switch outcome.ending {
        case .couldNotStart(let message):
            throw ProviderFailure(message, latencyMs: latencyMs)
        case .timedOut:
            throw ProviderFailure("'\(program)' did not answer within \(JSONValue.numberText(request.timeoutSeconds)) s and was killed\(stderrExcerpt)", latencyMs: latencyMs)
        case .cancelled:
            throw ProviderFailure("'\(program)' was stopped: the run was cancelled", latencyMs: latencyMs)
        case .signalled(let signal):
            throw ProviderFailure("'\(program)' was killed by signal \(signal)\(stderrExcerpt)", latencyMs: latencyMs)
        case .exited(let code) where code != 0:
            throw ProviderFailure("'\(program)' exited with status \(code)\(stderrExcerpt)", latencyMs: latencyMs)
        case .exited:
            break
        }
        if outcome.stdoutTruncated {
            throw ProviderFailure("'\(program)' printed more than 16 MiB; the response is refused", latencyMs: latencyMs)
        }
        let text = String(decoding: outcome.stdout, as: UTF8.self)
        let value: JSONValue
        do {
            value = try JSONSource.value(text, file: "stdout")
        } catch {
            let first = error.diagnostics.first.map { "\($0.message) at line \($0.location.line), column \($0.location.column)" } ?? "invalid JSON"
            throw ProviderFailure("'\(program)' printed invalid JSON: \(first); output began: \(ExecProvider.quote(outcome.stdout))\(stderrExcerpt)", latencyMs: latencyMs)
        }
        do {
            return try ResponseDecoding.decode(value, latencyMs: latencyMs)
        } catch {
            if case .string(let reported)? = value["error"] {
                throw ProviderFailure("'\(program)' reported an error: \(reported)", latencyMs: latencyMs)
            }
            throw ProviderFailure("'\(program)' printed an unexpected response: \(error.message)", latencyMs: latencyMs)
        }
    }

    /// `; stderr: first lines…`, or nothing when stderr was empty.
    static func excerpt(_ stderr: [UInt8]) -> String {
        let text = String(decoding: stderr.prefix(2000), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return "" }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).prefix(5)
        return "; stderr: " + lines.joined(separator: " | ")
    }

    static func quote(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(120), as: UTF8.self)
        return text.isEmpty ? "(nothing)" : "'\(text)\(bytes.count > 120 ? "…" : "")'"
    }
}
