import Foundation

/// When and how long to wait before trying a request again.
///
/// Exponential backoff with full jitter: before retry n (1-based) the client sleeps a random time
/// between 0 and min(cap, base × 2^(n−1)). A `Retry-After` (seconds or an HTTP date) or
/// `retry-after-ms` header from the server replaces that, capped by `cap` too.
public struct RetryPolicy: Sendable, Hashable {
    /// Retries after the first attempt (0 = never retry).
    public var retries: Int
    /// Seconds of the first backoff step.
    public var baseSeconds: Double
    /// The longest single wait, in seconds.
    public var capSeconds: Double

    public init(retries: Int = 3, baseSeconds: Double = 0.5, capSeconds: Double = 30) {
        self.retries = retries
        self.baseSeconds = baseSeconds
        self.capSeconds = capSeconds
    }

    /// Status codes worth retrying: timeouts, conflicts, rate limits and server trouble
    /// (529 is Anthropic's "overloaded"). Every other 4xx is the request's fault and is final.
    public static let retryableStatuses: Set<Int> = [408, 409, 429, 500, 502, 503, 504, 529]

    /// The jittered backoff before retry `retry` (1-based).
    public func backoff(beforeRetry retry: Int, random: Double = Double.random(in: 0...1)) -> Double {
        let exponential = baseSeconds * pow(2, Double(max(0, retry - 1)))
        return min(capSeconds, exponential) * random
    }

    /// The wait a response asks for, if it asks: `retry-after-ms`, or `Retry-After` in seconds
    /// or as an HTTP date. Capped by `capSeconds`.
    public func serverDelay(_ response: HTTPResponse, now: Date = Date()) -> Double? {
        if let millis = response.header("retry-after-ms").flatMap(Double.init), millis >= 0 {
            return min(capSeconds, millis / 1000)
        }
        guard let value = response.header("retry-after")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Double(value), seconds >= 0 { return min(capSeconds, seconds) }
        if let date = RetryPolicy.httpDate(value) { return min(capSeconds, max(0, date.timeIntervalSince(now))) }
        return nil
    }

    /// Parses an IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`).
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}

/// One try of a request, kept so a result can say how it got there.
public struct Attempt: Sendable, Hashable {
    /// 1-based.
    public var number: Int
    /// The `X-Request-ID` sent.
    public var requestID: String
    /// The HTTP status, when a response came back.
    public var status: Int?
    /// What went wrong at the transport level, when nothing came back.
    public var error: String?
    /// Seconds waited after this attempt before the next one (0 for the last).
    public var waitSeconds: Double

    /// "HTTP 429" or the transport error.
    public var outcome: String {
        if let status { return "HTTP \(status)" }
        return error ?? "no response"
    }
}
