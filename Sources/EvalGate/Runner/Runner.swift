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
        var done = 0, errors = 0, failures = 0
        var started = 0
        var recordFailure = false
        // A resumed run skips what it already stored; those items count as started and done.
        var next = 0
        func nextItem() -> PlanItem? {
            while next < total {
                let item = plan.item(at: next)
                next += 1
                let evalCase = plan.cases[item.caseIndex]
                if finished.contains(RunStore.ResultCursor(suite: evalCase.suite, caseID: evalCase.id, sample: item.sample)) {
                    started += 1
                    done += 1
                    continue
                }
                return item
            }
            return nil
        }
        var spending = Spending(budget: config.run.budget)
        var budgetReached = false
        func mayStartNext() -> Bool {
            guard mayStart() else { return false }
            if spending.wouldReachCap(inFlight: started - done) {
                budgetReached = true
                return false
            }
            return true
        }

        await withTaskGroup(of: CaseResult?.self) { group in
            // Plain counters only: the window is `started - done` requests wide.
            var inFlight = 0
            while inFlight < concurrency && mayStartNext(), let item = nextItem() {
                group.addTask { await execute(item, runID: runID) }
                started += 1
                inFlight += 1
            }
            while let outcome = await group.next() {
                inFlight -= 1
                if let result = outcome, !control.isAborted {
                    writer.append(result)
                    if let recorder {
                        do { try recorder.record(result) } catch { recordFailure = true }
                    }
                    done += 1
                    spending.add(result)
                    if result.status == .error { errors += 1 }
                    if result.status == .fail { failures += 1 }
                    progress?(RunProgress(done: done, total: total, errors: errors, failures: failures))
                }
                if mayStartNext(), let item = nextItem() {
                    group.addTask { await execute(item, runID: runID) }
                    started += 1
                    inFlight += 1
                }
            }
        }
        if writer.failure != nil || recordFailure { return .failed }
        if started == total && done == total { return .completed }
        return budgetReached ? .budgetExceeded : .interrupted
    }

    /// Whether another request may start: not stopped, not cancelled, the store still writing.
    private func mayStart() -> Bool {
        !control.isStopRequested && !Task.isCancelled && writer.failure == nil
    }

    /// Sends one item and scores it. Returns nil when the request was cut short by cancellation:
    /// such a result is no verdict and is not stored, so a resumed run sends it again.
    func execute(_ item: PlanItem, runID: String) async -> CaseResult? {
        let evalCase = plan.cases[item.caseIndex]
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
                if Task.isCancelled { return nil }
                outcome = .failure(error)
            }
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
        return result
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
