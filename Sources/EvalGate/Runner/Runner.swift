import EvalGateProviders
import EvalGateStore
import Foundation

/// Runs a plan against a provider with bounded concurrency, scoring each response and streaming
/// the results to the store as they finish.
///
/// At most `concurrency` requests are in flight: a task group is primed with that many and each
/// finished request makes room for the next (a sliding window), so memory holds the window, not
/// the plan's results.
public struct Runner: Sendable {
    public var plan: Plan
    public var config: EvalConfig
    public var provider: any Provider
    public var writer: ResultWriter
    public var recorder: ResponseRecorder?
    /// Grades model-graded assertions (`llm_rubric`, `similar`) when the config has a judge.
    public var grader: ModelGrader?
    /// Items a resumed run already has results for: they are not sent again.
    public var finished: Set<RunStore.ResultCursor> = []
    /// The response cache, when in use: answers are looked up by config, case and sample before
    /// a request is sent (the writer stores new ones), and the keys it holds for this config.
    public var cache: RunStore?
    public var cachedKeys: Set<String> = []
    public var control: RunControl
    public var progress: (@Sendable (RunProgress) -> Void)?
    /// Tool schemas, prices and the context window, taken from the config once.
    let context: ScoringContext

    public init(
        plan: Plan, config: EvalConfig, provider: any Provider, writer: ResultWriter, recorder: ResponseRecorder? = nil,
        control: RunControl = RunControl(), progress: (@Sendable (RunProgress) -> Void)? = nil, grader: ModelGrader? = nil
    ) {
        self.grader = grader
        self.plan = plan
        self.config = config
        self.provider = provider
        self.writer = writer
        self.recorder = recorder
        self.control = control
        self.progress = progress
        self.context = ScoringContext(config)
    }

    /// Runs every item of the plan (or until stopped) and returns how the run ended:
    /// `completed`, `interrupted` (stopped or cancelled), `budget_exceeded` (the spending cap was
    /// reached), or `failed` (results could not be stored).
    public func run(runID: String) async -> RunStatus {
        let concurrency = max(1, config.run.concurrency)
        let total = plan.count
        // All the loop's counters live in one value mutated in place: an optimized build once
        // mis-handled counters that nested functions captured and changed (see the note on
        // `Window`).
        var window = Window(total: total, budget: config.run.budget)
        var errors = 0, failures = 0
        var recordFailure = false

        // The children are the requests in flight plus one watcher that wakes when the run is
        // aborted and cancels them all; when no request is left, the watcher is cancelled too.
        enum Event: Sendable {
            case finished(CaseResult?)
            case aborted
        }
        await withTaskGroup(of: Event.self) { group in
            group.addTask {
                await control.waitForAbort()
                return .aborted
            }
            var inFlight = 0
            while inFlight < concurrency, window.mayStart(mayStart()), let item = window.nextItem(plan: plan, skipping: finished) {
                group.addTask { .finished(await execute(item, runID: runID)) }
                inFlight += 1
            }
            if inFlight == 0 { group.cancelAll() }
            while let event = await group.next() {
                guard case .finished(let outcome) = event else {
                    group.cancelAll()  // aborted: cancel the requests in flight
                    continue
                }
                inFlight -= 1
                if let result = outcome, !control.isAborted {
                    writer.append(result)
                    await writer.waitForRoom()
                    if let recorder {
                        do { try recorder.record(result) } catch { recordFailure = true }
                    }
                    window.finish(result)
                    if result.status == .error { errors += 1 }
                    if result.status == .fail { failures += 1 }
                    progress?(RunProgress(done: window.done, total: total, errors: errors, failures: failures, result: result))
                }
                if window.mayStart(mayStart()), let item = window.nextItem(plan: plan, skipping: finished) {
                    group.addTask { .finished(await execute(item, runID: runID)) }
                    inFlight += 1
                }
                if inFlight == 0 { group.cancelAll() }  // nothing left: let the watcher go
            }
        }
        if writer.failure != nil || recordFailure { return .failed }
        if window.started == total && window.done == total { return .completed }
        return window.budgetReached ? .budgetExceeded : .interrupted
    }

    /// The sliding window's bookkeeping: which item comes next, how many started and finished,
    /// what was spent. A value type mutated in place by the run loop, never captured by a nested
    /// function: the release build once lost such a captured counter's updates and re-sent the
    /// first case forever (see Benchmarks/README.md and the session notes).
    struct Window {
        let total: Int
        var next = 0
        var started = 0
        var done = 0
        var spending: Spending
        var budgetReached = false

        init(total: Int, budget: Budget?) {
            self.total = total
            spending = Spending(budget: budget)
        }

        /// The next item to send, skipping (and counting as done) what a resumed run stored.
        mutating func nextItem(plan: Plan, skipping finished: Set<RunStore.ResultCursor>) -> PlanItem? {
            while next < total {
                let item = plan.item(at: next)
                next += 1
                // A case that cannot be read again is sent, and stops the run there (`execute`).
                if !finished.isEmpty, let evalCase = try? plan.evalCase(at: item.caseIndex),
                    finished.contains(RunStore.ResultCursor(suite: evalCase.suite, caseID: evalCase.id, sample: item.sample))
                {
                    started += 1
                    done += 1
                    continue
                }
                started += 1
                return item
            }
            return nil
        }

        /// Whether another request may start: `allowed` (not stopped, not cancelled, the store
        /// writing) and the budget not about to be passed.
        mutating func mayStart(_ allowed: Bool) -> Bool {
            guard allowed else { return false }
            if spending.wouldReachCap(inFlight: started - done) {
                budgetReached = true
                return false
            }
            return true
        }

        mutating func finish(_ result: CaseResult) {
            done += 1
            spending.add(result)
        }
    }

    /// Whether another request may start: not stopped, not cancelled, the store still writing.
    private func mayStart() -> Bool {
        !control.isStopRequested && !Task.isCancelled && writer.failure == nil
    }

    /// Sends one item and scores it. Returns nil when the request was cut short by cancellation:
    /// such a result is no verdict and is not stored, so a resumed run sends it again.
    ///
    /// A case kept by line whose file changed under the run is not sent: the run stops, and
    /// `control.inputFailure` says which line.
    func execute(_ item: PlanItem, runID: String) async -> CaseResult? {
        let evalCase: EvalCase
        do {
            evalCase = try plan.evalCase(at: item.caseIndex)
        } catch {
            control.stop(because: error)
            return nil
        }
        let requestID = "\(runID)/\(evalCase.suite)/\(evalCase.id)/\(item.sample)"
        let rendered = plan.request(for: evalCase)
        let request = ProviderRequest(
            suite: evalCase.suite, caseID: evalCase.id, sample: item.sample, request: rendered,
            vars: evalCase.vars, model: config.provider.model, sampling: config.provider.sampling,
            tools: config.tools?.schemas, requestID: requestID, timeoutSeconds: config.run.timeoutSeconds)
        var outcome: Result<ModelResponse, ProviderFailure>
        var fromCache = false
        if let cache, cachedKeys.contains(RunStore.cacheKey(evalCase.fingerprint, item.sample)),
            let hit = try? await cache.cachedResponse(config: config.fingerprint, case: evalCase.fingerprint, sample: item.sample)
        {
            outcome = .success(hit)
            fromCache = true
        } else {
            do {
                outcome = .success(try await provider.respond(to: request))
            } catch {
                if Task.isCancelled || control.isAborted { return nil }
                outcome = .failure(error)
            }
            if control.isAborted { return nil }
        }
        // Model-graded assertions: a judge that cannot be read makes the result an error, never a pass.
        var graded: [CheckResult] = []
        if case .success(let response) = outcome, let grader {
            for assertion in evalCase.assertions where assertion.isModelGraded {
                do {
                    graded.append(try await grader.grade(assertion, response: response, for: request))
                } catch {
                    if Task.isCancelled { return nil }
                    var failure = error
                    failure.message = "\(assertion.type): \(error.message)"
                    failure.latencyMs = response.latencyMs
                    outcome = .failure(failure)
                    break
                }
            }
        }
        // Providers that do not retry made one attempt.
        var result = Scorer.score(evalCase, sample: item.sample, outcome: outcome, requestID: requestID + "/1", context: context,
            systemPrompt: rendered.system, gradedChecks: graded)
        result.cached = fromCache
        result.requestJSON = Self.requestJSON(rendered.messages, vars: evalCase.vars)
        return result
    }

    /// The request as stored: `{"messages": [{"content", "role"}], "vars": {…}}`, the canonical
    /// text of that value (keys sorted), written directly: building the value's dictionaries and
    /// sorting them again was 2% of a 100,000-case replayed gate.
    static func requestJSON(_ messages: [ChatMessage], vars: [String: String]) -> String {
        var json = JSONWriter(capacity: 256)
        json.beginObject()
        json.key("messages"); json.chatMessages(messages)
        json.key("vars"); json.stringMap(vars)
        json.endObject()
        return String(decoding: json.bytes, as: UTF8.self)
    }
}

/// What a run has spent against its cap, and what the requests in flight are likely to add.
struct Spending {
    let budget: Budget?
    private(set) var usd = 0.0
    private(set) var tokens = 0
    private var responses = 0

    init(budget: Budget?) {
        self.budget = budget
    }

    mutating func add(_ result: CaseResult) {
        guard let response = result.response else { return }
        responses += 1
        usd += result.costUSD ?? 0
        tokens += (response.usage.inputTokens ?? 0) + (response.usage.outputTokens ?? 0)
    }

    /// True when what was spent, plus `inFlight` more requests at the mean seen so far, reaches
    /// the cap: starting another request could spend past it.
    func wouldReachCap(inFlight: Int) -> Bool {
        guard let budget else { return false }
        let expected = Double(inFlight + 1)
        if let cap = budget.maximumUSD {
            let mean = responses > 0 ? usd / Double(responses) : 0
            if usd >= cap || usd + mean * expected > cap { return true }
        }
        if let cap = budget.maximumTokens {
            let mean = responses > 0 ? Double(tokens) / Double(responses) : 0
            if tokens >= cap || Double(tokens) + mean * expected > Double(cap) { return true }
        }
        return false
    }
}
