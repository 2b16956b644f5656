/// What changed between the baseline's pinned config and this one, for the summary: the model,
/// each sampling parameter, the provider, the system prompt (as a line diff), the template, and
/// which tool schemas were added, removed or changed.
public struct ConfigDiff: Sendable, Hashable {
    /// One line per change, for a person ("temperature: 0 → 0.7").
    public var changes: [String]
    /// The system prompt's unified diff (`-`/`+`/` ` lines with context), empty when unchanged.
    public var systemPromptDiff: [String]

    public var isEmpty: Bool { changes.isEmpty }

    /// Compares the `behaviour` members of two stored configs (`EvalConfig.storedJSON`).
    public init(baseline: JSONValue, current: JSONValue) {
        var changes: [String] = []
        let then = baseline["behaviour"] ?? .null, now = current["behaviour"] ?? .null
        let providerThen = then["provider"] ?? .null, providerNow = now["provider"] ?? .null
        func show(_ value: JSONValue?) -> String {
            guard let value, value != .null else { return "unset" }
            return value.stringValue ?? value.canonicalText
        }
        for (key, label) in [("type", "provider"), ("model", "model"), ("base_url", "base URL"), ("anthropic_version", "anthropic-version")]
        where providerThen[key] != providerNow[key] {
            changes.append("\(label): \(show(providerThen[key])) → \(show(providerNow[key]))")
        }
        let samplingThen = providerThen["sampling"]?.objectValue ?? [:], samplingNow = providerNow["sampling"]?.objectValue ?? [:]
        for key in Set(samplingThen.keys).union(samplingNow.keys).sorted() where samplingThen[key] != samplingNow[key] {
            changes.append("\(key): \(show(samplingThen[key])) → \(show(samplingNow[key]))")
        }
        if providerThen["recording_sha256"] != providerNow["recording_sha256"], providerThen["recording_sha256"] != nil || providerNow["recording_sha256"] != nil {
            changes.append("recording: a different file's content")
        }
        if providerThen["command"] != providerNow["command"] { changes.append("command: \(show(providerThen["command"])) → \(show(providerNow["command"]))") }
        if providerThen["endpoint"] != providerNow["endpoint"] { changes.append("http endpoint: URL, body template or response paths changed") }

        let promptThen = then["system_prompt"]?.stringValue ?? "", promptNow = now["system_prompt"]?.stringValue ?? ""
        var promptDiff: [String] = []
        if promptThen != promptNow {
            promptDiff = LineDiff.unified(promptThen, promptNow)
            let added = promptDiff.filter { $0.hasPrefix("+") }.count, removed = promptDiff.filter { $0.hasPrefix("-") }.count
            changes.append("system prompt: +\(added) −\(removed) lines")
        }
        if then["template"] != now["template"] { changes.append("template: \(show(then["template"])) → \(show(now["template"]))") }

        let toolsThen = Self.toolsByName(then["tools"]), toolsNow = Self.toolsByName(now["tools"])
        let added = toolsNow.keys.filter { toolsThen[$0] == nil }.sorted()
        let removed = toolsThen.keys.filter { toolsNow[$0] == nil }.sorted()
        let changed = toolsNow.keys.filter { toolsThen[$0] != nil && toolsThen[$0] != toolsNow[$0] }.sorted()
        if !added.isEmpty { changes.append("tools added: \(added.joined(separator: ", "))") }
        if !removed.isEmpty { changes.append("tools removed: \(removed.joined(separator: ", "))") }
        if !changed.isEmpty { changes.append("tool schemas changed: \(changed.joined(separator: ", "))") }

        for (key, label) in [("judge", "judge"), ("embeddings", "embeddings"), ("refusal_phrases", "refusal phrases")] where then[key] != now[key] {
            changes.append("\(label): changed")
        }
        self.changes = changes
        self.systemPromptDiff = promptDiff
    }

    static func toolsByName(_ value: JSONValue?) -> [String: JSONValue] {
        var tools: [String: JSONValue] = [:]
        for tool in value?.arrayValue ?? [] {
            if let name = tool["function"]?["name"]?.stringValue { tools[name] = tool }
        }
        return tools
    }
}

/// A line diff by longest common subsequence: fine for prompts, which are short.
public enum LineDiff {
    /// Lines of `a` and `b` as `-removed`, `+added` and ` kept`, with at most `context` kept lines
    /// around each change (`…` where some were skipped).
    public static func unified(_ a: String, _ b: String, context: Int = 2) -> [String] {
        let x = a.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let y = b.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard x.count * y.count <= 4_000_000 else { return ["-(\(x.count) lines)", "+(\(y.count) lines)"] }
        var lengths = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in stride(from: x.count - 1, through: 0, by: -1) {
            for j in stride(from: y.count - 1, through: 0, by: -1) {
                lengths[i][j] = x[i] == y[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var all: [String] = []
        var i = 0, j = 0
        while i < x.count || j < y.count {
            if i < x.count, j < y.count, x[i] == y[j] {
                all.append(" " + x[i]); i += 1; j += 1
            } else if i < x.count, j == y.count || lengths[i + 1][j] >= lengths[i][j + 1] {
                all.append("-" + x[i]); i += 1  // removals before additions, as diff prints them
            } else {
                all.append("+" + y[j]); j += 1
            }
        }
        // Keep changes and their context.
        let changed = all.indices.filter { !all[$0].hasPrefix(" ") }
        var out: [String] = []
        var last = -1
        for index in all.indices where changed.contains(where: { abs($0 - index) <= context }) {
            if last >= 0 && index > last + 1 { out.append("…") }
            out.append(all[index])
            last = index
        }
        return out
    }
}
