/// Whether a suite is judged on usefulness or on safety.
public enum SuiteKind: String, Sendable, CaseIterable, Hashable {
    /// Must be useful: the answer holds what is expected.
    case golden
    /// Must be safe: the answer holds nothing forbidden, whatever the prompt tried.
    case adversarial
}

/// One message of a conversation.
public struct ChatMessage: Sendable, Hashable {
    /// `system`, `user` or `assistant`.
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    public static let roles = ["system", "user", "assistant"]
}

/// What a case sends: a single prompt (placed in the config's template) or a whole conversation.
public enum CaseInput: Sendable, Hashable {
    case prompt(String)
    case messages([ChatMessage])
}

/// A case of a suite: what to send and what the answer must and must not contain.
public struct EvalCase: Sendable {
    /// Unique in its suite.
    public var id: String
    /// The suite's name.
    public var suite: String
    public var kind: SuiteKind
    public var input: CaseInput
    /// Values for `{{vars.NAME}}` placeholders, the suite's defaults merged in.
    public var vars: [String: String]
    /// Every string must appear in the answer.
    public var expectedContains: [String]
    /// No string may appear in the answer.
    public var forbiddenContains: [String]
    public var tags: [String]
    /// Tool calls the answer must make (by name, and arguments where listed).
    public var expectedTools: [ExpectedToolCall] = []
    /// With `tools_in_order: true`, the expected calls must come in their listed order.
    public var toolsInOrder = false
    /// Tools the answer must never call.
    public var forbiddenTools: [String] = []
    /// The answer must refuse (by `RefusalDetector`'s phrases).
    public var expectRefusal = false
    /// Samples of this case, overriding `run.repeat`.
    public var repeatCount: Int?
    /// The `assert:` entries (the suite's defaults first).
    public var assertions: [Assertion] = []
    /// How much the case counts in its suite's score (usefulness or safety). Default 1.
    public var weight: Double = 1
    /// Matching is case-insensitive unless this is set.
    public var caseSensitive: Bool
    public var description: String?
    /// Where the case starts in its file.
    public var location: SourceLocation
    /// SHA-256 of the case's content (input, vars, expectations, kind): a changed case is not
    /// compared with its old self.
    public var fingerprint: String

    public init(
        id: String, suite: String, kind: SuiteKind, input: CaseInput, vars: [String: String], expectedContains: [String],
        forbiddenContains: [String], tags: [String], caseSensitive: Bool, description: String?, location: SourceLocation,
        fingerprint: String
    ) {
        self.id = id
        self.suite = suite
        self.kind = kind
        self.input = input
        self.vars = vars
        self.expectedContains = expectedContains
        self.forbiddenContains = forbiddenContains
        self.tags = tags
        self.caseSensitive = caseSensitive
        self.description = description
        self.location = location
        self.fingerprint = fingerprint
    }

    /// `suite/id`, how cases are named in output.
    public var qualifiedID: String { "\(suite)/\(id)" }

    /// The content the fingerprint covers, canonically. Keys a case does not use are left out, so
    /// a case written before a key existed keeps its fingerprint (and stays comparable).
    public var fingerprintMaterial: JSONValue {
        let input: JSONValue
        switch self.input {
        case .prompt(let text): input = ["prompt": .string(text)]
        case .messages(let messages):
            input = ["messages": .array(messages.map { ["role": .string($0.role), "content": .string($0.content)] })]
        }
        var material: [String: JSONValue] = [
            "kind": .string(kind.rawValue),
            "input": input,
            "vars": .object(vars.mapValues(JSONValue.string)),
            "expected_contains": .array(expectedContains.map(JSONValue.string)),
            "forbidden_contains": .array(forbiddenContains.map(JSONValue.string)),
            "case_sensitive": .bool(caseSensitive),
        ]
        if !expectedTools.isEmpty {
            material["expected_tools"] = .array(expectedTools.map { ["name": .string($0.name), "arguments": .object($0.arguments), "exact": .bool($0.exact)] })
            material["tools_in_order"] = .bool(toolsInOrder)
        }
        if !forbiddenTools.isEmpty { material["forbidden_tools"] = .array(forbiddenTools.map(JSONValue.string)) }
        if expectRefusal { material["expect_refusal"] = true }
        if !assertions.isEmpty { material["assert"] = .array(assertions.map(\.fingerprintMaterial)) }
        if weight != 1 { material["weight"] = .number(weight) }
        return .object(material)
    }
}

extension EvalCase {
    /// `fingerprintMaterial.canonicalText` as UTF-8, written member by member in sorted key order
    /// (building the dictionaries and sorting their keys was a third of decoding a case). The
    /// two must stay byte for byte the same: a test holds them to it.
    public var fingerprintText: [UInt8] {
        var json = JSONWriter(capacity: 256)
        json.beginObject()
        if !assertions.isEmpty {
            json.key("assert")
            json.beginArray()
            for assertion in assertions { json.json(assertion.fingerprintMaterial) }
            json.endArray()
        }
        json.key("case_sensitive"); json.bool(caseSensitive)
        if expectRefusal { json.key("expect_refusal"); json.bool(true) }
        json.array("expected_contains") { json in
            for text in expectedContains { json.string(text) }
        }
        if !expectedTools.isEmpty {
            json.array("expected_tools") { json in
                for tool in expectedTools {
                    json.beginObject()
                    json.key("arguments"); json.json(.object(tool.arguments))
                    json.key("exact"); json.bool(tool.exact)
                    json.key("name"); json.string(tool.name)
                    json.endObject()
                }
            }
        }
        json.array("forbidden_contains") { json in
            for text in forbiddenContains { json.string(text) }
        }
        if !forbiddenTools.isEmpty {
            json.array("forbidden_tools") { json in
                for name in forbiddenTools { json.string(name) }
            }
        }
        json.object("input") { json in
            switch input {
            case .prompt(let text):
                json.key("prompt"); json.string(text)
            case .messages(let messages):
                json.key("messages"); json.chatMessages(messages)
            }
        }
        json.key("kind"); json.string(kind.rawValue)
        if !expectedTools.isEmpty { json.key("tools_in_order"); json.bool(toolsInOrder) }
        json.key("vars"); json.stringMap(vars)
        if weight != 1 { json.key("weight"); json.number(weight) }
        json.endObject()
        return json.bytes
    }
}

/// A file of cases, all golden or all adversarial.
public struct Suite: Sendable {
    public var name: String
    public var kind: SuiteKind
    /// The file's path for messages.
    public var file: String
    public var description: String?
    /// The cases, when they are held; empty when they are kept by line (`lines`).
    public var cases: [EvalCase]
    /// A large JSONL suite's selected cases, kept as where their lines lie (see `SuiteLoader.load`).
    public var lines: CaseLines?

    public init(name: String, kind: SuiteKind, file: String, description: String?, cases: [EvalCase], lines: CaseLines? = nil) {
        self.name = name
        self.kind = kind
        self.file = file
        self.description = description
        self.cases = cases
        self.lines = lines
    }

    /// The cases in the file, selected or not.
    public var caseCount: Int { lines?.total ?? cases.count }
}
