import EvalGateTransport
import Foundation
import Synchronization
import TestSupport
import Testing

/// A client with no jitter to speak of, so retry tests finish at once.
private func client(connections: Int = 8) -> HTTPClient {
    HTTPClient(maximumConnectionsPerHost: connections)
}

private let quickRetry = RetryPolicy(retries: 3, baseSeconds: 0.001, capSeconds: 0.01)

/// A request to `server`. The timeout is long unless a test is about timeouts: a fresh-clone CI
/// run once stalled the whole test process for 7 s (tests of milliseconds reported 6.6–7.2 s), a
/// 5 s timeout expired, and a 403 counted two attempts.
private func post(_ server: LoopbackServer, path: String = "/v1/x", body: String = "{}", timeout: Double = 60, limit: Int = 16 << 20) -> HTTPRequest {
    HTTPRequest(
        url: server.baseURL + path, headers: [(name: "Content-Type", value: "application/json")], body: Array(body.utf8),
        timeoutSeconds: timeout, maximumResponseBytes: limit)
}

@Suite struct HTTPClientTests {
    @Test func aResponseComesBackWithStatusHeadersAndBody() async throws {
        let seen = Mutex<[LoopbackServer.Request]>([])
        let server = try LoopbackServer { request in
            seen.withLock { $0.append(request) }
            return .json(#"{"echo": \#(request.bodyText.count)}"#, headers: [("X-Server", "loopback"), ("X-Spaced", " \t two  words \t")])
        }
        let http = client()
        let big = String(repeating: "x", count: 5000)
        let exchange = try await http.send(post(server, body: big), requestID: "run/s/c/0", retry: quickRetry)
        #expect(exchange.response.status == 200)
        #expect(exchange.response.text == #"{"echo": 5000}"#)
        #expect(exchange.response.header("X-Server") == "loopback")
        #expect(exchange.response.header("x-spaced") == "two  words", "a value loses the blanks around it, not inside it")
        #expect(exchange.attempts.map(\.requestID) == ["run/s/c/0/1"])
        let request = try #require(seen.withLock { $0.first })
        #expect(request.method == "POST")
        #expect(request.header("x-request-id") == "run/s/c/0/1")
        #expect(request.header("expect") == nil, "no Expect: 100-continue on a body over 1 KiB")
        #expect(request.header("accept-encoding")?.contains("gzip") == true)
        http.shutdown()
        server.stop()
    }

    @Test func sequentialRequestsReuseOneConnection() async throws {
        let server = try LoopbackServer { _ in .json("{}") }
        let http = client()
        for index in 0..<5 {
            _ = try await http.send(post(server), requestID: "r\(index)", retry: quickRetry)
        }
        #expect(server.statistics.requests == 5)
        #expect(server.statistics.connections == 1)
        http.shutdown()
        server.stop()
    }

    /// The run's reports are written after `shutdown`, while the client still exists: its
    /// connections must be closed by then, not when the object goes at the end of the command.
    @Test func shuttingDownClosesTheConnectionsWhileTheClientStillExists() async throws {
        let server = try LoopbackServer { _ in .json("{}") }
        let http = client()
        _ = try await http.send(post(server), requestID: "r", retry: quickRetry)
        #expect(server.openConnections == 1)
        http.shutdown()
        HTTPClient.waitForClosedConnections()
        // The server sees the close on its connection's thread.
        let deadline = ContinuousClock.now + .seconds(10)
        while server.openConnections > 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(server.openConnections == 0)
        withExtendedLifetime(http) {}
        server.stop()
    }

    @Test func sixtyFourRequestsAreInFlightAtOnce() async throws {
        let server = try LoopbackServer { _ in .json("{}", delay: 0.5) }
        let http = client(connections: 64)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<64 {
                group.addTask { try await http.send(post(server), requestID: "r\(index)", retry: quickRetry).response.status }
            }
            for try await status in group { #expect(status == 200) }
        }
        #expect(server.statistics.maximumInFlight == 64, "the server saw \(server.statistics.maximumInFlight) at once")
        http.shutdown()
        server.stop()
    }

    /// At high concurrency the requests are shared by two transfer threads: all of them are
    /// still in flight at once, and the connections opened are the concurrency's, reused by the
    /// next wave.
    @Test func requestsSharedByTwoThreadsAreAllInFlightOnNoMoreConnections() async throws {
        let count = HTTPClient.sharedFrom
        let server = try LoopbackServer { _ in .json("{}", delay: 1.0) }
        let http = client(connections: count)
        for wave in 0..<2 {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<count {
                    group.addTask { try await http.send(post(server), requestID: "r\(wave)-\(index)", retry: quickRetry).response.status }
                }
                for try await status in group { #expect(status == 200) }
            }
        }
        #expect(server.statistics.maximumInFlight == count, "the server saw \(server.statistics.maximumInFlight) at once")
        #expect(server.statistics.requests == 2 * count)
        #expect(server.statistics.connections == count)
        http.shutdown()
        server.stop()
    }

    @Test func aServerErrorThenSuccessIsRetriedWithANewRequestID() async throws {
        let server = try LoopbackServer { request in
            request.sequence == 1 ? .json(#"{"error": "boom"}"#, status: 500) : .json(#"{"ok": true}"#)
        }
        let http = client()
        let exchange = try await http.send(post(server), requestID: "run/s/c/0", retry: quickRetry)
        #expect(exchange.response.status == 200)
        #expect(exchange.attempts.map(\.outcome) == ["HTTP 500", "HTTP 200"])
        #expect(exchange.attempts.map(\.requestID) == ["run/s/c/0/1", "run/s/c/0/2"])
        http.shutdown()
        server.stop()
    }

    @Test(arguments: [400, 401, 403, 404, 422])
    func otherClientErrorsAreNeverRetried(_ status: Int) async throws {
        let server = try LoopbackServer { _ in .json(#"{"error": "no"}"#, status: status) }
        let http = client()
        let exchange = try await http.send(post(server), requestID: "r", retry: quickRetry)
        #expect(exchange.response.status == status)
        #expect(exchange.attempts.count == 1)
        #expect(server.statistics.requests == 1)
        http.shutdown()
        server.stop()
    }

    @Test(arguments: [408, 409, 429, 500, 502, 503, 504, 529])
    func retryableStatusesAreRetriedUntilTheAttemptsRunOut(_ status: Int) async throws {
        let server = try LoopbackServer { _ in .json("{}", status: status) }
        let http = client()
        do {
            _ = try await http.send(post(server), requestID: "r", retry: quickRetry)
            Issue.record("an exhausted retry returned")
        } catch {
            #expect(error.response?.status == status)
            #expect(error.attempts.count == 4)
            #expect(error.description == "HTTP \(status) after 4 attempts (HTTP \(status), HTTP \(status), HTTP \(status), HTTP \(status))")
        }
        #expect(server.statistics.requests == 4)
        http.shutdown()
        server.stop()
    }

    @Test func retryAfterIsHonouredAndCappedByTheCap() async throws {
        let server = try LoopbackServer { request in
            switch request.sequence {
            case 1: .json("{}", status: 429, headers: [("Retry-After", "0.2")])
            case 2: .json("{}", status: 503, headers: [("retry-after-ms", "50")])
            case 3: .json("{}", status: 429, headers: [("Retry-After", "3600")])
            default: .json("{}")
            }
        }
        let http = client()
        let exchange = try await http.send(post(server), requestID: "r", retry: RetryPolicy(retries: 3, baseSeconds: 0.001, capSeconds: 0.3))
        #expect(exchange.attempts.map(\.waitSeconds) == [0.2, 0.05, 0.3, 0])
        http.shutdown()
        server.stop()
    }

    @Test func aHangPastTheTimeoutIsATimeoutError() async throws {
        let server = try LoopbackServer { _ in .hang }
        let http = client()
        do {
            _ = try await http.send(post(server, timeout: 0.3), requestID: "r", retry: RetryPolicy(retries: 0))
            Issue.record("a hang answered")
        } catch {
            #expect(error.transportError == .timeout(seconds: 0.3))
            #expect(error.description == "no response within 0.3 s")
        }
        http.shutdown()
        server.stop()
    }

    @Test func aConnectionClosedMidBodyIsRetried() async throws {
        let server = try LoopbackServer { request in
            request.sequence == 1 ? .closeMidBody(status: 200, body: #"{"text": "par"#, declaredLength: 400) : .json(#"{"text": "whole"}"#)
        }
        let http = client()
        let exchange = try await http.send(post(server), requestID: "r", retry: quickRetry)
        #expect(exchange.response.text == #"{"text": "whole"}"#)
        #expect(exchange.attempts.count == 2)
        #expect(exchange.attempts[0].error?.contains("Transferred a partial file") == true, "\(exchange.attempts[0].outcome)")
        http.shutdown()
        server.stop()
    }

    @Test func anOversizeBodyIsRefusedAndNotRetried() async throws {
        let server = try LoopbackServer { _ in .json("\"" + String(repeating: "a", count: 200_000) + "\"") }
        let http = client()
        do {
            _ = try await http.send(post(server, limit: 64 * 1024), requestID: "r", retry: quickRetry)
            Issue.record("an oversize body was accepted")
        } catch {
            #expect(error.transportError == .bodyTooLarge(limit: 64 * 1024))
            #expect(error.attempts.count == 1)
        }
        http.shutdown()
        server.stop()
    }

    @Test func cancellationRemovesTheTransferAtOnce() async throws {
        let server = try LoopbackServer { _ in .hang }
        let http = client()
        let task = Task { try await http.send(post(server, timeout: 60), requestID: "r", retry: RetryPolicy(retries: 0)) }
        while server.statistics.inFlight == 0 { try await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        let outcome = await task.result
        guard case .failure(let failure as HTTPClient.Failure) = outcome else {
            Issue.record("a cancelled request answered")
            return
        }
        #expect(failure.transportError == .cancelled)
        // The server sees the connection go away: the transfer was removed, not left running.
        var waited = 0
        while server.statistics.inFlight > 0 && waited < 200 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        #expect(server.statistics.inFlight == 0)
        http.shutdown()
        server.stop()
    }

    @Test func aRefusedConnectionIsAConnectionErrorNamingTheHost() async throws {
        let server = try LoopbackServer { _ in .json("{}") }
        let url = server.baseURL
        server.stop()
        let http = client()
        do {
            _ = try await http.send(HTTPRequest(url: url + "/x?key=SECRET", timeoutSeconds: 2), requestID: "r", retry: RetryPolicy(retries: 1, baseSeconds: 0.001, capSeconds: 0.001))
            Issue.record("a closed port answered")
        } catch {
            #expect(error.attempts.count == 2)
            #expect(error.description.contains("Couldn't connect to server"))
            #expect(!error.description.contains("SECRET"))
        }
        http.shutdown()
    }
}

@Suite struct RetryPolicyTests {
    @Test func backoffGrowsExponentiallyUpToTheCapWithFullJitter() {
        let policy = RetryPolicy(retries: 5, baseSeconds: 0.5, capSeconds: 4)
        #expect((1...5).map { policy.backoff(beforeRetry: $0, random: 1) } == [0.5, 1, 2, 4, 4])
        #expect(policy.backoff(beforeRetry: 3, random: 0) == 0)
        #expect(policy.backoff(beforeRetry: 3, random: 0.5) == 1)
    }

    @Test func serverDelaysAreReadInEachForm() {
        let policy = RetryPolicy(capSeconds: 30)
        func response(_ headers: [(String, String)]) -> HTTPResponse {
            HTTPResponse(status: 429, headers: headers.map { ($0.0.lowercased(), $0.1) }, body: [], durationMs: 1)
        }
        #expect(policy.serverDelay(response([("Retry-After", "7")])) == 7)
        #expect(policy.serverDelay(response([("retry-after-ms", "1500")])) == 1.5)
        #expect(policy.serverDelay(response([("Retry-After", "600")])) == 30)
        let now = Date(timeIntervalSince1970: 1_445_412_470)  // 2015-10-21 07:27:50 GMT
        #expect(policy.serverDelay(response([("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")]), now: now) == 10)
        #expect(policy.serverDelay(response([])) == nil)
    }
}

@Suite struct RateLimiterTests {
    @Test func a429HalvesTheRateAndSuccessesWinItBack() {
        let limiter = RateLimiter(requestsPerMinute: 600, tokensPerMinute: nil)
        #expect(limiter.currentRate == 600)
        limiter.throttled()
        #expect(limiter.currentRate == 300)
        limiter.throttled()
        #expect(limiter.currentRate == 150)
        for _ in 0..<5 { limiter.succeeded() }
        #expect(limiter.currentRate == 300)
        for _ in 0..<50 { limiter.succeeded() }
        #expect(limiter.currentRate == 600, "never above the configured rate")
    }

    @Test func tokensOverTheMinuteLimitHoldNewRequestsUntilTheyAgeOut() throws {
        let limiter = RateLimiter(requestsPerMinute: nil, tokensPerMinute: 100)
        let start = ContinuousClock.now
        limiter.consumed(tokens: 60, at: start)
        #expect(limiter.tokenWait(now: start + .seconds(1)) == nil, "60 of 100 used")
        limiter.consumed(tokens: 50, at: start + .seconds(20))
        // 110 used: the first 60 must age out, 60 s after they were used.
        #expect(limiter.tokenWait(now: start + .seconds(30)) == .seconds(30))
        #expect(limiter.tokenWait(now: start + .seconds(60)) == nil)
    }

    @Test func requestsAreGivenSlotsOneIntervalApart() throws {
        let limiter = RateLimiter(requestsPerMinute: 120, tokensPerMinute: nil)
        let now = ContinuousClock.now
        let slots = (0..<3).compactMap { _ in limiter.reserve(now: now) }
        #expect(slots.map { $0 - now } == [.zero, .milliseconds(500), .seconds(1)])
        limiter.throttled()  // 60 per minute from now on
        let next = try #require(limiter.reserve(now: now))
        #expect(next - now == .milliseconds(1500))
        #expect(try #require(limiter.reserve(now: now)) - now == .milliseconds(2500))
        #expect(RateLimiter(requestsPerMinute: nil, tokensPerMinute: nil).reserve() == nil)
    }
}
