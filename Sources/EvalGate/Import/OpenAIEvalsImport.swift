import Foundation

/// `evalgate import openai-evals samples.jsonl`: converts OpenAI evals' samples,
/// `{"input": [messages] or "text", "ideal": "answer" or ["answers"]}`, into one suite. By default
/// an answer must contain an ideal (the `Includes` eval); `--match` picks `equals` (`Match`,
/// exactly) or `starts` (the answer begins with an ideal).
public struct OpenAIEvalsImport: Sendable {
    public enum Match: String, Sendable, CaseIterable {
        case includes, equals, starts
    }

    public var file: URL
    public var display: String
    public var kind: SuiteKind
    public var match: Match

    public init(file: URL, display: String, kind: SuiteKind = .golden, match: Match = .includes) {
        self.file = file
        self.display = display
        self.kind = kind
        self.match = match
    }

    public func convert() throws(EvalGateError) -> ImportedSuite {
        let text: String
        do {
            text = try SourceFile.read(file, displayPath: display)
        } catch {
            throw .invalidInput(error)
        }
        var suite = ImportedSuite(name: PromptfooImport.suiteName(file))
        suite.kind = kind
        var taken = Set<String>()
        var log = DiagnosticLog()
        JSONSource.forEachLine(text, file: display, log: &log) { sample, _ in
            let number = sample.location.line
            let path = "the sample on line \(number)"
            func skip(_ node: SourceNode?, _ what: String, _ why: String) {
                suite.skipped.append(.init(location: node?.location ?? sample.location, what: what, why: why))
            }
            guard sample.entries != nil else { return skip(sample, path, "a sample is an object, found \(sample.typeName)") }
            for entry in sample.entries ?? [] where !["input", "ideal"].contains(entry.key.text) {
                skip(entry.value, "\(path).\(entry.key.text)", "no evalgate counterpart")
            }
            var converted = ImportedSuite.Case(id: ImportedSuite.identifier(nil, fallback: "sample-\(number)", taken: &taken))
            switch sample["input"] {
            case .scalar(let scalar)? where scalar.kind == .string && !scalar.text.isEmpty:
                converted.fields.append(("prompt", .string(scalar.text)))
            case .sequence(let elements, _)?:
                var messages: [JSONValue] = []
                for (index, element) in elements.enumerated() {
                    guard let role = element["role"]?.scalar?.text, ChatMessage.roles.contains(role), let content = element["content"]?.scalar?.text else {
                        return skip(element, "\(path).input[\(index)]", "a message is {role: system, user or assistant, content: text}")
                    }
                    messages.append(["role": .string(role), "content": .string(content)])
                }
                guard messages.last?["role"] == "user" else { return skip(sample["input"], "\(path).input", "the last message must be the user's") }
                converted.fields.append(("messages", .array(messages)))
            default:
                return skip(sample["input"] ?? sample, "\(path).input", "'input' must be a prompt or a list of messages")
            }
            let ideals: [String]
            switch sample["ideal"] {
            case .scalar(let scalar)? where scalar.kind != .null: ideals = [scalar.text]
            case .sequence(let elements, _)?: ideals = elements.compactMap { $0.scalar?.text }
            default: ideals = []
            }
            guard !ideals.isEmpty, !ideals.contains("") else { return skip(sample["ideal"] ?? sample, "\(path).ideal", "no ideal answer to check against") }
            converted.fields.append(("case_sensitive", true))
            let type: String
            switch match {
            case .includes: type = ideals.count == 1 ? "contains" : "contains_any"
            case .equals, .starts:
                if ideals.count > 1 {
                    let escaped = ideals.map(AssertionMapper.escapeRegex).joined(separator: "|")
                    let pattern = match == .equals ? "^(?:\(escaped))$" : "^(?:\(escaped))"
                    converted.fields.append(("assert", [["type": "regex", "value": .string(pattern)]]))
                    suite.cases.append(converted)
                    return
                }
                type = match == .equals ? "equals" : "starts_with"
            }
            let value: JSONValue = type == "contains_any" ? .array(ideals.map(JSONValue.string)) : .string(ideals[0])
            converted.fields.append(("assert", [["type": .string(type), "value": value]]))
            suite.cases.append(converted)
        }
        // A line that is not JSON is reported with the rest, not a reason to stop.
        for diagnostic in log.sorted { suite.skipped.append(.init(location: diagnostic.location, what: "a line", why: diagnostic.message)) }
        if suite.cases.isEmpty {
            throw .invalidInput(ValidationError(SourceLocation(file: display, line: 1, column: 1), "no sample in \(display) could be converted" + (suite.skipped.isEmpty ? " (the file is empty)" : ":\n" + suite.skipped.map(\.description).joined(separator: "\n"))))
        }
        return suite
    }
}
