/// An HTTP request as the transport sends it: plain values only, so it can cross to the transfer
/// thread.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    /// Header lines in order; `X-Request-ID` is added by the client per attempt.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Seconds the whole exchange may take.
    public var timeoutSeconds: Double
    /// Seconds to establish the connection.
    public var connectTimeoutSeconds: Double
    /// Bytes of response body accepted; past this the request fails with `bodyTooLarge`.
    public var maximumResponseBytes: Int

    public init(
        method: String = "POST", url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        timeoutSeconds: Double = 60, connectTimeoutSeconds: Double = 10, maximumResponseBytes: Int = 16 * 1024 * 1024
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutSeconds = timeoutSeconds
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.maximumResponseBytes = maximumResponseBytes
    }
}

/// A complete HTTP response.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names in lower case, in the order received (the final response's only).
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Wall time of the exchange in milliseconds.
    public var durationMs: Double

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8], durationMs: Double) {
        self.status = status
        self.headers = headers
        self.body = body
        self.durationMs = durationMs
    }

    /// The first value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name == lowered }?.value
    }

    /// The body as text (invalid UTF-8 repaired).
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Why an exchange produced no response. Never holds a URL's secrets.
public enum TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No response within the request's timeout.
    case timeout(seconds: Double)
    /// Could not connect, or the connection broke (libcurl's message).
    case connection(String)
    /// The response body passed the size cap.
    case bodyTooLarge(limit: Int)
    /// The task was cancelled; the transfer was removed.
    case cancelled
    /// The request itself could not be set up (a malformed URL).
    case invalidRequest(String)
    /// A 2xx response whose body the caller could not read (truncated or malformed JSON): the
    /// server or a proxy broke it, and the next attempt may be whole.
    case unreadableBody(String)

    public var description: String {
        switch self {
        case .timeout(let seconds): "no response within \(TransportError.seconds(seconds)) s"
        case .connection(let message): message
        case .bodyTooLarge(let limit): "the response body is larger than \(limit / 1_048_576) MiB and was refused"
        case .cancelled: "cancelled"
        case .invalidRequest(let message): message
        case .unreadableBody(let problem): problem
        }
    }

    /// Worth trying again: the endpoint may answer next time.
    public var isRetryable: Bool {
        switch self {
        case .timeout, .connection, .unreadableBody: true
        case .bodyTooLarge, .cancelled, .invalidRequest: false
        }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
