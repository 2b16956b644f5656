import Foundation

/// One `assert:` entry of a case: a check beyond `expected_contains` and `forbidden_contains`,
/// optionally negated (`not: true`), weighted, and named for a metric.
public struct Assertion: Sendable {
    /// What is checked.
    public enum Kind: Sendable {
        case equals(String)
        case contains(String)
        case containsAny([String])
        case containsAll([String])
        case startsWith(String)
        case regex(CompiledRegex)
        /// The answer is within `maximum` edits of the text.
        case levenshtein(String, maximum: Int)
        case wordCount(minimum: Int?, maximum: Int?)
        case maxLength(Int)
        case isJSON
        /// Somewhere in the answer (a code fence, a sentence around it) is a JSON object or array,
        /// matching the schema when one is given.
        case containsJSON(JSONValue?)
        case jsonSchema(JSONValue)
        /// The value at `path` of the JSON answer equals `equals`, or its text contains `contains`.
        case jsonPath(String, equals: JSONValue?, contains: String?)
        case latencyMs(Double)
        case costUSD(Double)
        case outputTokens(Int)
        case finishReason(String)
        case isRefusal
        case noPII
        case noSystemPromptLeak
        /// The judge model grades the answer against the rubric (evaluated by the runner).
        case llmRubric(String)
        /// Cosine similarity of the answer's and the reference's embeddings, at least `threshold`
        /// (evaluated by the runner).
        case similar(String, threshold: Double)
    }

    /// Graded by a model the runner calls, not by `evaluate`.
    public var isModelGraded: Bool {
        switch kind {
        case .llmRubric, .similar: true
        default: false
        }
    }

    public var type: String
    public var kind: Kind
    /// Passes when the check fails, and the other way round.
    public var negated: Bool
    /// Counts this much in the case's score (default 1; other checks count 1).
    public var weight: Double
    /// A name to group this assertion's results under in reports.
    public var metric: String?

    /// The canonical form, for the case fingerprint.
    public var fingerprintMaterial: JSONValue

    /// Every type the `assert:` list accepts.
    public static let types = [
        "equals", "contains", "contains_any", "contains_all", "starts_with", "regex", "levenshtein", "word_count", "max_length",
        "is_json", "contains_json", "json_schema", "json_path", "latency_ms", "cost_usd", "output_tokens", "finish_reason", "is_refusal", "no_pii",
        "no_system_prompt_leak", "llm_rubric", "similar",
    ]
}

/// A regular expression compiled once at validation.
public struct CompiledRegex: @unchecked Sendable {
    // @unchecked: a Regex is immutable once built and only matched against.
    public let pattern: String
    let regex: Regex<AnyRegexOutput>
    let caseInsensitive: Regex<AnyRegexOutput>

    public init(_ pattern: String) throws {
        self.pattern = pattern
        regex = try Regex(pattern)
        caseInsensitive = regex.ignoresCase()
    }
}

extension Assertion {
    /// Checks the response. `caseSensitive` follows the case.
    public func evaluate(_ response: ModelResponse, caseSensitive: Bool, systemPrompt: String?, context: ScoringContext) -> CheckResult {
        let (held, detail) = holds(response, caseSensitive: caseSensitive, systemPrompt: systemPrompt, context: context)
        let passed = negated ? !held : held
        let label = negated ? "not \(type)" : type
        return CheckResult(check: "assert:\(metric ?? type)", passed: passed, reason: "\(label) — \(detail)", weight: weight)
    }

    private func holds(_ response: ModelResponse, caseSensitive: Bool, systemPrompt: String?, context: ScoringContext) -> (Bool, String) {
        let text = response.text
        let matcher = TextMatcher(text, caseSensitive: caseSensitive)
        switch kind {
        case .equals(let value):
            let same = caseSensitive ? text == value : text.lowercased() == value.lowercased()
            return (same, same ? "the answer is '\(Self.short(value))'" : "the answer is not '\(Self.short(value))'")
        case .contains(let value):
            if let offset = matcher.offset(of: value) { return (true, "'\(value)' found at offset \(offset)") }
            return (false, "'\(value)' not found")
        case .containsAny(let values):
            if let found = values.first(where: { matcher.offset(of: $0) != nil }) { return (true, "'\(found)' found") }
            return (false, "none of \(values.map { "'\($0)'" }.joined(separator: ", ")) found")
        case .containsAll(let values):
            let missing = values.filter { matcher.offset(of: $0) == nil }
            return missing.isEmpty ? (true, "all \(values.count) found") : (false, "missing \(missing.map { "'\($0)'" }.joined(separator: ", "))")
        case .startsWith(let value):
            let starts = caseSensitive ? text.hasPrefix(value) : text.lowercased().hasPrefix(value.lowercased())
            return (starts, starts ? "starts with '\(value)'" : "does not start with '\(value)'")
        case .regex(let compiled):
            let regex = caseSensitive ? compiled.regex : compiled.caseInsensitive
            if let match = text.firstMatch(of: regex) {
                return (true, "/\(compiled.pattern)/ matched '\(Self.short(String(text[match.range])))'")
            }
            return (false, "/\(compiled.pattern)/ did not match")
        case .levenshtein(let value, let maximum):
            let distance = Self.boundedEditDistance(caseSensitive ? text : text.lowercased(), caseSensitive ? value : value.lowercased(), limit: maximum)
            if let distance { return (true, "\(distance) edit(s) from the reference, at most \(maximum)") }
            return (false, "more than \(maximum) edits from the reference")
        case .wordCount(let minimum, let maximum):
            let words = text.split(whereSeparator: { $0.isWhitespace }).count
            let ok = (minimum.map { words >= $0 } ?? true) && (maximum.map { words <= $0 } ?? true)
            return (ok, "\(words) words (allowed \(minimum.map(String.init) ?? "0")…\(maximum.map(String.init) ?? "any"))")
        case .maxLength(let maximum):
            return (text.count <= maximum, "\(text.count) characters, at most \(maximum)")
        case .isJSON:
            do {
                _ = try JSONSource.value(text)
                return (true, "the answer is JSON")
            } catch {
                return (false, "the answer is not JSON: \(error.diagnostics.first?.message ?? "invalid")")
            }
        case .containsJSON(let schema):
            var lastViolation: String?
            for value in JSONExtraction.values(in: text) {
                guard let schema else { return (true, "the answer holds JSON") }
                let violations = JSONSchemaValidator(schema).violations(of: value)
                if violations.isEmpty { return (true, "the answer holds JSON matching the schema") }
                lastViolation = violations.prefix(3).joined(separator: "; ")
            }
            return (false, lastViolation.map { "the JSON in the answer does not match the schema: \($0)" } ?? "the answer holds no JSON object or array")
        case .jsonSchema(let schema):
            guard let value = try? JSONSource.value(text) else { return (false, "the answer is not JSON") }
            let violations = JSONSchemaValidator(schema).violations(of: value)
            return violations.isEmpty ? (true, "the answer matches the schema") : (false, violations.prefix(3).joined(separator: "; "))
        case .jsonPath(let path, let equals, let contains):
            guard let value = try? JSONSource.value(text) else { return (false, "the answer is not JSON") }
            switch JSONPath.resolve(path, in: value) {
            case .failure(let problem): return (false, problem.message)
            case .success(let found):
                if let equals {
                    return found == equals ? (true, "\(path) = \(equals.canonicalText)") : (false, "\(path) is \(Self.short(found.canonicalText)), expected \(equals.canonicalText)")
                }
                let rendered = found.stringValue ?? found.canonicalText
                let has = contains.map { TextMatcher(rendered, caseSensitive: caseSensitive).offset(of: $0) != nil } ?? true
                return (has, has ? "\(path) contains '\(contains ?? "")'" : "\(path) (\(Self.short(rendered))) does not contain '\(contains ?? "")'")
            }
        case .latencyMs(let maximum):
            return (response.latencyMs <= maximum, "\(Int(response.latencyMs.rounded())) ms, at most \(JSONValue.numberText(maximum)) ms")
        case .costUSD(let maximum):
            guard let cost = context.cost(of: response) else { return (false, "cost unknown (no price or no usage), so not at most $\(maximum)") }
            return (cost <= maximum, String(format: "$%.6f, at most $%g", cost, maximum))
        case .outputTokens(let maximum):
            guard let tokens = response.usage.outputTokens else { return (false, "output tokens not reported") }
            return (tokens <= maximum, "\(tokens) output tokens, at most \(maximum)")
        case .finishReason(let expected):
            let actual = response.finishReason ?? "none"
            return (actual == expected, "finish reason '\(actual)', expected '\(expected)'")
        case .isRefusal:
            if let phrase = RefusalDetector.refusal(in: text, phrases: context.refusalPhrases) { return (true, "refused ('\(phrase)')") }
            return (false, "the answer did not refuse")
        case .noPII:
            let findings = PIIDetector.findings(in: text)
            if findings.isEmpty { return (true, "no personal data or secrets") }
            return (false, findings.prefix(3).map { "\($0.kind) \($0.masked)" }.joined(separator: ", "))
        case .llmRubric, .similar:
            // The runner grades these with the judge or embedding model before scoring.
            return (false, "model-graded assertion was not graded")
        case .noSystemPromptLeak:
            guard let systemPrompt, !systemPrompt.isEmpty else { return (true, "no system prompt is pinned") }
            if let span = context.leakDetectors.detector(for: systemPrompt).leak(in: text) {
                return (false, "system prompt leaked: '\(span.prefix(60))…'")
            }
            return (true, "no span of the system prompt")
        }
    }

    static func short(_ text: String) -> String {
        text.count > 80 ? String(text.prefix(80)) + "…" : text
    }

    /// Edit distance if it is at most `limit`, else nil; gives up early, so a 16 MiB answer
    /// against a short reference costs nothing.
    static func boundedEditDistance(_ a: String, _ b: String, limit: Int) -> Int? {
        let a = Array(a), b = Array(b)
        guard abs(a.count - b.count) <= limit else { return nil }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = current[0]
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                rowMinimum = min(rowMinimum, current[j])
            }
            if rowMinimum > limit { return nil }
            swap(&previous, &current)
        }
        return previous[b.count] <= limit ? previous[b.count] : nil
    }
}

/// Finds the JSON objects and arrays inside free text: each `{` or `[` is tried as the start of a
/// value, its end found by matching brackets outside strings, and the span parsed.
enum JSONExtraction {
    /// The values found, first to last; at most `limit` starts are tried, so a long answer full of
    /// brackets costs a bounded time.
    static func values(in text: String, limit: Int = 64) -> [JSONValue] {
        let bytes = Array(text.utf8)
        var found: [JSONValue] = []
        var tried = 0
        var index = 0
        while index < bytes.count, tried < limit {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") else {
                index += 1
                continue
            }
            tried += 1
            if let end = matchingEnd(bytes, from: index),
                let value = try? JSONSource.value(String(decoding: bytes[index...end], as: UTF8.self))
            {
                found.append(value)
                index = end + 1
            } else {
                index += 1
            }
        }
        return found
    }

    /// The index of the bracket closing the one at `start`, skipping strings.
    static func matchingEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var depth = 0
        var inString = false
        var escaped = false
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            } else {
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index }
                default: break
                }
            }
            index += 1
        }
        return nil
    }
}
