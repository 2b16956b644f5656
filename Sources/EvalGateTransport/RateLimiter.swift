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
        if let tokensPerMinute {
            while true {
                let wait = state.withLock { state -> Duration? in
                    let now = ContinuousClock.now
                    state.tokens.removeAll { now - $0.0 > .seconds(60) }
                    let used = state.tokens.reduce(0) { $0 + $1.1 }
                    guard used >= tokensPerMinute, let oldest = state.tokens.first else { return nil }
                    return .seconds(60) - (now - oldest.0)
                }
                guard let wait else { break }
                try await Task.sleep(for: wait)
            }
        }
        guard let slot = reserve() else { return }
        try await Task.sleep(until: slot, clock: .continuous)
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

    /// A request succeeded, having used `tokens` (when known): recover towards the configured rate.
    public func succeeded(tokens: Int?) {
        state.withLock { state in
            if let configured = requestsPerMinute { state.rate = min(configured, state.rate + configured / 20) }
            if let tokens, tokensPerMinute != nil { state.tokens.append((.now, tokens)) }
        }
    }
}
