import Foundation
import Synchronization

/// A small HTTP/1.1 server on 127.0.0.1 (an ephemeral port) that tests and benchmarks start and
/// stop. Each connection gets a thread; keep-alive is honoured; the handler scripts what each
/// request gets: a response after a delay, a hang, a connection closed mid-body. It counts
/// requests and the most that were in flight at once.
public final class LoopbackServer: @unchecked Sendable {
    // @unchecked: mutable state is in `stats` (a Mutex) and `connections` (behind `lock`).

    /// A request as received.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        /// Names in lower case.
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]
        /// 1-based arrival order over the server's life.
        public var sequence: Int

        public func header(_ name: String) -> String? {
            headers.first { $0.name == name.lowercased() }?.value
        }

        public var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    /// What the server does with a request.
    public enum Action: Sendable {
        /// Answer after `delay` seconds.
        case respond(status: Int, headers: [(String, String)] = [], body: String, delay: Double = 0)
        /// Never answer; the connection stays open until the client gives up or the server stops.
        case hang
        /// Announce `declaredLength` bytes of body, send `body`, then close the connection.
        case closeMidBody(status: Int, body: String, declaredLength: Int)
        /// Close the connection without a response.
        case close
        /// Answer with raw bytes (which need not be UTF-8).
        case respondBytes(status: Int, headers: [(String, String)], body: [UInt8])

        /// A JSON response.
        public static func json(_ body: String, status: Int = 200, delay: Double = 0, headers: [(String, String)] = []) -> Action {
            .respond(status: status, headers: [("Content-Type", "application/json")] + headers, body: body, delay: delay)
        }
    }

    public struct Statistics: Sendable {
        public var requests = 0
        public var inFlight = 0
        public var maximumInFlight = 0
        public var connections = 0
    }

    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    private let listener: Int32
    private let handler: @Sendable (Request) -> Action
    private let stats = Mutex(Statistics())
    private let lock = NSCondition()
    private var connections: Set<Int32> = []
    private var stopping = false
    private var threads = 0

    /// Starts listening. `handler` runs on the connection's thread; it may be called concurrently.
    public init(handler: @escaping @Sendable (Request) -> Action) throws {
        self.handler = handler
        signal(SIGPIPE, SIG_IGN)
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(socketFD, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(socketFD, 1024) == 0 else {
            close(socketFD)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(socketFD, $0, &length) }
        }
        listener = socketFD
        port = Int(UInt16(bigEndian: address.sin_port))
        spawn { [self] in acceptLoop() }
    }

    deinit {
        stop()
    }

    /// Counts so far.
    public var statistics: Statistics { stats.withLock { $0 } }

    /// Connections open now (accepted and not yet closed by either side).
    public var openConnections: Int {
        lock.lock()
        defer { lock.unlock() }
        return connections.count
    }

    /// Stops accepting, drops every connection and waits for the connection threads to end.
    public func stop() {
        lock.lock()
        if stopping {
            lock.unlock()
            return
        }
        stopping = true
        // Shut, not closed: the accept thread closes the listener as it ends. Closed here, its
        // number could go to another server's new listener (tests run side by side) before
        // the accept thread's next `accept`, which would then take that server's connection and
        // drop it: a client saw "connection reset by peer" on its first request (2 full runs in 14).
        shutdown(listener, Int32(SHUT_RDWR))
        for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
        lock.broadcast()
        while threads > 0 { lock.wait() }
        lock.unlock()
    }

    private func spawn(_ body: @escaping @Sendable () -> Void) {
        lock.lock()
        threads += 1
        lock.unlock()
        let thread = Thread { [self] in
            body()
            lock.lock()
            threads -= 1
            lock.broadcast()
            lock.unlock()
        }
        thread.stackSize = 256 * 1024
        thread.start()
    }

    /// Takes connections until `stop()`, then closes the listener (only then: see `stop()`).
    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                let error = errno  // before the lock `isStopping` takes can change it
                if isStopping { return }
                // Interrupted, out of descriptors for a moment, or a connection gone before it
                // was taken: try again.
                if error != EINTR { usleep(1000) }
                continue
            }
            lock.lock()
            if stopping {
                lock.unlock()
                close(fd)
                return
            }
            connections.insert(fd)
            lock.unlock()
            stats.withLock { $0.connections += 1 }
            spawn { [self] in serve(fd) }
        }
    }

    private func serve(_ fd: Int32) {
        defer {
            lock.lock()
            connections.remove(fd)
            lock.unlock()
            close(fd)
        }
        var buffer = ReceiveBuffer()
        while let request = readRequest(fd, buffer: &buffer) {
            let sequence = stats.withLock { stats -> Int in
                stats.requests += 1
                stats.inFlight += 1
                stats.maximumInFlight = max(stats.maximumInFlight, stats.inFlight)
                return stats.requests
            }
            var numbered = request
            numbered.sequence = sequence
            let keepOpen = answer(handler(numbered), on: fd)
            stats.withLock { $0.inFlight -= 1 }
            if !keepOpen { return }
        }
    }

    /// Writes the action's bytes; false when the connection must close.
    private func answer(_ action: Action, on fd: Int32) -> Bool {
        switch action {
        case .respond(let status, let headers, let body, let delay):
            if delay > 0, wait(seconds: delay) { return false }
            let bytes = Array(body.utf8)
            var head = "HTTP/1.1 \(status) \(LoopbackServer.reason(status))\r\nContent-Length: \(bytes.count)\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            head += "\r\n"
            return write(fd, Array(head.utf8) + bytes)
        case .hang:
            // Until the client goes away (or the server stops): then the request is no longer in flight.
            while !isStopping {
                var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&entry, 1, 50) > 0 {
                    var byte: UInt8 = 0
                    if recv(fd, &byte, 1, Int32(MSG_PEEK)) <= 0 { break }
                }
            }
            return false
        case .closeMidBody(let status, let body, let declaredLength):
            let head = "HTTP/1.1 \(status) \(LoopbackServer.reason(status))\r\nContent-Type: application/json\r\nContent-Length: \(declaredLength)\r\n\r\n"
            _ = write(fd, Array(head.utf8) + Array(body.utf8))
            return false
        case .close:
            return false
        case .respondBytes(let status, let headers, let bytes):
            var head = "HTTP/1.1 \(status) \(LoopbackServer.reason(status))\r\nContent-Length: \(bytes.count)\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            head += "\r\n"
            return write(fd, Array(head.utf8) + bytes)
        }
    }

    private var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopping
    }

    /// Sleeps up to `seconds`; true when the server is stopping.
    private func wait(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        lock.lock()
        defer { lock.unlock() }
        while !stopping && Date() < deadline { _ = lock.wait(until: deadline) }
        return stopping
    }

    private func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { return false }
            sent += count
        }
        return true
    }

    /// What a connection has received and not yet parsed: one allocation for the connection's
    /// life (the benchmark's server shares the cores with the binary it measures).
    struct ReceiveBuffer {
        var bytes = [UInt8](repeating: 0, count: 65536)
        /// The unparsed bytes are `bytes[start..<end]`.
        var start = 0
        var end = 0

        var count: Int { end - start }

        /// Where `\r\n\r\n` begins, relative to `start`.
        func headEnd() -> Int? {
            bytes.withUnsafeBytes { raw -> Int? in
                var index = start
                while index + 4 <= end {
                    guard let found = memchr(raw.baseAddress! + index, 13, end - index - 3) else { return nil }
                    index = raw.baseAddress!.distance(to: UnsafeRawPointer(found))
                    if raw[index + 1] == 10, raw[index + 2] == 13, raw[index + 3] == 10 { return index - start }
                    index += 1
                }
                return nil
            }
        }

        /// Takes the next `length` bytes.
        mutating func take(_ length: Int) -> ArraySlice<UInt8> {
            defer { start += length }
            return bytes[start..<(start + length)]
        }

        /// Receives more; false at end of stream or on error.
        mutating func fill(_ fd: Int32) -> Bool {
            if start == end {
                start = 0
                end = 0
            } else if start > 0 {
                bytes.withUnsafeMutableBytes { raw in _ = memmove(raw.baseAddress!, raw.baseAddress! + start, end - start) }
                end -= start
                start = 0
            }
            if end == bytes.count { bytes.append(contentsOf: repeatElement(0, count: bytes.count)) }
            let received = bytes.withUnsafeMutableBytes { raw in recv(fd, raw.baseAddress! + end, raw.count - end, 0) }
            if received <= 0 { return false }
            end += received
            return true
        }
    }

    /// Reads one request (head and Content-Length body); nil at end of stream or on error.
    private func readRequest(_ fd: Int32, buffer: inout ReceiveBuffer) -> Request? {
        var headEnd = buffer.headEnd()
        while headEnd == nil {
            guard buffer.fill(fd) else { return nil }
            headEnd = buffer.headEnd()
        }
        guard let headEnd else { return nil }
        let head = buffer.take(headEnd)
        _ = buffer.take(4)
        var lines = head.split(separator: 10, omittingEmptySubsequences: true).map { line in
            String(decoding: line.last == 13 ? line.dropLast() : line, as: UTF8.self)
        }
        guard !lines.isEmpty else { return nil }
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.utf8.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let value = line.utf8[line.utf8.index(after: colon)...].drop { $0 == 32 || $0 == 9 }
            var trimmed = Substring(value)
            while trimmed.last == " " || trimmed.last == "\t" { trimmed.removeLast() }
            headers.append((line[..<colon].lowercased(), String(trimmed)))
        }
        let length = headers.first { $0.name == "content-length" }.flatMap { Int($0.value) } ?? 0
        while buffer.count < length {
            guard buffer.fill(fd) else { return nil }
        }
        let body = Array(buffer.take(length))
        return Request(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: body, sequence: 0)
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 408: "Request Timeout"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}
