import EvalGateCore
import Foundation

/// Answers from a recording: a JSONL file with one response per line,
/// `{"suite", "case", "sample", "text", "tool_calls", "usage", "latency_ms"}` (or `"error"` for a
/// recorded failure). Offline and deterministic; a case with no line is an error result.
public struct ReplayProvider: Provider {
    private let responses: [ReplayKey: Result<ModelResponse, ProviderFailure>]
    private let file: String

    struct ReplayKey: Hashable, Sendable {
        var suite: String
        var caseID: String
        var sample: Int
    }

    /// Reads and checks the whole recording.
    ///
    /// - Throws: `ValidationError` naming the line of every malformed or duplicated entry.
    public init(recording url: URL, displayPath: String) throws(ValidationError) {
        let text = try SourceFile.read(url, displayPath: displayPath)
        var responses: [ReplayKey: Result<ModelResponse, ProviderFailure>] = [:]
        var log = DiagnosticLog()
        JSONSource.forEachLine(text, file: displayPath, log: &log) { node, log in
            let at = node.location
            guard case .object(let members) = node.jsonValue else {
                log.error(at, "each line must be a JSON object, found \(node.typeName)")
                return
            }
            guard case .string(let suite)? = members["suite"], case .string(let caseID)? = members["case"] else {
                log.error(at, "each line needs string fields 'suite' and 'case'")
                return
            }
            var sample = 0
            if let value = members["sample"] {
                guard case .number(let number) = value, number >= 0, number == number.rounded() else {
                    log.error(at, "'sample' must be a whole number from 0")
                    return
                }
                sample = Int(number)
            }
            let key = ReplayKey(suite: suite, caseID: caseID, sample: sample)
            if responses[key] != nil {
                log.error(at, "a second response for \(suite)/\(caseID) sample \(sample)")
                return
            }
            if case .string(let message)? = members["error"] {
                responses[key] = .failure(ProviderFailure(message, latencyMs: members["latency_ms"]?.numberValue ?? 0))
                return
            }
            do throws(ProviderFailure) {
                responses[key] = .success(try ResponseDecoding.decode(.object(members)))
            } catch {
                log.error(at, error.message)
            }
        }
        try log.throwIfAny()
        self.responses = responses
        self.file = displayPath
    }

    public func respond(to request: ProviderRequest) async throws(ProviderFailure) -> ModelResponse {
        let key = ReplayKey(suite: request.suite, caseID: request.caseID, sample: request.sample)
        guard let recorded = responses[key] else {
            throw ProviderFailure("no recorded response for \(request.suite)/\(request.caseID) sample \(request.sample) in \(file)")
        }
        return try recorded.get()
    }
}
