/// Reads a case's `assert:` list, checking every entry before anything runs.
enum AssertionLoader {
    static let keys = ["type", "value", "weight", "metric", "not", "threshold", "min", "max", "path", "equals", "contains"]

    /// Which model-graded assertions the config can serve.
    struct Graders {
        var judge = false
        var embeddings = false
    }

    static func decode(_ node: SourceNode?, graders: Graders = Graders(), log: inout DiagnosticLog) -> [Assertion] {
        guard let node else { return [] }
        guard let elements = node.elements else {
            log.error(node.location, "'assert' must be a list of {type, value, …}, found \(node.typeName)")
            return []
        }
        return elements.compactMap { decodeOne($0, graders: graders, log: &log) }
    }

    static func decodeOne(_ node: SourceNode, graders: Graders, log: inout DiagnosticLog) -> Assertion? {
        guard node.requireMapping("an assertion", log: &log) else { return nil }
        node.checkKeys(keys, in: "the assertion", log: &log)
        guard let type = node.requiredString("type", in: "the assertion", log: &log) else { return nil }
        let location = node["type"]?.location ?? node.location
        if type == "llm_rubric" && !graders.judge {
            log.error(location, "assertion 'llm_rubric' needs a judge model: add a 'judge: {provider: …}' block to the config")
            return nil
        }
        if type == "similar" && !graders.embeddings {
            log.error(location, "assertion 'similar' needs an embeddings endpoint: add an 'embeddings: {model: …, base_url: …}' block to the config")
            return nil
        }
        guard Assertion.types.contains(type) else {
            let hint = Spelling.closest(to: type, among: Assertion.types).map { "; did you mean '\($0)'?" } ?? " (known: \(Assertion.types.joined(separator: ", ")))"
            log.error(location, "unknown assertion type '\(type)'\(hint)")
            return nil
        }
        let weight = node.double("weight", in: 0...1000, log: &log) ?? 1
        let negated = node.bool("not", log: &log) ?? false
        let metric = node.string("metric", log: &log)
        func requiredValue() -> SourceNode? {
            if node["value"] == nil { log.error(node.location, "assertion '\(type)' needs 'value'") }
            return node["value"]
        }
        let kind: Assertion.Kind
        switch type {
        case "equals", "contains", "starts_with", "finish_reason":
            guard let text = requiredValue()?.asString(field: "value", log: &log) else { return nil }
            kind = type == "equals" ? .equals(text) : type == "contains" ? .contains(text) : type == "starts_with" ? .startsWith(text) : .finishReason(text)
        case "contains_any", "contains_all":
            guard requiredValue() != nil, let values = node.stringList("value", log: &log), !values.isEmpty else { return nil }
            kind = type == "contains_any" ? .containsAny(values) : .containsAll(values)
        case "regex":
            guard let valueNode = requiredValue(), let pattern = valueNode.asString(field: "value", log: &log) else { return nil }
            if let problem = RegexSafety.problem(in: pattern) {
                log.error(valueNode.location, "regex /\(pattern)/ \(problem)")
                return nil
            }
            do {
                kind = .regex(try CompiledRegex(pattern))
            } catch {
                log.error(valueNode.location, "invalid regex /\(pattern)/: \(error)")
                return nil
            }
        case "levenshtein":
            guard let text = requiredValue()?.asString(field: "value", log: &log) else { return nil }
            guard let threshold = node.int("threshold", in: 0...10_000, log: &log) else {
                if node["threshold"] == nil { log.error(node.location, "assertion 'levenshtein' needs 'threshold': the most edits allowed") }
                return nil
            }
            kind = .levenshtein(text, maximum: threshold)
        case "word_count":
            let minimum = node.int("min", in: 0...10_000_000, log: &log)
            let maximum = node.int("max", in: 0...10_000_000, log: &log)
            if minimum == nil && maximum == nil {
                log.error(node.location, "assertion 'word_count' needs 'min', 'max' or both")
                return nil
            }
            kind = .wordCount(minimum: minimum, maximum: maximum)
        case "max_length", "output_tokens":
            guard requiredValue() != nil, let value = node.int("value", in: 0...1_000_000_000, log: &log) else { return nil }
            kind = type == "max_length" ? .maxLength(value) : .outputTokens(value)
        case "latency_ms", "cost_usd":
            guard requiredValue() != nil, let value = node.double("value", in: 0...1_000_000_000, log: &log) else { return nil }
            kind = type == "latency_ms" ? .latencyMs(value) : .costUSD(value)
        case "json_schema":
            guard let valueNode = requiredValue() else { return nil }
            guard case .object = valueNode.jsonValue else {
                log.error(valueNode.location, "'value' of json_schema must be a JSON schema object, found \(valueNode.typeName)")
                return nil
            }
            kind = .jsonSchema(valueNode.jsonValue)
        case "json_path":
            guard let path = node.string("path", log: &log) ?? node.string("value", log: &log) else {
                log.error(node.location, "assertion 'json_path' needs 'path' (dotted, with array indexes)")
                return nil
            }
            let equals = node["equals"]?.jsonValue
            let contains = node.string("contains", log: &log)
            if equals == nil && contains == nil {
                log.error(node.location, "assertion 'json_path' needs 'equals' or 'contains'")
                return nil
            }
            kind = .jsonPath(path, equals: equals, contains: contains)
        case "llm_rubric":
            guard let rubric = requiredValue()?.asString(field: "value", log: &log) else { return nil }
            kind = .llmRubric(rubric)
        case "similar":
            guard let reference = requiredValue()?.asString(field: "value", log: &log) else { return nil }
            guard let threshold = node.double("threshold", in: -1...1, log: &log) else {
                if node["threshold"] == nil { log.error(node.location, "assertion 'similar' needs 'threshold': the least cosine similarity that passes") }
                return nil
            }
            kind = .similar(reference, threshold: threshold)
        case "is_json": kind = .isJSON
        case "contains_json":
            if let valueNode = node["value"] {
                guard case .object = valueNode.jsonValue else {
                    log.error(valueNode.location, "'value' of contains_json, when given, must be a JSON schema object, found \(valueNode.typeName)")
                    return nil
                }
                kind = .containsJSON(valueNode.jsonValue)
            } else {
                kind = .containsJSON(nil)
            }
        case "is_refusal": kind = .isRefusal
        case "no_pii": kind = .noPII
        default: kind = .noSystemPromptLeak
        }
        var material = node.jsonValue.objectValue ?? [:]
        material["metric"] = nil
        return Assertion(type: type, kind: kind, negated: negated, weight: weight, metric: metric, fingerprintMaterial: .object(material))
    }
}

/// Refuses the regex shapes that make a backtracking engine take exponential time — a quantified
/// group that itself ends in a quantifier, like `(a+)+` or `(\w*)*` — since Swift's engine has no
/// time limit and one such pattern on a long answer would hang the run.
enum RegexSafety {
    static func problem(in pattern: String) -> String? {
        let characters = Array(pattern)
        var groupHasQuantifier: [Bool] = []
        var index = 0
        var lastClosedGroupHadQuantifier = false
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "\\":
                index += 2
                lastClosedGroupHadQuantifier = false
                continue
            case "[":
                // A character class: its contents are characters, not quantifiers.
                index += 1
                while index < characters.count && characters[index] != "]" {
                    index += characters[index] == "\\" ? 2 : 1
                }
            case "(":
                groupHasQuantifier.append(false)
            case ")":
                lastClosedGroupHadQuantifier = groupHasQuantifier.popLast() ?? false
                index += 1
                if index < characters.count, "*+{".contains(characters[index]), lastClosedGroupHadQuantifier {
                    return "nests a quantifier inside a quantified group, which can backtrack catastrophically; rewrite it (for example (ab)+ instead of (a+b?)+)"
                }
                continue
            case "*", "+", "{", "?":
                if character != "?" || (index > 0 && characters[index - 1] != "(") {
                    if character != "?", !groupHasQuantifier.isEmpty { groupHasQuantifier[groupHasQuantifier.count - 1] = true }
                }
            default:
                break
            }
            index += 1
        }
        return nil
    }
}
