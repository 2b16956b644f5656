import Foundation
import Synchronization

/// An async HTTP client over libcurl's multi interface, with retries and a shared rate limit.
///
/// One client serves a whole run: its connections are reused across requests. Nothing here
/// blocks Swift's cooperative pool; transfers run on the client's own thread.
///
/// ```swift
/// let client = HTTPClient(maximumConnectionsPerHost: 64)
/// let exchange = try await client.send(request, requestID: "run/suite/case/0", retry: RetryPolicy())
/// print(exchange.response.status, exchange.attempts.count)
/// client.shutdown()
/// ```
public final class HTTPClient: Sendable {
    /// The transfer threads, and how many requests each has in flight. At high concurrency one
    /// thread was the run's bottleneck: when 256 answers land together it handled them one after
    /// another (the answers, then the next requests' sends, which on a loopback run the server's
    /// side of TCP too), and the next requests waited. A request goes to the thread with fewer in
    /// flight (the first on a tie, so requests one at a time reuse one connection); each thread's
    /// connections are about half the run's, and no more are opened in all.
    private let loops: [CurlMultiLoop]
    private let inFlight: Mutex<[Int]>
    /// The connections per host from which the requests are shared by two threads.
    public static let sharedFrom = 128
    public let rateLimiter: RateLimiter?

    /// - Parameters:
    ///   - maximumConnectionsPerHost: connections kept to one host at most (the run's concurrency).
    ///   - rateLimiter: shared by every request of this client, when the run is rate limited.
    public init(maximumConnectionsPerHost: Int, rateLimiter: RateLimiter? = nil) {
        let count = maximumConnectionsPerHost >= Self.sharedFrom ? 2 : 1
        loops = (0..<count).map { _ in CurlMultiLoop(maximumConnectionsPerHost: maximumConnectionsPerHost) }
        inFlight = Mutex(Array(repeating: 0, count: count))
        self.rateLimiter = rateLimiter
    }

    /// What came of a request after all its attempts.
    public struct Exchange: Sendable {
        /// The last response (which may be an error status the caller must judge).
        public var response: HTTPResponse
        public var attempts: [Attempt]
    }

    /// Why a request failed after all its attempts.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// The last attempt's response, when it got one (an error status).
        public var response: HTTPResponse?
        /// The last transport error, when it got none.
        public var transportError: TransportError?
        public var attempts: [Attempt]

        public var description: String {
            let last = attempts.last?.outcome ?? "no attempt"
            let count = attempts.count
            return count > 1 ? "\(last) after \(count) attempts (\(attempts.map(\.outcome).joined(separator: ", ")))" : last
        }
    }

    /// Sends one exchange without retrying.
    public func perform(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        do {
            let index = inFlight.withLock { counts in
                let index = counts.indices.min { counts[$0] < counts[$1] }!
                counts[index] += 1
                return index
            }
            defer { inFlight.withLock { $0[index] -= 1 } }
            return try await loops[index].perform(request)
        } catch let error as TransportError {
            throw error
        } catch {
            throw .connection("\(error)")
        }
    }

    /// Sends `request` with `X-Request-ID: <requestID>/<attempt>`, retrying connection errors,
    /// timeouts and the statuses in `RetryPolicy.retryableStatuses` as the policy says. A response
    /// with another status, 2xx or not, ends the exchange and is returned: judging it is the
    /// caller's job. Throws when every attempt failed or the task was cancelled.
    /// - Parameter read: checks a 2xx body; a problem it names (malformed JSON) is retried like a
    ///   broken connection, and reported as the error when the retries run out.
    public func send(
        _ request: HTTPRequest, requestID: String, retry: RetryPolicy, read: (@Sendable (HTTPResponse) -> String?)? = nil
    ) async throws(Failure) -> Exchange {
        var attempts: [Attempt] = []
        var attempt = 1
        while true {
            let id = "\(requestID)/\(attempt)"
            var sent = request
            sent.headers.append((name: "X-Request-ID", value: id))
            do {
                try await rateLimiter?.acquire()
            } catch {
                throw Failure(response: nil, transportError: .cancelled, attempts: attempts)
            }
            var outcome: Result<HTTPResponse, TransportError>
            do {
                outcome = .success(try await perform(sent))
            } catch {
                outcome = .failure(error)
            }
            if case .success(let response) = outcome, (200..<300).contains(response.status), let problem = read?(response) {
                rateLimiter?.succeeded()
                outcome = .failure(.unreadableBody(problem))
            }
            let retriesLeft = attempt <= retry.retries
            switch outcome {
            case .success(let response):
                if response.status == 429 { rateLimiter?.throttled() } else { rateLimiter?.succeeded() }
                let retryable = RetryPolicy.retryableStatuses.contains(response.status)
                if !retryable || !retriesLeft || Task.isCancelled {
                    attempts.append(Attempt(number: attempt, requestID: id, status: response.status, error: nil, waitSeconds: 0))
                    if retryable { throw Failure(response: response, transportError: nil, attempts: attempts) }
                    return Exchange(response: response, attempts: attempts)
                }
                let wait = retry.serverDelay(response) ?? retry.backoff(beforeRetry: attempt)
                attempts.append(Attempt(number: attempt, requestID: id, status: response.status, error: nil, waitSeconds: wait))
                try await sleep(wait, attempts: attempts)
            case .failure(let error):
                if !error.isRetryable || !retriesLeft || Task.isCancelled {
                    attempts.append(Attempt(number: attempt, requestID: id, status: nil, error: error.description, waitSeconds: 0))
                    throw Failure(response: nil, transportError: error, attempts: attempts)
                }
                let wait = retry.backoff(beforeRetry: attempt)
                attempts.append(Attempt(number: attempt, requestID: id, status: nil, error: error.description, waitSeconds: wait))
                try await sleep(wait, attempts: attempts)
            }
            attempt += 1
        }
    }

    private func sleep(_ seconds: Double, attempts: [Attempt]) async throws(Failure) {
        do {
            try await Task.sleep(for: .seconds(seconds))
        } catch {
            throw Failure(response: nil, transportError: .cancelled, attempts: attempts)
        }
    }

    /// Fails what is in flight and stops the transfer thread, which then closes the connections
    /// on its own. Call once, when the run is over.
    public func shutdown() {
        for loop in loops { loop.shutdown() }
    }

    /// Returns once every client shut down has closed its connections: call before the process
    /// exits.
    public static func waitForClosedConnections() {
        CurlMultiLoop.closing.wait()
    }
}
