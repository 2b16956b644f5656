import Foundation
import Synchronization

/// Spaces requests out to at most `requestsPerMinute`, and tokens to at most `tokensPerMinute`
/// where usage is reported, across every request in flight. A 429 halves the request rate at once;
/// each success then wins back a twentieth of the configured rate, so the limit recovers within
/// about twenty requests once the server is happy again.
public final class RateLimiter: Sendable {
    private struct State {
        var rate: Double  // requests per minute now
        var nextSlot: ContinuousClock.Instant
        var tokens: [(ContinuousClock.Instant, Int)] = []
    }

    public let requestsPerMinute: Double?
    public let tokensPerMinute: Int?
    private let state: Mutex<State>

    public init(requestsPerMinute: Double?, tokensPerMinute: Int?) {
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        state = Mutex(State(rate: requestsPerMinute ?? 0, nextSlot: .now))
    }

    /// The request rate in force now (per minute), nil when requests are not limited.
    public var currentRate: Double? {
        requestsPerMinute == nil ? nil : state.withLock { $0.rate }
    }

    /// Waits (suspending, never blocking a thread) until a request may start.
    public func acquire() async throws {
        while let wait = tokenWait() {
            try await Task.sleep(for: wait)
        }
        guard let slot = reserve() else { return }
        try await Task.sleep(until: slot, clock: .continuous)
    }

    /// How long to wait before the tokens used in the last minute fall under the limit; nil when
    /// a request may start now (or tokens are not limited).
    public func tokenWait(now: ContinuousClock.Instant = .now) -> Duration? {
        guard let tokensPerMinute else { return nil }
        return state.withLock { state -> Duration? in
            state.tokens.removeAll { now - $0.0 >= .seconds(60) }
            var used = state.tokens.reduce(0) { $0 + $1.1 }
            guard used >= tokensPerMinute else { return nil }
            // Wait until enough of the oldest usage has aged out of the minute.
            for (time, tokens) in state.tokens {
                used -= tokens
                if used < tokensPerMinute { return .seconds(60) - (now - time) }
            }
            return nil
        }
    }

    /// Takes the next start time a request may use: `now` or later, one interval (60 s ÷ the rate
    /// in force) after the previous reservation. Nil when requests are not limited.
    public func reserve(now: ContinuousClock.Instant = .now) -> ContinuousClock.Instant? {
        guard requestsPerMinute != nil else { return nil }
        return state.withLock { state in
            let interval = Duration.seconds(60 / max(state.rate, 0.001))
            let slot = max(state.nextSlot, now)
            state.nextSlot = slot + interval
            return slot
        }
    }

    /// The server said 429: slow down.
    public func throttled() {
        guard let configured = requestsPerMinute else { return }
        state.withLock { $0.rate = max(configured / 64, $0.rate / 2) }
    }

    /// A request got an answer that was not a 429: recover towards the configured rate.
    public func succeeded() {
        guard let configured = requestsPerMinute else { return }
        state.withLock { $0.rate = min(configured, $0.rate + configured / 20) }
    }

    /// A request used `tokens` (input and output, as reported).
    public func consumed(tokens: Int, at now: ContinuousClock.Instant = .now) {
        guard tokensPerMinute != nil, tokens > 0 else { return }
        state.withLock { $0.tokens.append((now, tokens)) }
    }
}
