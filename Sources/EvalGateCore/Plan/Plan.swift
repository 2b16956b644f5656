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
/// Requests are rendered when they are sent (`request(for:)`), not held here. Cases are held,
/// or, for a large JSONL suite loaded by line, read from their file as they are asked for
/// (`evalCase(at:)`), so a plan of such cases holds an index of the file's blocks, not of its cases.
public struct Plan: Sendable {
    /// The held cases, in plan order (each segment of held cases is a run of this array).
    private let held: [EvalCase]
    /// The plan's cases in order, a segment per suite (or run of suites) held or kept by line.
    private let segments: [Segment]
    /// The number of selected cases.
    public let caseCount: Int
    /// The run's samples per case; a case with its own `repeat` uses that instead.
    public let samples: Int
    /// `starts[i]` is the index of case i's first item; the last element is the total. Nil when
    /// every case runs `samples` times (no case has its own `repeat`): then case i starts at
    /// i × samples, and the plan holds no 8 bytes a case for it.
    private let starts: [Int]?
    public let prompt: PromptSettings
    private let systemTemplate: PromptTemplate?
    private let userTemplate: PromptTemplate

    /// Cases `first ..< first + count` of the plan, from `held` (at `heldStart`) or from `lines`.
    private struct Segment: Sendable {
        var first: Int
        var count: Int
        var heldStart: Int
        var lines: CaseLines?
    }

    /// Selects cases from `suites` with `filter`. Suites kept by line were filtered when they were
    /// loaded (with the same filter) and are taken whole.
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
        let included = suites.indices.map { index in
            suites[index].lines?.count ?? keep.map { $0[index].count { $0 } } ?? suites[index].cases.count
        }
        var selected: [EvalCase] = []
        var segments: [Segment] = []
        if let whole = suites.indices.first(where: { included[$0] > 0 }), suites[whole].lines == nil,
            included[whole] == suites[whole].cases.count, included.reduce(0, +) == included[whole]
        {
            selected = suites[whole].cases
            suites[whole].cases = []
            segments = [Segment(first: 0, count: selected.count, heldStart: 0, lines: nil)]
        } else {
            selected.reserveCapacity(suites.indices.filter { suites[$0].lines == nil }.reduce(0) { $0 + included[$1] })
            var first = 0
            for index in suites.indices where included[index] > 0 {
                if let lines = suites[index].lines {
                    segments.append(Segment(first: first, count: lines.count, heldStart: 0, lines: lines))
                } else {
                    let heldStart = selected.count
                    for (position, evalCase) in suites[index].cases.enumerated() where keep?[index][position] ?? true {
                        selected.append(evalCase)
                    }
                    suites[index].cases = []
                    if let last = segments.last, last.lines == nil {
                        segments[segments.count - 1].count += included[index]
                    } else {
                        segments.append(Segment(first: first, count: included[index], heldStart: heldStart, lines: nil))
                    }
                }
                first += included[index]
            }
        }
        let caseCount = included.reduce(0, +)
        // A shard of a small suite may hold no case: that is a run with nothing to do, not an error.
        let shardOnly = filter.shard != nil && filter.suites.isEmpty && filter.tags.isEmpty && filter.cases.isEmpty
        if caseCount == 0 && !shardOnly {
            throw ValidationError(origin, "the filters select no case (suites: \(filter.suites), tags: \(filter.tags), cases: \(filter.cases))")
        }
        self.held = selected
        self.segments = segments
        self.caseCount = caseCount
        self.samples = samples
        func own(_ segment: Segment, _ position: Int) -> Int? {
            segment.lines.map { $0.repeatCount(at: position) } ?? selected[segment.heldStart + position].repeatCount
        }
        let uniform = samples > 0 && !segments.contains { segment in
            segment.lines.map(\.hasOwnRepeats) ?? (0..<segment.count).contains { selected[segment.heldStart + $0].repeatCount != nil }
        }
        if uniform {
            self.starts = nil
        } else {
            var starts = [0]
            starts.reserveCapacity(caseCount + 1)
            for segment in segments {
                for position in 0..<segment.count { starts.append(starts[starts.count - 1] + (own(segment, position) ?? samples)) }
            }
            self.starts = starts
        }
        self.prompt = prompt
        self.systemTemplate = prompt.system.flatMap { try? PromptTemplate($0) }
        self.userTemplate = (try? PromptTemplate(prompt.template)) ?? PromptTemplate.promptOnly
    }

    /// The number of requests: the sum of every case's samples.
    public var count: Int { starts.map { $0[$0.count - 1] } ?? caseCount * samples }

    /// Samples case `index` runs.
    public func samples(ofCase index: Int) -> Int { starts.map { $0[index + 1] - $0[index] } ?? samples }

    /// Item `index` of the plan (0 ..< count): every sample of the first case, then the next case, …
    public func item(at index: Int) -> PlanItem {
        guard let starts else { return PlanItem(caseIndex: index / samples, sample: index % samples) }
        // Binary search for the last case starting at or before `index`.
        var low = 0, high = caseCount - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= index { low = middle } else { high = middle - 1 }
        }
        return PlanItem(caseIndex: low, sample: index - starts[low])
    }

    /// Case `index` of the plan (0 ..< caseCount): held, or read from its file again.
    ///
    /// - Throws: `ValidationError` at the case's line when a suite kept by line changed under the run.
    public func evalCase(at index: Int) throws(ValidationError) -> EvalCase {
        var low = 0, high = segments.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if segments[middle].first <= index { low = middle } else { high = middle - 1 }
        }
        let segment = segments[low]
        if let lines = segment.lines { return try lines.evalCase(at: index - segment.first) }
        return held[segment.heldStart + index - segment.first]
    }

    /// Every case of the plan, in order, read from their files where they are kept by line.
    public var cases: [EvalCase] {
        get throws(ValidationError) {
            var all: [EvalCase] = []
            all.reserveCapacity(caseCount)
            for index in 0..<caseCount { all.append(try evalCase(at: index)) }
            return all
        }
    }

    /// The held cases, and the suites kept by line, for what needs every case's id and tags
    /// without reading the cases again.
    public var heldCases: [EvalCase] { held }
    public var caseLines: [CaseLines] { segments.compactMap(\.lines) }

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
