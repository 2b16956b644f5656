import CCurl
import Foundation
import Synchronization

/// The libcurl multi interface on a thread of its own.
///
/// Every CURL handle is created, driven and cleaned up on this thread: callers hand in Sendable
/// requests and get Sendable responses back through continuations. The thread uses libcurl's
/// socket interface: libcurl names the sockets to watch, the thread sleeps in `epoll_wait` on
/// them and on an eventfd that a new request or a cancellation writes to, and hands libcurl only
/// the sockets that are ready (`curl_multi_poll` looked at every connection on each wake-up: at
/// concurrency 256 that was a third of the run's CPU). Connections stay in the multi handle's
/// cache between requests and are reused.
final class CurlMultiLoop: @unchecked Sendable {
    // @unchecked: `inbox` is behind a Mutex; `multi` and `sockets` are used by the loop thread
    // only; any thread may write to the eventfd.
    private struct Inbox {
        var submissions: [Submission] = []
        var cancellations: [UInt64] = []
        var stopping = false
    }

    struct Submission {
        var id: UInt64
        var request: HTTPRequest
        var continuation: CheckedContinuation<HTTPResponse, any Error>
    }

    private let inbox = Mutex(Inbox())
    private let nextID = Atomic<UInt64>(1)
    private let multi: UnsafeMutableRawPointer
    private let sockets: UnsafeMutablePointer<evalgate_curl_sockets>
    private let wakeup: Int32
    private let finished = NSCondition()
    private var exited = false

    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_ALL))
    }()

    /// Starts the loop thread. `maximumConnectionsPerHost` bounds parallel connections to one
    /// host (the run's concurrency); 0 means no bound.
    init(maximumConnectionsPerHost: Int) {
        _ = CurlMultiLoop.globalInit
        // Without a multi handle nothing can be sent; libcurl fails this only when out of memory.
        guard let multi = curl_multi_init() else { preconditionFailure("libcurl could not create a multi handle") }
        self.multi = multi
        evalgate_curl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, maximumConnectionsPerHost)
        evalgate_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(maximumConnectionsPerHost, 8))
        // Without epoll and an eventfd the loop cannot wait; the kernel refuses them only when out of descriptors.
        let epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeup = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        precondition(epoll >= 0 && wakeup >= 0 && evalgate_epoll_watch_wakeup(epoll, wakeup) == 0, "cannot set up epoll: \(String(cString: strerror(errno)))")
        sockets = .allocate(capacity: 1)
        sockets.initialize(to: evalgate_curl_sockets(epoll: epoll, deadline_ns: -1, multi: nil))
        evalgate_curl_multi_use_epoll(multi, sockets)
        let thread = Thread { [self] in run() }
        thread.name = "evalgate.curl"
        thread.start()
    }

    /// Sends `request`; cancelling the calling task removes the transfer at once.
    func perform(_ request: HTTPRequest) async throws -> HTTPResponse {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // The loop is woken by the first submission it has not yet taken: it takes them
                // all at once, so the ones after that need no wake-up of their own (at
                // concurrency 256 the answers land together and their successors are submitted
                // together, 256 writes to the eventfd where one does).
                let accepted = inbox.withLock { inbox -> Bool? in
                    guard !inbox.stopping else { return nil }
                    inbox.submissions.append(Submission(id: id, request: request, continuation: continuation))
                    return inbox.submissions.count == 1 && inbox.cancellations.isEmpty
                }
                switch accepted {
                case true?: wake()
                case false?: break
                case nil: continuation.resume(throwing: TransportError.cancelled)
                }
            }
        } onCancel: {
            inbox.withLock { $0.cancellations.append(id) }
            wake()
        }
    }

    private func wake() {
        eventfd_write(wakeup, 1)
    }

    /// Stops the thread after failing whatever is still in flight, and returns; the thread then
    /// closes the connections and frees the multi handle. Later calls do nothing.
    func shutdown() {
        let first = inbox.withLock { inbox -> Bool in
            defer { inbox.stopping = true }
            return !inbox.stopping
        }
        guard first else { return }
        Self.closing.enter()
        wake()
        finished.lock()
        while !exited { finished.wait() }
        finished.unlock()
    }

    deinit {
        // The loop thread holds this object until it has freed the multi handle. The descriptors
        // are closed here, not in `shutdown`: a cancellation handler that fires late still writes
        // to the eventfd, and it holds a reference to this object until then.
        close(sockets.pointee.epoll)
        close(wakeup)
        sockets.deinitialize(count: 1)
        sockets.deallocate()
    }

    // MARK: The loop thread

    private var transfers: [UInt64: Transfer] = [:]
    private var byHandle: [UnsafeMutableRawPointer: UInt64] = [:]

    private func run() {
        var running: Int32 = 0
        let capacity = 512
        var ready = [Int32](repeating: 0, count: capacity)
        var flags = [Int32](repeating: 0, count: capacity)
        while true {
            let (submissions, cancellations, stopping) = inbox.withLock { inbox in
                defer {
                    inbox.submissions.removeAll(keepingCapacity: true)
                    inbox.cancellations.removeAll(keepingCapacity: true)
                }
                return (inbox.submissions, inbox.cancellations, inbox.stopping)
            }
            for submission in submissions { start(submission) }
            for id in cancellations { finish(id, with: .failure(TransportError.cancelled)) }
            if stopping {
                for id in Array(transfers.keys) { finish(id, with: .failure(TransportError.cancelled)) }
                break
            }
            // libcurl's timers first (a new transfer asks to be started at once), then the sockets.
            if timerDue() { evalgate_curl_timeout_action(multi, &running) }
            collectFinished()
            let count = ready.withUnsafeMutableBufferPointer { readyBuffer in
                flags.withUnsafeMutableBufferPointer { flagBuffer in
                    evalgate_epoll_wait(sockets.pointee.epoll, wakeup, waitMilliseconds(), readyBuffer.baseAddress, flagBuffer.baseAddress, Int32(capacity))
                }
            }
            if count > 0 {
                for index in 0..<Int(count) where ready[index] != wakeup {
                    evalgate_curl_socket_action(multi, ready[index], flags[index], &running)
                }
            }
            // A transfer's timeout is libcurl's timer. Should libcurl ever leave transfers with no
            // timer set, a quiet second still has it check them, so no request outlives its
            // timeout by more than a second (a test once saw a 0.3 s timeout end only when the
            // server closed the connection, 7 s later; the cause was not found).
            let quietWithoutTimer = count == 0 && sockets.pointee.deadline_ns < 0 && !transfers.isEmpty
            if timerDue() || quietWithoutTimer { evalgate_curl_timeout_action(multi, &running) }
            collectFinished()
        }
        finished.lock()
        exited = true
        finished.broadcast()
        finished.unlock()
        // The cached connections are closed here, after `shutdown` has returned, beside what the
        // run does next (its reports): closing 256 of them took 13 ms, and when the object went
        // at the end of the command that was 13 ms more before the process could exit.
        curl_multi_cleanup(multi)
        Self.closing.leave()
    }

    /// Loops stopped whose thread is still closing its connections. The process must not exit
    /// meanwhile: exit's handlers free OpenSSL while that thread may be shutting TLS connections.
    static let closing = DispatchGroup()

    /// Whether libcurl's timer has expired.
    private func timerDue() -> Bool {
        let deadline = sockets.pointee.deadline_ns
        return deadline >= 0 && evalgate_monotonic_ns() >= deadline
    }

    /// How long to sleep: until libcurl's timer, at most a second (a lost wake-up costs no more).
    private func waitMilliseconds() -> Int32 {
        let deadline = sockets.pointee.deadline_ns
        guard deadline >= 0 else { return 1000 }
        let remaining = (deadline - evalgate_monotonic_ns() + 999_999) / 1_000_000
        return Int32(max(0, min(1000, remaining)))
    }

    /// Resumes the callers of the transfers libcurl has finished.
    private func collectFinished() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                let id = byHandle[handle], let transfer = transfers[id]
            else { continue }
            finish(id, with: transfer.outcome(evalgate_curl_msg_result(message)))
        }
    }

    private func start(_ submission: Submission) {
        do {
            let transfer = try Transfer(id: submission.id, request: submission.request, continuation: submission.continuation)
            transfers[submission.id] = transfer
            byHandle[transfer.handle] = submission.id
            curl_multi_add_handle(multi, transfer.handle)
        } catch {
            submission.continuation.resume(throwing: error)
        }
    }

    private func finish(_ id: UInt64, with outcome: Result<HTTPResponse, any Error>) {
        guard let transfer = transfers.removeValue(forKey: id) else { return }
        byHandle[transfer.handle] = nil
        curl_multi_remove_handle(multi, transfer.handle)
        transfer.continuation.resume(with: outcome)
        // The easy handle and header list are freed when `transfer` goes: here, on this thread.
    }
}
