import EvalGateCore
import EvalGateTransport
import Foundation

/// What the HTTP providers share: sending a JSON body with retries through the run's client,
/// judging the status, parsing the JSON answer, and keeping secrets out of every message.
public struct EndpointCaller: Sendable {
    public let client: HTTPClient
    public let retry: RetryPolicy
    public let connectTimeoutSeconds: Double
    public let maximumResponseBytes: Int
    public let redactor: SecretRedactor

    public init(client: HTTPClient, retry: RetryPolicy, connectTimeoutSeconds: Double, maximumResponseBytes: Int, redactor: SecretRedactor) {
        self.client = client
        self.retry = retry
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.maximumResponseBytes = maximumResponseBytes
        self.redactor = redactor
    }

    /// Stops the client's transfer thread; for the end of a run.
    public func close() {
        client.shutdown()
    }

    /// Counts a response's tokens against the run's tokens-per-minute limit, if there is one.
    public func recordUsage(_ response: ModelResponse) -> ModelResponse {
        let tokens = (response.usage.inputTokens ?? 0) + (response.usage.outputTokens ?? 0)
        client.rateLimiter?.consumed(tokens: tokens)
        return response
    }

    /// A parsed JSON answer with how it was obtained.
    public struct Answer: Sendable {
        public var json: JSONValue
        public var latencyMs: Double
        public var attempts: [AttemptRecord]
    }

    /// Sends `body` to `url` and returns the parsed 2xx answer.
    ///
    /// - Throws: `ProviderFailure` naming the last status (with an excerpt of the body) or the
    ///   transport error, after retries; never a secret.
    public func call(
        method: String = "POST", url: String, headers: [(name: String, value: String)], body: JSONValue?, for request: ProviderRequest
    ) async throws(ProviderFailure) -> Answer {
        let started = ContinuousClock.now
        let http = HTTPRequest(
            method: method, url: url, headers: [(name: "Content-Type", value: "application/json"), (name: "Accept", value: "application/json")] + headers,
            body: body.map { Array($0.canonicalText.utf8) } ?? [], timeoutSeconds: request.timeoutSeconds,
            connectTimeoutSeconds: connectTimeoutSeconds, maximumResponseBytes: maximumResponseBytes)
        // A 2xx body that is not JSON is retried (a proxy or the server cut it short); the JSON read
        // while checking is kept, so each body is parsed once.
        let parsed = ParsedBody()
        let exchange: HTTPClient.Exchange
        do {
            let redactor = self.redactor
            exchange = try await client.send(http, requestID: request.requestID, retry: retry) { response in
                Self.readJSON(response, into: parsed, redactor: redactor)
            }
        } catch {
            let attempts = records(error.attempts)
            var message = redactor.redact(error.description)
            if let response = error.response { message += " from \(redactor.redact(url))\(excerpt(response))" }
            throw ProviderFailure(message, latencyMs: elapsed(since: started), attempts: attempts)
        }
        let attempts = records(exchange.attempts)
        let response = exchange.response
        guard (200..<300).contains(response.status) else {
            throw ProviderFailure(
                "HTTP \(response.status) from \(redactor.redact(url))\(excerpt(response))", latencyMs: elapsed(since: started), attempts: attempts)
        }
        guard let json = parsed.value else {
            throw ProviderFailure("the response from \(redactor.redact(url)) could not be read", latencyMs: elapsed(since: started), attempts: attempts)
        }
        return Answer(json: json, latencyMs: elapsed(since: started), attempts: attempts)
    }

    /// Parses a 2xx body into `parsed`; the problem, for a body that is not JSON.
    private static func readJSON(_ response: HTTPResponse, into parsed: ParsedBody, redactor: SecretRedactor) -> String? {
        let reason: String
        do {
            parsed.set(try JSONSource.value(response.text, file: "response"))
            return nil
        } catch {
            reason = error.diagnostics.first?.message ?? "invalid JSON"
        }
        let text = response.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let short = text.count > 300 ? String(text.prefix(300)) + "…" : text
        let excerpt = short.isEmpty ? "" : ": " + redactor.redact(short.split(whereSeparator: \.isNewline).joined(separator: " "))
        return "HTTP \(response.status), but the body is not JSON (\(reason))\(excerpt)"
    }

    /// `: <first 300 characters of the body>`, redacted.
    private func excerpt(_ response: HTTPResponse) -> String {
        let text = response.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return "" }
        let short = text.count > 300 ? String(text.prefix(300)) + "…" : text
        return ": " + redactor.redact(short.split(whereSeparator: \.isNewline).joined(separator: " "))
    }

    private func records(_ attempts: [Attempt]) -> [AttemptRecord] {
        attempts.map { AttemptRecord(number: $0.number, requestID: $0.requestID, outcome: redactor.redact($0.outcome), waitSeconds: $0.waitSeconds) }
    }

    private func elapsed(since start: ContinuousClock.Instant) -> Double {
        let duration = start.duration(to: .now)
        return Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    /// Reads a whole number of tokens from a usage field, when there is one.
    static func tokens(_ value: JSONValue?) -> Int? {
        guard case .number(let number)? = value, number >= 0, number == number.rounded(), number < 1e15 else { return nil }
        return Int(number)
    }

    /// A wire-format mismatch, said plainly.
    static func unexpected(_ what: String, answer: Answer) -> ProviderFailure {
        ProviderFailure("unexpected response: \(what)", latencyMs: answer.latencyMs, attempts: answer.attempts)
    }
}


/// The JSON a response check parsed, handed back to the caller (set and read on one task).
private final class ParsedBody: @unchecked Sendable {
    // @unchecked: written by the check inside `send` and read after it returns, never at once.
    private(set) var value: JSONValue?

    func set(_ json: JSONValue) {
        value = json
    }
}
