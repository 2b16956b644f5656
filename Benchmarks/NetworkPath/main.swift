// The network-path benchmark: the release `evalgate` binary runs N cases against a loopback
// server speaking OpenAI's chat completions with a fixed latency, and we compare its wall time
// with the physical bound N × latency ÷ concurrency. It also reports the binary's peak memory.
//
//   swift build -c release --product evalgate --product evalgate-benchmark
//   .build/release/evalgate-benchmark --cases 2000 --concurrency 64 --latency-ms 50
//
// Not a test: it measures time, which tests never do.
import Foundation
import Synchronization
import TestSupport

struct Options {
    var cases = 2000
    var concurrency = 64
    var latencyMs = 50.0
    /// Keep the project folder (and its run store) for a look afterwards.
    var keep = false
    /// `--report FORMAT|none`, passed to `evalgate run` (all four formats when not given).
    var report: String?
    var evalgate = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("evalgate").path

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            let value = iterator.next() ?? ""
            switch flag {
            case "--cases": cases = Int(value) ?? cases
            case "--concurrency": concurrency = Int(value) ?? concurrency
            case "--latency-ms": latencyMs = Double(value) ?? latencyMs
            case "--evalgate": evalgate = value
            case "--keep": keep = value == "yes"
            case "--report": report = value
            default:
                FileHandle.standardError.write(Data("unknown option \(flag)\n".utf8))
                exit(2)
            }
        }
    }
}

let options = Options(CommandLine.arguments)
let answer = #"{"model": "bench-model", "choices": [{"message": {"content": "ok"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 20, "completion_tokens": 2}}"#
let latency = options.latencyMs / 1000
/// When the last request arrived: its answer left `latency` later, and what the binary did after
/// that (the rest of the run, the reports, closing) is its tail.
let lastArrival = Mutex<ContinuousClock.Instant?>(nil)
let firstArrival = Mutex<ContinuousClock.Instant?>(nil)
let server = try LoopbackServer { _ in
    let now = ContinuousClock.now
    lastArrival.withLock { $0 = now }
    firstArrival.withLock { $0 = $0 ?? now }
    return .json(answer, delay: latency)
}

let folder = try TemporaryDirectory("benchmark")
try folder.write("evalgate.yaml", """
    provider: {type: openai, model: bench-model, base_url: \(server.baseURL)/v1}
    run: {concurrency: \(options.concurrency), timeout: 60, retries: 0}
    """)
var suite = ""
suite.reserveCapacity(options.cases * 80)
for index in 0..<options.cases {
    suite += #"{"id": "case-\#(index)", "prompt": "Question number \#(index)?", "expected_contains": ["ok"]}"# + "\n"
}
try folder.write("suites/golden/bench.jsonl", suite)

let process = Process()
process.executableURL = URL(fileURLWithPath: options.evalgate)
process.arguments = ["run"] + (options.report.map { ["--report", $0] } ?? [])
process.currentDirectoryURL = folder.url
process.standardOutput = FileHandle.nullDevice
let errors = Pipe()
process.standardError = errors
// Timed from launch to the termination handler: waitUntilExit polls a run loop and would add
// up to a tenth of a second of its own.
let exited = DispatchSemaphore(value: 0)
let ended = Mutex<ContinuousClock.Instant?>(nil)
process.terminationHandler = { _ in
    ended.withLock { $0 = .now }
    exited.signal()
}
let started = ContinuousClock.now
try process.run()
exited.wait()
let wall = started.duration(to: ended.withLock { $0 } ?? .now)
var usage = rusage()
getrusage(RUSAGE_CHILDREN.rawValue, &usage)
/// This process is the server (and the harness, idle while the binary runs): the CPU it took
/// was taken from the same two cores.
var own = rusage()
getrusage(RUSAGE_SELF.rawValue, &own)
let statistics = server.statistics
server.stop()
if options.keep { print("project kept at \(try folder.keep().path)") } else { folder.remove() }

let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
let ideal = Double(options.cases) * latency / Double(options.concurrency)
print("cases \(options.cases), concurrency \(options.concurrency), server latency \(Int(options.latencyMs)) ms")
print(String(format: "wall %.3f s, ideal %.3f s, ratio %.3f", seconds, ideal, seconds / ideal))
if let first = firstArrival.withLock({ $0 }), let last = lastArrival.withLock({ $0 }), let end = ended.withLock({ $0 }) {
    let lastRequest = started.duration(to: last)
    let tail = (last + .milliseconds(Int64(options.latencyMs))).duration(to: end)
    func value(_ duration: Duration) -> Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }
    print(String(
        format: "first request at %.3f s, last at %.3f s; after its answer, %.3f s to exit (the rest of the run, reports, closing)",
        value(started.duration(to: first)), value(lastRequest), value(tail)))
}
func cpuSeconds(_ usage: rusage) -> Double {
    Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
let cpu = cpuSeconds(usage)
print(String(format: "evalgate CPU %.3f s (%.0f µs a case), peak RSS %.1f MB; server saw %d requests, at most %d at once, and took %.3f s of CPU", cpu, cpu / Double(options.cases) * 1e6, Double(usage.ru_maxrss) / 1024, statistics.requests, statistics.maximumInFlight, cpuSeconds(own)))
if process.terminationStatus != 0 {
    print("evalgate exited \(process.terminationStatus): \(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
    exit(1)
}
