import CCurl
import Foundation
import Synchronization

/// The libcurl multi interface on a thread of its own.
///
/// Every CURL handle is created, driven and cleaned up on this thread: callers hand in Sendable
/// requests and get Sendable responses back through continuations. The thread sleeps in
/// `curl_multi_poll` and is woken by `curl_multi_wakeup` when a request arrives or is cancelled.
/// Connections stay in the multi handle's cache between requests and are reused.
final class CurlMultiLoop: @unchecked Sendable {
    // @unchecked: `inbox` is behind a Mutex; `multi` is used by the loop thread only, except for
    // curl_multi_wakeup, which libcurl documents as safe to call from any thread.
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
        let thread = Thread { [self] in run() }
        thread.name = "evalgate.curl"
        thread.start()
    }

    /// Sends `request`; cancelling the calling task removes the transfer at once.
    func perform(_ request: HTTPRequest) async throws -> HTTPResponse {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let accepted = inbox.withLock { inbox -> Bool in
                    guard !inbox.stopping else { return false }
                    inbox.submissions.append(Submission(id: id, request: request, continuation: continuation))
                    return true
                }
                if accepted {
                    curl_multi_wakeup(multi)
                } else {
                    continuation.resume(throwing: TransportError.cancelled)
                }
            }
        } onCancel: {
            inbox.withLock { $0.cancellations.append(id) }
            curl_multi_wakeup(multi)
        }
    }

    /// Stops the thread after failing whatever is still in flight. Later calls do nothing; the
    /// multi handle is freed with the object.
    func shutdown() {
        let first = inbox.withLock { inbox -> Bool in
            defer { inbox.stopping = true }
            return !inbox.stopping
        }
        guard first else { return }
        curl_multi_wakeup(multi)
        finished.lock()
        while !exited { finished.wait() }
        finished.unlock()
    }

    deinit {
        // Freed here, not in `shutdown`: a cancellation handler that fires late still calls
        // curl_multi_wakeup on this handle, and it holds a reference to this object until then.
        curl_multi_cleanup(multi)
    }

    // MARK: The loop thread

    private var transfers: [UInt64: Transfer] = [:]
    private var byHandle: [UnsafeMutableRawPointer: UInt64] = [:]

    private func run() {
        var running: Int32 = 0
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
            curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                    let id = byHandle[handle], let transfer = transfers[id]
                else { continue }
                finish(id, with: transfer.outcome(evalgate_curl_msg_result(message)))
            }
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
        finished.lock()
        exited = true
        finished.signal()
        finished.unlock()
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
