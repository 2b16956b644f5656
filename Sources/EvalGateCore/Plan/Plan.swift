/// Which cases a run includes: by suite name, tag and case id. Empty lists select everything.
public struct PlanFilter: Sendable {
    public var suites: [String]
    public var tags: [String]
    /// `case-id` or `suite/case-id`.
    public var cases: [String]
    /// `--shard i/n`: only the cases whose stable hash falls in share i of n (1-based).
    public var shard: (index: Int, count: Int)?

    public init(suites: [String] = [], tags: [String] = [], cases: [String] = [], shard: (index: Int, count: Int)? = nil) {
        self.shard = shard
        self.suites = suites
        self.tags = tags
        self.cases = cases
    }

    public var isEmpty: Bool { suites.isEmpty && tags.isEmpty && cases.isEmpty && shard == nil }

    /// The shard (1…n) a case belongs to: from the SHA-256 of `suite/id`, so every machine and
    /// every run puts a case in the same shard, and adding a case moves no other.
    public static func shard(of evalCase: EvalCase, count: Int) -> Int {
        let digest = SHA256.hex(evalCase.qualifiedID)
        let value = UInt64(digest.prefix(15), radix: 16) ?? 0
        return Int(value % UInt64(count)) + 1
    }

    func includes(_ evalCase: EvalCase) -> Bool {
        (suites.isEmpty || suites.contains(evalCase.suite))
            && (tags.isEmpty || evalCase.tags.contains { tags.contains($0) })
            && (cases.isEmpty || cases.contains(evalCase.id) || cases.contains(evalCase.qualifiedID))
            && (shard.map { PlanFilter.shard(of: evalCase, count: $0.count) == $0.index } ?? true)
    }
}

/// One request of a plan: a case and which of its samples.
public struct PlanItem: Sendable, Hashable {
    /// Index into `Plan.cases`.
    public var caseIndex: Int
    /// 0-based; sample i of a case is always the same sample i.
    public var sample: Int
}

/// The work of a run: the selected cases, each run `samples` times (or its own `repeat`).
///
/// Requests are rendered when they are sent (`request(for:)`), not held here, so a plan of
/// 100,000 cases costs the cases and nothing more.
public struct Plan: Sendable {
    public let cases: [EvalCase]
    /// The run's samples per case; a case with its own `repeat` uses that instead.
    public let samples: Int
    /// `starts[i]` is the index of case i's first item; the last element is the total.
    private let starts: [Int]
    public let prompt: PromptSettings
    private let systemTemplate: PromptTemplate?
    private let userTemplate: PromptTemplate

    /// Selects cases from `suites` with `filter`.
    ///
    /// - Throws: `ValidationError` when a filter names a suite that does not exist, or selects nothing.
    /// The suites are consumed: a suite selected whole lends the plan its array of cases, so a
    /// 100,000-case suite is held once, not once in the suite and again in the plan.
    public init(suites: consuming [Suite], filter: PlanFilter = PlanFilter(), samples: Int, prompt: PromptSettings) throws(ValidationError) {
        var log = DiagnosticLog()
        let origin = SourceLocation.outside("command line")
        let names = suites.map(\.name)
        for name in filter.suites where !names.contains(name) {
            let hint = Spelling.closest(to: name, among: names).map { "; did you mean '\($0)'?" } ?? " (suites: \(names.joined(separator: ", ")))"
            log.error(origin, "--suite '\(name)' names no suite\(hint)")
        }
        try log.throwIfAny()
        // Each case asked once (`--shard` hashes its id): nil when nothing is filtered out.
        let keep: [[Bool]]? = filter.isEmpty ? nil : suites.map { $0.cases.map(filter.includes) }
        let included = suites.indices.map { index in keep.map { $0[index].count { $0 } } ?? suites[index].cases.count }
        var selected: [EvalCase] = []
        if let whole = suites.indices.first(where: { included[$0] > 0 }), included[whole] == suites[whole].cases.count,
            included.reduce(0, +) == included[whole]
        {
            selected = suites[whole].cases
            suites[whole].cases = []
        } else {
            selected.reserveCapacity(included.reduce(0, +))
            for index in suites.indices {
                for (position, evalCase) in suites[index].cases.enumerated() where keep?[index][position] ?? true {
                    selected.append(evalCase)
                }
                suites[index].cases = []
            }
        }
        // A shard of a small suite may hold no case: that is a run with nothing to do, not an error.
        let shardOnly = filter.shard != nil && filter.suites.isEmpty && filter.tags.isEmpty && filter.cases.isEmpty
        if selected.isEmpty && !shardOnly {
            throw ValidationError(origin, "the filters select no case (suites: \(filter.suites), tags: \(filter.tags), cases: \(filter.cases))")
        }
        self.cases = selected
        self.samples = samples
        var starts = [0]
        starts.reserveCapacity(selected.count + 1)
        for evalCase in selected { starts.append(starts[starts.count - 1] + (evalCase.repeatCount ?? samples)) }
        self.starts = starts
        self.prompt = prompt
        self.systemTemplate = prompt.system.flatMap { try? PromptTemplate($0) }
        self.userTemplate = (try? PromptTemplate(prompt.template)) ?? PromptTemplate.promptOnly
    }

    /// The number of requests: the sum of every case's samples.
    public var count: Int { starts[starts.count - 1] }

    /// Samples case `index` runs.
    public func samples(ofCase index: Int) -> Int { starts[index + 1] - starts[index] }

    /// Item `index` of the plan (0 ..< count): every sample of the first case, then the next case, …
    public func item(at index: Int) -> PlanItem {
        // Binary search for the last case starting at or before `index`.
        var low = 0, high = cases.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= index { low = middle } else { high = middle - 1 }
        }
        return PlanItem(caseIndex: low, sample: index - starts[low])
    }

    /// The request for a case: the system prompt and the conversation, placeholders filled.
    public func request(for evalCase: EvalCase) -> RenderedRequest {
        let system = systemTemplate?.render(vars: evalCase.vars)
        switch evalCase.input {
        case .prompt(let text):
            let prompt = (try? PromptTemplate(text))?.render(vars: evalCase.vars) ?? text
            return RenderedRequest(system: system, messages: [ChatMessage(role: "user", content: userTemplate.render(prompt: prompt, vars: evalCase.vars))])
        case .messages(let messages):
            let rendered = messages.map { message in
                ChatMessage(role: message.role, content: (try? PromptTemplate(message.content))?.render(vars: evalCase.vars) ?? message.content)
            }
            return RenderedRequest(system: system, messages: rendered)
        }
    }
}

extension PromptTemplate {
    static let promptOnly = PromptTemplate(segments: [.placeholder("prompt")])

    init(segments: [Segment]) {
        self.segments = segments
    }
}

/// What is sent for one case: the pinned system prompt and the conversation.
public struct RenderedRequest: Sendable, Hashable {
    public var system: String?
    public var messages: [ChatMessage]

    public init(system: String?, messages: [ChatMessage]) {
        self.system = system
        self.messages = messages
    }
}
