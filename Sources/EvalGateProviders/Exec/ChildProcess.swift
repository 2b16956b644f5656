import CSpawn
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program (argv, never a shell) with bytes on its stdin, collecting stdout and stderr,
/// with a deadline. Each child is watched by a thread of its own that polls its pipes, so no
/// blocking call reaches Swift's cooperative pool. The child gets its own process group: on a
/// timeout or cancellation the whole group is killed, grandchildren included.
struct ChildProcess {
    /// How the child ended.
    struct Outcome: Sendable {
        enum Ending: Sendable, Equatable {
            case exited(Int32)
            case signalled(Int32)
            case timedOut
            case cancelled
            case couldNotStart(String)
        }

        var ending: Ending
        var stdout: [UInt8]
        var stderr: [UInt8]
        /// True when stdout passed `maximumOutput` and the rest was dropped.
        var stdoutTruncated: Bool
    }

    var argv: [String]
    var input: [UInt8]
    var timeoutSeconds: Double
    /// Working folder of the child.
    var directory: String?
    /// Bytes of stdout kept at most; stderr keeps the first 64 KiB.
    var maximumOutput = 16 * 1024 * 1024

    /// Process groups of the children running now, so that an abort can stop them all.
    private static let running = Mutex<Set<pid_t>>([])

    /// Kills every running child's process group at once (used when the user quits hard).
    static func killAll() {
        for pid in running.withLock({ $0 }) {
            kill(-pid, SIGKILL)
        }
    }

    private static let ignoreSIGPIPE: Void = {
        // Writing to a child that has exited must be an error, not the death of evalgate.
        signal(SIGPIPE, SIG_IGN)
    }()

    /// Runs the child to its end, the deadline, or the task's cancellation.
    func run() async -> Outcome {
        _ = ChildProcess.ignoreSIGPIPE
        let cancelPipe = Pipe()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                let thread = Thread {
                    continuation.resume(returning: self.supervise(cancelFD: cancelPipe.fileHandleForReading.fileDescriptor))
                }
                thread.name = "evalgate.exec"
                thread.start()
            }
        } onCancel: {
            // Wakes the supervising thread's poll; it kills the child's group.
            try? cancelPipe.fileHandleForWriting.write(contentsOf: [1])
        }
    }

    private func supervise(cancelFD: Int32) -> Outcome {
        var stdinPipe: [Int32] = [-1, -1], stdoutPipe: [Int32] = [-1, -1], stderrPipe: [Int32] = [-1, -1]
        guard evalgate_pipe_cloexec(&stdinPipe) == 0, evalgate_pipe_cloexec(&stdoutPipe) == 0, evalgate_pipe_cloexec(&stderrPipe) == 0 else {
            for fd in stdinPipe + stdoutPipe + stderrPipe where fd >= 0 { close(fd) }
            return Outcome(ending: .couldNotStart("cannot create pipes: \(String(cString: strerror(errno)))"), stdout: [], stderr: [], stdoutTruncated: false)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        evalgate_spawn_addclosefrom(&actions, 3)
        if let directory { evalgate_spawn_addchdir(&actions, directory) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        sigaddset(&defaultSignals, SIGPIPE)
        sigaddset(&defaultSignals, SIGINT)
        sigaddset(&defaultSignals, SIGTERM)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        var spawned = posix_spawnp(&pid, argv[0], &actions, &attributes, cArguments, environ)
        // ETXTBSY: another process still has the program open for writing (it was just written,
        // and a child forked elsewhere at that moment holds the descriptor until its exec). It
        // clears within milliseconds.
        var retries = 0
        while spawned == ETXTBSY && retries < 50 {
            usleep(10_000)
            retries += 1
            spawned = posix_spawnp(&pid, argv[0], &actions, &attributes, cArguments, environ)
        }
        close(stdinPipe[0])
        close(stdoutPipe[1])
        close(stderrPipe[1])
        guard spawned == 0 else {
            close(stdinPipe[1])
            close(stdoutPipe[0])
            close(stderrPipe[0])
            return Outcome(ending: .couldNotStart("cannot start '\(argv[0])': \(String(cString: strerror(spawned)))"), stdout: [], stderr: [], stdoutTruncated: false)
        }
        _ = ChildProcess.running.withLock { $0.insert(pid) }
        defer { _ = ChildProcess.running.withLock { $0.remove(pid) } }
        return collect(pid: pid, stdinFD: stdinPipe[1], stdoutFD: stdoutPipe[0], stderrFD: stderrPipe[0], cancelFD: cancelFD)
    }

    private func collect(pid: pid_t, stdinFD: Int32, stdoutFD: Int32, stderrFD: Int32, cancelFD: Int32) -> Outcome {
        var stdinFD = stdinFD, stdoutFD = stdoutFD, stderrFD = stderrFD
        _ = fcntl(stdinFD, F_SETFL, fcntl(stdinFD, F_GETFL) | O_NONBLOCK)
        var stdout: [UInt8] = [], stderr: [UInt8] = []
        var truncated = false
        var written = 0
        if input.isEmpty {
            close(stdinFD)
            stdinFD = -1
        }
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var ending: Outcome.Ending?
        var buffer = [UInt8](repeating: 0, count: 65536)

        // Phase 1: feed stdin and drain stdout/stderr until both close.
        while stdoutFD >= 0 || stderrFD >= 0 {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 {
                ending = .timedOut
                break
            }
            var fds: [pollfd] = [pollfd(fd: cancelFD, events: Int16(POLLIN), revents: 0)]
            if stdoutFD >= 0 { fds.append(pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)) }
            if stderrFD >= 0 { fds.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)) }
            if stdinFD >= 0 { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining * 1000, 1000)) + 1)
            if ready < 0 && errno != EINTR { break }
            if ready <= 0 { continue }
            if fds[0].revents != 0 {
                ending = .cancelled
                break
            }
            for entry in fds.dropFirst() where entry.revents != 0 {
                if entry.fd == stdinFD {
                    let count = input.withUnsafeBytes { bytes in
                        write(stdinFD, bytes.baseAddress! + written, bytes.count - written)
                    }
                    if count > 0 { written += count }
                    if count < 0 && errno != EAGAIN && errno != EINTR || written == input.count {
                        // Done, or the child stopped reading (EPIPE): either way stdin is finished.
                        close(stdinFD)
                        stdinFD = -1
                    }
                    continue
                }
                let count = read(entry.fd, &buffer, buffer.count)
                if count > 0 {
                    if entry.fd == stdoutFD {
                        let room = maximumOutput - stdout.count
                        if room > 0 { stdout.append(contentsOf: buffer[0..<min(count, room)]) }
                        if count > room { truncated = true }
                    } else if stderr.count < 65536 {
                        stderr.append(contentsOf: buffer[0..<min(count, 65536 - stderr.count)])
                    }
                } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                    close(entry.fd)
                    if entry.fd == stdoutFD { stdoutFD = -1 } else { stderrFD = -1 }
                }
            }
        }
        for fd in [stdinFD, stdoutFD, stderrFD] where fd >= 0 { close(fd) }

        // Phase 2: reap the child, killing its group if the deadline passes or we were cancelled.
        var status: Int32 = 0
        if ending == nil {
            while true {
                let reaped = waitpid(pid, &status, WNOHANG)
                if reaped == pid { break }
                if reaped < 0 && errno != EINTR {
                    ending = .exited(-1)
                    break
                }
                if deadline.timeIntervalSinceNow <= 0 {
                    ending = .timedOut
                    break
                }
                var cancel = [pollfd(fd: cancelFD, events: Int16(POLLIN), revents: 0)]
                if poll(&cancel, 1, 5) > 0 {
                    ending = .cancelled
                    break
                }
            }
        }
        if let ending {
            if ending == .timedOut || ending == .cancelled {
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            }
            return Outcome(ending: ending, stdout: stdout, stderr: stderr, stdoutTruncated: truncated)
        }
        // The child is gone; stop any grandchildren it left in its group.
        kill(-pid, SIGKILL)
        let exitCode = status & 0x7F == 0 ? (status >> 8) & 0xFF : -1
        let signalNumber = status & 0x7F
        let end: Outcome.Ending = signalNumber == 0 ? .exited(exitCode) : .signalled(signalNumber)
        return Outcome(ending: end, stdout: stdout, stderr: stderr, stdoutTruncated: truncated)
    }
}
