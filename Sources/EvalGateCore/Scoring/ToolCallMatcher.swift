/// A tool call a case expects: a name, and arguments that must be present and JSON-equal.
public struct ExpectedToolCall: Sendable, Hashable {
    public var name: String
    /// Arguments that must be there with these values; others are allowed unless `exact`.
    public var arguments: [String: JSONValue]
    /// No arguments besides those listed.
    public var exact: Bool

    public init(name: String, arguments: [String: JSONValue] = [:], exact: Bool = false) {
        self.name = name
        self.arguments = arguments
        self.exact = exact
    }

    /// `lookup_order(order_id: "NW-1")`, for reasons.
    public var description: String {
        let listed = arguments.keys.sorted().map { "\($0): \(arguments[$0]?.canonicalText ?? "null")" }
        return "\(name)(\(listed.joined(separator: ", ")))"
    }
}

/// How the tool calls a model made compare with those a case expected.
public struct ToolMatch: Sendable, Hashable {
    /// Expected calls that were made with the right arguments.
    public var matched: Int
    public var expected: Int
    public var actual: Int
    /// One per expected call, in order: did it happen, and if not, why not.
    public var checks: [CheckResult]

    /// Share of the calls made that were expected (1 when none were made and none expected).
    public var precision: Double { actual == 0 ? (expected == 0 ? 1 : 0) : Double(matched) / Double(actual) }
    /// Share of the expected calls that were made.
    public var recall: Double { expected == 0 ? 1 : Double(matched) / Double(expected) }
    /// Harmonic mean of precision and recall, 0…1.
    public var f1: Double {
        let sum = precision + recall
        return sum == 0 ? 0 : 2 * precision * recall / sum
    }
}

/// Matches the tool calls a model made against a case's expectations.
///
/// A call matches an expected one by name and by arguments: every listed argument present and
/// JSON-equal, nothing else when `exact`. Arguments that are not valid JSON, or that break the
/// tool's pinned schema, never match. With `ordered`, expected calls must appear in that order
/// (other calls may come between).
public enum ToolCallMatcher {
    public static func match(
        expected: [ExpectedToolCall], actual: [ToolCall], ordered: Bool, schemas: [String: JSONValue] = [:]
    ) -> ToolMatch {
        var used = Array(repeating: false, count: actual.count)
        var checks: [CheckResult] = []
        var matched = 0
        var searchFrom = 0
        for expectation in expected {
            var found: Int?
            var nearMiss: String?
            let candidates = ordered ? Array(searchFrom..<actual.count) : Array(actual.indices)
            for index in candidates where !used[index] && actual[index].name == expectation.name {
                if let problem = problem(with: actual[index], against: expectation, schema: schemas[expectation.name]) {
                    nearMiss = nearMiss ?? problem
                } else {
                    found = index
                    break
                }
            }
            if let found {
                used[found] = true
                matched += 1
                if ordered { searchFrom = found + 1 }
                checks.append(CheckResult(check: "expected_tools", passed: true, reason: "expected tool \(expectation.description) — called"))
            } else if let nearMiss {
                checks.append(CheckResult(check: "expected_tools", passed: false, reason: "expected tool \(expectation.description) — \(nearMiss)"))
            } else if ordered, actual.contains(where: { $0.name == expectation.name }) {
                checks.append(CheckResult(check: "expected_tools", passed: false, reason: "expected tool \(expectation.description) — called, but not in the expected order"))
            } else {
                let made = actual.isEmpty ? "no tool was called" : "calls made: \(actual.map(\.name).joined(separator: ", "))"
                checks.append(CheckResult(check: "expected_tools", passed: false, reason: "expected tool \(expectation.description) — not called (\(made))"))
            }
        }
        return ToolMatch(matched: matched, expected: expected.count, actual: actual.count, checks: checks)
    }

    /// Why `call` does not satisfy `expectation`, or nil when it does.
    static func problem(with call: ToolCall, against expectation: ExpectedToolCall, schema: JSONValue?) -> String? {
        guard case .object(let arguments) = call.arguments else {
            if case .string(let raw) = call.arguments {
                return "called with arguments that are not valid JSON: \(raw.prefix(80))"
            }
            return "called with arguments that are \(call.arguments.typeName), not an object"
        }
        if let schema, let violation = JSONSchemaValidator(schema).violations(of: call.arguments).first {
            return "called with arguments that break the tool's schema (\(violation))"
        }
        for key in expectation.arguments.keys.sorted() {
            guard let actual = arguments[key] else { return "called without argument '\(key)'" }
            if !jsonEqual(actual, expectation.arguments[key] ?? .null) {
                return "called with \(key) = \(actual.canonicalText.prefix(80)), expected \(expectation.arguments[key]?.canonicalText ?? "null")"
            }
        }
        if expectation.exact, let extra = arguments.keys.sorted().first(where: { expectation.arguments[$0] == nil }) {
            return "called with extra argument '\(extra)' (exact: true)"
        }
        return nil
    }

    /// JSON equality: numbers by value (1 == 1.0), objects regardless of key order.
    static func jsonEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
        a == b
    }
}
