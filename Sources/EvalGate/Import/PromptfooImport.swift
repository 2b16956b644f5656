import Foundation

/// `evalgate import promptfoo promptfooconfig.yaml`: converts promptfoo's tests — their vars, the
/// `defaultTest` merged into each, and the assertions with an evalgate counterpart — into one
/// evalgate suite, and lists every assertion and option it could not convert with its line.
public struct PromptfooImport: Sendable {
    public var file: URL
    /// How the file is named in messages.
    public var display: String
    public var kind: SuiteKind

    public init(file: URL, display: String, kind: SuiteKind = .golden) {
        self.file = file
        self.display = display
        self.kind = kind
    }

    /// Top-level keys that configure promptfoo itself, not tests: reported, not converted.
    static let configurationKeys = [
        "providers", "targets", "env", "evaluateOptions", "commandLineOptions", "outputPath", "sharing", "nunjucksFilters", "extensions",
        "derivedMetrics", "redteam", "scenarios", "tags", "metadata", "writeLatestResults",
    ]

    public func convert() throws(EvalGateError) -> ImportedSuite {
        let text: String
        let root: SourceNode
        do {
            text = try SourceFile.read(file, displayPath: display)
            root = try SourceFile.parseDocument(text, file: display)
        } catch {
            throw .invalidInput(error)
        }
        guard root.entries != nil else {
            throw .invalidInput(ValidationError(root.location, "a promptfoo config is a mapping with 'tests', found \(root.typeName)"))
        }
        var suite = ImportedSuite(name: Self.suiteName(file))
        suite.kind = kind
        suite.description = root["description"]?.scalar?.text
        func skip(_ node: SourceNode?, _ what: String, _ why: String) {
            suite.skipped.append(.init(location: node?.location ?? root.location, what: what, why: why))
        }

        // The prompt: the first of `prompts`, its {{vars}} filled per test; others are other configs.
        var template: Template?
        let prompts = root["prompts"].map { $0.elements ?? [$0] } ?? []
        for (index, node) in prompts.enumerated() {
            if index == 0 {
                template = prompt(node, skip: skip)
            } else {
                skip(node, "prompts[\(index)]", "evalgate pins one prompt per config: run another prompt as its own config and compare them with `evalgate compare A.yaml B.yaml`")
            }
        }
        for entry in root.entries ?? [] where Self.configurationKeys.contains(entry.key.text) {
            let why = entry.key.text == "providers" || entry.key.text == "targets"
                ? "the provider is pinned in evalgate.yaml (provider:), not in a suite"
                : "a promptfoo setting with no place in an evalgate suite"
            skip(entry.value, entry.key.text, why)
        }

        let defaults = root["defaultTest"]
        if let defaults {
            for entry in defaults.entries ?? [] where !["vars", "assert", "options", "description", "metadata"].contains(entry.key.text) {
                skip(entry.value, "defaultTest.\(entry.key.text)", "no evalgate counterpart")
            }
            if let options = defaults["options"] { skipOptions(options, "defaultTest.options", skip: skip) }
        }
        guard let testsNode = root["tests"] else {
            throw .invalidInput(ValidationError(root.location, "\(display) has no 'tests' to convert"))
        }
        guard let tests = testsNode.elements else {
            throw .invalidInput(ValidationError(
                testsNode.location, "'tests' is \(testsNode.typeName); only a list of tests written in the config can be converted (export a CSV or file:// list into it first)"))
        }
        var taken = Set<String>()
        for (index, test) in tests.enumerated() {
            let path = "tests[\(index)]"
            guard test.entries != nil else {
                skip(test, path, "a test given as \(test.typeName) (a file reference?) is not read")
                continue
            }
            var converted = ImportedSuite.Case(id: ImportedSuite.identifier(test["description"]?.scalar?.text, fallback: "test-\(index + 1)", taken: &taken))
            for entry in test.entries ?? [] where !["vars", "assert", "description", "options", "metadata"].contains(entry.key.text) {
                skip(entry.value, "\(path).\(entry.key.text)", "no evalgate counterpart")
            }
            if let options = test["options"] { skipOptions(options, "\(path).options", skip: skip) }
            if let metadata = test["metadata"] { skip(metadata, "\(path).metadata", "evalgate cases have tags, not metadata; add tags by hand") }

            var vars: [String: String] = [:]
            for source in [defaults?["vars"], test["vars"]] {
                for entry in source?.entries ?? [] {
                    vars[entry.key.text] = entry.value.scalar?.text ?? entry.value.jsonValue.canonicalText
                }
            }
            if let description = test["description"]?.scalar?.text { converted.fields.append(("description", .string(description))) }
            if let template {
                switch template {
                case .text(let raw):
                    converted.fields.append(("prompt", .string(Self.render(raw, vars: vars))))
                case .messages(let messages):
                    converted.fields.append(("messages", .array(messages.map { ["role": .string($0.role), "content": .string(Self.render($0.content, vars: vars))] })))
                }
            } else if let prompt = vars["prompt"] ?? vars["question"] ?? vars["input"] {
                converted.fields.append(("prompt", .string(prompt)))
            } else {
                skip(test, path, "no prompt: the config has no 'prompts' and the test no 'prompt', 'question' or 'input' var")
                continue
            }
            if !vars.isEmpty { converted.fields.append(("vars", .object(vars.mapValues(JSONValue.string)))) }

            var mapper = AssertionMapper()
            for (listPath, list) in [("defaultTest.assert", defaults?["assert"]), ("\(path).assert", test["assert"])] {
                guard let list else { continue }
                for (position, assertion) in (list.elements ?? [list]).enumerated() {
                    mapper.add(assertion, path: "\(listPath)[\(position)]", skip: skip)
                }
            }
            converted.fields += mapper.fields()
            suite.notes += mapper.notes.filter { !suite.notes.contains($0) }
            suite.cases.append(converted)
        }
        if suite.cases.isEmpty {
            throw .invalidInput(ValidationError(testsNode.location, "no test in \(display) could be converted:\n" + suite.skipped.map(\.description).joined(separator: "\n")))
        }
        return suite
    }

    enum Template {
        case text(String)
        case messages([(role: String, content: String)])
    }

    /// The prompt's text: inline, `file://` relative to the config, or `{raw: …}`; a JSON list of
    /// messages becomes the case's messages.
    private func prompt(_ node: SourceNode, skip: (SourceNode?, String, String) -> Void) -> Template? {
        var raw = node.scalar?.text ?? node["raw"]?.scalar?.text
        if raw == nil, let id = node["id"]?.scalar?.text { raw = id }
        guard var text = raw else {
            skip(node, "prompts[0]", "a prompt given as \(node.typeName) is not read")
            return nil
        }
        if text.hasPrefix("file://") {
            let path = String(text.dropFirst("file://".count))
            let url = URL(fileURLWithPath: path, relativeTo: file.deletingLastPathComponent())
            guard [".txt", ".md", ".json", ".j2", ".jinja", ""].contains(where: { $0.isEmpty ? !path.contains(".") : path.hasSuffix($0) }),
                let contents = try? String(contentsOf: url, encoding: .utf8)
            else {
                skip(node, "prompts[0]", "\(text) cannot be read as a text prompt (a script or a missing file)")
                return nil
            }
            text = contents
        }
        if text.contains("{%") || text.range(of: #"\{\{[^}]*\|"#, options: .regularExpression) != nil {
            skip(node, "prompts[0]", "the template uses Nunjucks tags or filters; only {{var}} is filled in")
        }
        if let value = try? JSONSource.value(text), let list = value.arrayValue, !list.isEmpty {
            let messages = list.compactMap { item -> (role: String, content: String)? in
                guard let role = item["role"]?.stringValue, let content = item["content"]?.stringValue else { return nil }
                return (role, content)
            }
            if messages.count == list.count { return .messages(messages) }
        }
        return .text(text)
    }

    private func skipOptions(_ options: SourceNode, _ path: String, skip: (SourceNode?, String, String) -> Void) {
        for entry in options.entries ?? [] {
            let why = switch entry.key.text {
            case "transform", "postprocess": "evalgate scores the answer as the model gave it; transform it in an exec or http provider instead"
            case "provider", "rubricPrompt": "the judge is pinned in evalgate.yaml (judge:)"
            default: "no evalgate counterpart"
            }
            skip(entry.value, "\(path).\(entry.key.text)", why)
        }
    }

    /// Fills `{{name}}` and `{{ name }}` with the vars; a name with no var is left in place, and a
    /// template that does not parse (an unclosed `{{`) is left as it is.
    static func render(_ template: String, vars: [String: String]) -> String {
        guard let parsed = try? PromptTemplate(template) else { return template }
        return parsed.render { vars[$0] }
    }

    /// The suite's name from the file's: `promptfooconfig.yaml` → `promptfooconfig`.
    static func suiteName(_ file: URL) -> String {
        var taken = Set<String>()
        return ImportedSuite.identifier(file.deletingPathExtension().lastPathComponent, fallback: "imported", taken: &taken)
    }
}

/// Maps promptfoo assertions onto evalgate's, per test.
struct AssertionMapper {
    private var assertions: [JSONValue] = []
    private var expectedTools: [JSONValue] = []
    private var refusal = false
    /// Whether any check must match case exactly (promptfoo's `contains`, `equals`, …).
    private var caseSensitive = false
    /// Case-insensitive checks, written once the case's sensitivity is known.
    private var insensitive: [(type: String, values: [String], negated: Bool, extra: [String: JSONValue])] = []
    private(set) var notes: [String] = []

    mutating func add(_ node: SourceNode, path: String, skip: (SourceNode?, String, String) -> Void) {
        guard node.entries != nil, var type = node["type"]?.scalar?.text else {
            skip(node, path, "an assertion without a 'type' is not read")
            return
        }
        var negated = false
        if type.hasPrefix("not-") {
            negated = true
            type.removeFirst(4)
        }
        for entry in node.entries ?? [] where !["type", "value", "threshold", "weight", "metric"].contains(entry.key.text) {
            skip(entry.value, "\(path).\(entry.key.text)", "no evalgate counterpart")
        }
        let valueNode = node["value"]
        if let text = valueNode?.scalar?.text, text.hasPrefix("file://") || text.hasPrefix("python:") || text.hasPrefix("javascript:") {
            skip(valueNode, path, "a value read from \(text.prefix(40)) is not read")
            return
        }
        var extra: [String: JSONValue] = [:]
        if let weight = node["weight"]?.jsonValue.numberValue, weight != 1 { extra["weight"] = .number(weight) }
        if let metric = node["metric"]?.scalar?.text { extra["metric"] = .string(metric) }
        let value = valueNode?.jsonValue
        let strings: [String]? = value.flatMap { $0.stringValue.map { [$0] } ?? $0.arrayValue?.compactMap(\.stringValue) }
        let threshold = node["threshold"]?.jsonValue.numberValue
        func assertion(_ evalgateType: String, _ fields: [String: JSONValue] = [:]) {
            var object = fields.merging(extra) { first, _ in first }
            object["type"] = .string(evalgateType)
            if negated { object["not"] = true }
            assertions.append(.object(object))
        }
        func needsValue() -> Bool {
            if value == nil { skip(node, path, "'\(type)' without a value is not converted") }
            return value != nil
        }
        func unusedThreshold() {
            if threshold != nil { skip(node["threshold"], "\(path).threshold", "'\(type)' takes no threshold in evalgate") }
        }
        switch type {
        case "contains", "equals", "starts-with", "regex", "contains-any", "contains-all":
            guard needsValue(), let strings, !strings.isEmpty else { return }
            caseSensitive = true
            unusedThreshold()
            switch type {
            case "contains": assertion("contains", ["value": .string(strings[0])])
            case "equals": assertion("equals", ["value": .string(strings[0])])
            case "starts-with": assertion("starts_with", ["value": .string(strings[0])])
            case "regex": assertion("regex", ["value": .string(strings[0])])
            case "contains-any": assertion("contains_any", ["value": .array(strings.map(JSONValue.string))])
            default: assertion("contains_all", ["value": .array(strings.map(JSONValue.string))])
            }
        case "icontains", "icontains-any", "icontains-all":
            guard needsValue(), let strings, !strings.isEmpty else { return }
            unusedThreshold()
            insensitive.append((type, strings, negated, extra))
        case "is-json":
            unusedThreshold()
            if let value, case .object = value { assertion("json_schema", ["value": value]) } else { assertion("is_json") }
        case "contains-json":
            unusedThreshold()
            if let value, case .object = value { assertion("contains_json", ["value": value]) } else { assertion("contains_json") }
        case "levenshtein":
            guard needsValue(), let reference = strings?.first else { return }
            assertion("levenshtein", ["value": .string(reference), "threshold": .number((threshold ?? 5).rounded())])
        case "cost":
            guard let threshold else { return skip(node, path, "'cost' without a threshold is not converted") }
            assertion("cost_usd", ["value": .number(threshold)])
        case "latency":
            guard let threshold else { return skip(node, path, "'latency' without a threshold is not converted") }
            assertion("latency_ms", ["value": .number(threshold)])
        case "is-refusal":
            unusedThreshold()
            if negated || !extra.isEmpty { assertion("is_refusal") } else { refusal = true }
        case "llm-rubric":
            guard needsValue(), let rubric = strings?.first else { return }
            if threshold != nil { skip(node["threshold"], "\(path).threshold", "evalgate's judge gives pass or fail, not a score to threshold") }
            assertion("llm_rubric", ["value": .string(rubric)])
            note("llm_rubric needs a judge model: add a 'judge: {provider: …}' block to evalgate.yaml")
        case "similar":
            guard needsValue(), let reference = strings?.first else { return }
            assertion("similar", ["value": .string(reference), "threshold": .number(threshold ?? 0.75)])
            note("similar needs an embeddings endpoint: add an 'embeddings: {model: …, base_url: …}' block to evalgate.yaml")
        case "tool-call-f1":
            guard needsValue(), let names = strings, !names.isEmpty else { return }
            if negated { return skip(node, path, "a negated tool-call-f1 has no evalgate counterpart (use forbidden_tools by hand)") }
            if threshold != nil { skip(node["threshold"], "\(path).threshold", "evalgate scores tool calls by F1 into tool accuracy; a per-case F1 threshold is not converted") }
            expectedTools += names.map { ["name": .string($0)] }
        case "is-valid-openai-tools-call", "is-valid-openai-function-call", "is-valid-function-call":
            note("\(type): evalgate checks every tool call's arguments against tools.json (tools: in evalgate.yaml), so these need no assertion")
        default:
            skip(node["type"], path, "type '\(negated ? "not-" : "")\(type)' has no evalgate counterpart")
        }
    }

    private mutating func note(_ text: String) {
        if !notes.contains(text) { notes.append(text) }
    }

    /// The case's fields: `case_sensitive` when promptfoo's checks were, then the checks.
    func fields() -> [(String, JSONValue)] {
        var all = assertions
        for check in insensitive {
            func entry(_ type: String, _ value: JSONValue) -> JSONValue {
                var object = check.extra
                object["type"] = .string(type)
                object["value"] = value
                if check.negated { object["not"] = true }
                return .object(object)
            }
            if caseSensitive {
                // The case matches exactly; these match whatever the case, by an inline (?i).
                let escaped = check.values.map(Self.escapeRegex)
                switch check.type {
                case "icontains-all": all += escaped.map { entry("regex", .string("(?i)" + $0)) }
                default: all.append(entry("regex", .string("(?i)(?:" + escaped.joined(separator: "|") + ")")))
                }
            } else {
                switch check.type {
                case "icontains": all.append(entry("contains", .string(check.values[0])))
                case "icontains-any": all.append(entry("contains_any", .array(check.values.map(JSONValue.string))))
                default: all.append(entry("contains_all", .array(check.values.map(JSONValue.string))))
                }
            }
        }
        var fields: [(String, JSONValue)] = []
        if caseSensitive { fields.append(("case_sensitive", true)) }
        if refusal { fields.append(("expect_refusal", true)) }
        if !expectedTools.isEmpty { fields.append(("expected_tools", .array(expectedTools))) }
        if !all.isEmpty { fields.append(("assert", .array(all))) }
        return fields
    }

    static func escapeRegex(_ text: String) -> String {
        var out = ""
        for character in text {
            if "\\^$.|?*+()[]{}".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
