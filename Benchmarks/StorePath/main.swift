// The store benchmark: N results written through the run store's ResultWriter (group commit on
// the store's own thread, and the runner's backpressure, as a run writes them), into a real
// SQLite file in WAL mode, timed from the first append to the last commit.
//
//   swift build -c release --product evalgate-store-benchmark
//   .build/release/evalgate-store-benchmark --rows 100000
//
// Not a test: it measures time, which tests never do.
import EvalGateCore
import EvalGateStore
import Foundation
import TestSupport

var rows = 100_000
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let flag = arguments.next() {
    guard flag == "--rows", let value = arguments.next().flatMap(Int.init) else {
        FileHandle.standardError.write(Data("usage: evalgate-store-benchmark [--rows N]\n".utf8))
        exit(2)
    }
    rows = value
}

let folder = try TemporaryDirectory("store-benchmark")
let store = try await RunStore.open(path: folder.url.appendingPathComponent("runs.sqlite").path, role: .runs)
let runID = RunRecord.makeID()
try await store.insertRun(RunRecord(
    id: runID, startedAt: Date(), status: .running, configFingerprint: String(repeating: "a", count: 64), configJSON: "{}", provider: "replay",
    model: "bench", gitCommit: nil, evalgateVersion: "bench", planned: rows, filterJSON: nil, pid: Int(getpid())))

// Results as a run makes them, in plan order (20 suites of 5,000): a short answer, two checks,
// usage, cost, one attempt.
let answer = ModelResponse(
    text: "You can return the jacket within 30 days of delivery; the refund reaches your card within 5-7 business days.",
    usage: TokenUsage(inputTokens: 740, outputTokens: 58), latencyMs: 840, servedModel: "bench-2026-11", finishReason: "stop")
var results: [CaseResult] = []
results.reserveCapacity(rows)
for index in 0..<rows {
    var result = CaseResult(
        suite: "suite-\(index / 5000)", kind: .golden, caseID: "case-\(index)", caseFingerprint: String(repeating: "f", count: 64), sample: 0,
        status: index % 50 == 0 ? .fail : .pass, score: 1,
        checks: [
            CheckResult(check: "expected_contains", passed: true, reason: "expected '30 days' — found at offset 33"),
            CheckResult(check: "forbidden_contains", passed: true, reason: "forbidden 'I don't know' — absent"),
        ],
        response: answer, error: nil, requestID: "\(runID)/suite/case-\(index)/0/1", latencyMs: 840, finishedAt: Date(),
        attempts: [AttemptRecord(number: 1, requestID: "\(runID)/suite/case-\(index)/0/1", outcome: "HTTP 200", waitSeconds: 0)],
        costUSD: 0.000146)
    result.requestJSON = #"{"messages":[{"content":"How long do I have to return it?","role":"user"}],"vars":{}}"#
    results.append(result)
}

let writtenBefore = writtenBytes()
let writer = store.resultWriter(runID: runID)
let started = ContinuousClock.now
// On the cooperative pool, as the runner appends: from the main actor every `waitForRoom()`
// would hop to the pool and back.
let made = results
await Task.detached {
    for result in made {
        writer.append(result)
        await writer.waitForRoom()  // as the runner does: at most `queueLimit` rows wait
    }
}.value
let appended = started.duration(to: .now)
try await writer.flush()
let elapsed = started.duration(to: .now)
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
/// Bytes this process has written so far (`wchar` of /proc/self/io): what the kernel copied for it.
func writtenBytes() -> Int {
    let io = (try? String(contentsOfFile: "/proc/self/io", encoding: .utf8)) ?? ""
    return io.split(separator: "\n").first { $0.hasPrefix("wchar:") }.flatMap { Int($0.dropFirst(6).trimmingCharacters(in: .whitespaces)) } ?? 0
}
let writtenByCommit = writtenBytes()
let stored = try await store.results(runID: runID, limit: 1).count
func size(_ name: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: folder.url.appendingPathComponent(name).path))?[.size] as? Int) ?? 0
}
let bytes = (database: size("runs.sqlite"), wal: size("runs.sqlite-wal"))
let closing = ContinuousClock.now
await store.close()
let closeDuration = closing.duration(to: .now)
let closeSeconds = Double(closeDuration.components.seconds) + Double(closeDuration.components.attoseconds) / 1e18
var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
print(String(format: "appending (rows packed on the caller's thread) took %.3f s", Double(appended.components.attoseconds) / 1e18 + Double(appended.components.seconds)))
print("database \(bytes.database / 1_048_576) MiB, WAL \(bytes.wal / 1_048_576) MiB before closing")
print("rows \(rows), written in \(String(format: "%.3f", seconds)) s: \(Int(Double(rows) / seconds)) rows/s (first row read back: \(stored)), peak RSS \(usage.ru_maxrss / 1024) MB")
print(String(
    format: "written to files by the last commit: %.0f MB (%d bytes a row); closing (the last checkpoint) took %.3f s, %d rows/s counting it",
    Double(writtenByCommit - writtenBefore) / 1e6, (writtenByCommit - writtenBefore) / rows, closeSeconds, Int(Double(rows) / (seconds + closeSeconds))))
