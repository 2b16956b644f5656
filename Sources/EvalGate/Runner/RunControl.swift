import EvalGateProviders
import Synchronization

/// Lets the outside stop a run gently: no new request starts, the ones in flight finish and are
/// stored, and the run is marked `interrupted`. (Cancelling the run's task stops in-flight
/// requests too.)
public final class RunControl: Sendable {
    private let stopped = Mutex(false)
    private let aborted = Mutex(false)

    public init() {}

    /// Asks the run to start nothing new.
    public func requestStop() {
        stopped.withLock { $0 = true }
    }

    public var isStopRequested: Bool { stopped.withLock { $0 } }

    /// For a process about to exit at once: kills the commands of `exec` providers still running,
    /// which live in process groups of their own and would otherwise outlive evalgate.
    public func abortNow() {
        aborted.withLock { $0 = true }  // first: results of the commands killed next are not verdicts
        ExecProvider.killRunningCommands()
    }

    /// The process is about to exit: nothing more is stored.
    public var isAborted: Bool { aborted.withLock { $0 } }
}

/// How far a run has got, reported after each result.
public struct RunProgress: Sendable {
    public var done: Int
    public var total: Int
    public var errors: Int
    public var failures: Int
}
