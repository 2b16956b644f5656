import EvalGateCore
import EvalGateProviders
import Synchronization

/// Lets the outside stop a run: gently (`requestStop`: nothing new starts, the requests in
/// flight finish and are stored) or at once (`abortNow`: the requests in flight are cancelled and
/// not stored). Either way the run ends `interrupted`, with every finished result kept.
public final class RunControl: Sendable {
    private struct AbortState {
        var aborted = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    private let stopped = Mutex(false)
    private let abort = Mutex(AbortState())

    public init() {}

    /// Asks the run to start nothing new.
    public func requestStop() {
        stopped.withLock { $0 = true }
    }

    public var isStopRequested: Bool { stopped.withLock { $0 } || isAborted }

    private let failure = Mutex<ValidationError?>(nil)

    /// Stops the run because its input went wrong under it (a suite file changed): nothing new
    /// starts, and `inputFailure` says what (the first such failure).
    public func stop(because error: ValidationError) {
        failure.withLock { if $0 == nil { $0 = error } }
        requestStop()
    }

    /// Why the run was stopped by its input, if it was.
    public var inputFailure: ValidationError? { failure.withLock { $0 } }

    /// Cancels the requests in flight (the commands of `exec` providers are killed with their
    /// process groups) and starts nothing new; what they would have returned is not stored.
    public func abortNow() {
        let waiters = abort.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.aborted = true  // first: results of the requests cancelled next are not verdicts
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
        ExecProvider.killRunningCommands()
    }

    /// Aborted: nothing more is stored.
    public var isAborted: Bool { abort.withLock { $0.aborted } }

    /// Returns when the run is aborted, or at once when the calling task is cancelled.
    func waitForAbort() async {
        let id = abort.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = abort.withLock { state -> Bool in
                    if state.aborted || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = abort.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}

/// How far a run has got, reported after each result.
public struct RunProgress: Sendable {
    public var done: Int
    public var total: Int
    public var errors: Int
    public var failures: Int
    /// The result that just finished.
    public var result: CaseResult
}
