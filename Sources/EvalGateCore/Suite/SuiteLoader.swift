import Foundation

/// Finds suite files, parses them (YAML, JSON, JSONL) and validates every case before anything runs.
public enum SuiteLoader {
    static let suiteKeys = ["suite", "kind", "description", "defaults", "cases"]
    static let caseKeys = [
        "id", "prompt", "messages", "vars", "expected_contains", "forbidden_contains", "tags", "case_sensitive",
        "description", "expected_tools", "tools_in_order", "forbidden_tools", "expect_refusal", "repeat", "assert", "weight",
    ]
    static let defaultsKeys = ["vars", "expected_contains", "forbidden_contains", "tags", "case_sensitive", "forbidden_tools", "expect_refusal", "assert"]
    static let expectedToolKeys = ["name", "arguments", "exact"]
    static let messageKeys = ["role", "content"]
    static let suiteExtensions: Set<String> = ["yaml", "yml", "json", "jsonl"]

    /// Loads every suite under `paths` (files, or folders searched recursively in name order),
    /// checking that `{{vars.NAME}}` used by the prompt settings is defined for each case.
    ///
    /// With `byLine`, a JSONL file of at least `CaseLines.threshold` bytes keeps its cases as
    /// where their lines lie (`Suite.lines`), holding only those `byLine` selects, and they are read
    /// again as they run; `Plan` applies the same filter to the cases that are held.
    ///
    /// - Throws: `ValidationError` with every problem in every file.
    public static func load(
        _ paths: [PathReference],
        prompt: PromptSettings? = nil,
        toolNames: [String]? = nil,
        graders: (judge: Bool, embeddings: Bool) = (false, false),
        workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        byLine: PlanFilter? = nil
    ) throws(ValidationError) -> [Suite] {
        var log = DiagnosticLog()
        var files: [(url: URL, reference: PathReference)] = []
        for reference in paths {
            files += suiteFiles(at: reference, log: &log).map { ($0, reference) }
        }
        var suites: [Suite] = []
        var suiteFiles: [String: String] = [:]
        let promptVariables = promptVariableNames(prompt)
        let graders = AssertionLoader.Graders(judge: graders.judge, embeddings: graders.embeddings)
        for (url, reference) in files {
            let display = DisplayPath.relative(url, to: workingDirectory)
            let kind = defaultKind(for: url, namedBy: reference)
            guard let suite = loadFile(url, display: display, defaultKind: kind, promptVariables: promptVariables, toolNames: toolNames, graders: graders, byLine: byLine, log: &log) else { continue }
            if let first = suiteFiles[suite.name] {
                log.error(SourceLocation(file: display, line: 1, column: 1), "suite '\(suite.name)' is already defined in \(first); suite names must be unique")
                continue
            }
            suiteFiles[suite.name] = display
            suites.append(suite)
        }
        if suites.isEmpty && log.isEmpty, let first = paths.first {
            log.error(first.location, "no suite files (.yaml, .yml, .json, .jsonl) found under '\(paths.map(\.display).joined(separator: "', '"))'")
        }
        try log.throwIfAny()
        return suites
    }

    /// The variables the system prompt and template use, with where they are used (for messages).
    private static func promptVariableNames(_ prompt: PromptSettings?) -> [(name: String, usedIn: String)] {
        guard let prompt else { return [] }
        var names: [(String, String)] = []
        if let system = prompt.system, let template = try? PromptTemplate(system) {
            names += template.variableNames.map { ($0, "the system prompt") }
        }
        if let template = try? PromptTemplate(prompt.template) {
            names += template.variableNames.map { ($0, "the prompt template") }
        }
        return names
    }

    private static func suiteFiles(at reference: PathReference, log: inout DiagnosticLog) -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: reference.url.path, isDirectory: &isDirectory) else {
            log.error(reference.location, "suite path '\(reference.display)' does not exist")
            return []
        }
        guard isDirectory.boolValue else {
            if !suiteExtensions.contains(reference.url.pathExtension.lowercased()) {
                log.error(reference.location, "'\(reference.display)' is not a suite file: use .yaml, .yml, .json or .jsonl")
                return []
            }
            return [reference.url]
        }
        guard let enumerator = FileManager.default.enumerator(
            at: reference.url, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { return [] }
        var found: [URL] = []
        for case let url as URL in enumerator where suiteExtensions.contains(url.pathExtension.lowercased()) {
            found.append(url.standardizedFileURL)
        }
        return found.sorted { $0.path < $1.path }
    }

    /// JSONL suites are named after the file and are adversarial when they sit in a folder named
    /// `adversarial`; YAML and JSON suites default the same way unless they say `suite:`/`kind:`.
    /// Only the folders of the suite path as the config writes it, and those below it, count, not
    /// where the project happens to live.
    static func defaultKind(for url: URL, namedBy reference: PathReference) -> SuiteKind {
        var folders = reference.display.split(separator: "/").map(String.init)
        if url.standardizedFileURL.path == reference.url.standardizedFileURL.path {
            folders.removeLast()  // the file itself
        } else {
            let below = DisplayPath.relative(url.deletingLastPathComponent(), to: reference.url)
            folders += below.split(separator: "/").map(String.init)
        }
        return folders.contains("adversarial") ? .adversarial : .golden
    }

    static func loadFile(_ url: URL, display: String, defaultKind: SuiteKind, promptVariables: [(name: String, usedIn: String)], toolNames: [String]?, graders: AssertionLoader.Graders, byLine: PlanFilter? = nil, log: inout DiagnosticLog) -> Suite? {
        if let filter = byLine, url.pathExtension.lowercased() == "jsonl",
            SourceFile.size(of: url) >= CaseLines.threshold
        {
            let decoding = CaseLines.Decoding(
                suite: url.deletingPathExtension().lastPathComponent, kind: defaultKind, promptVariables: promptVariables, toolNames: toolNames, graders: graders)
            return loadJSONLinesByLine(url, display: display, decoding: decoding, filter: filter, log: &log)
        }
        let text: String
        do {
            text = try SourceFile.read(url, displayPath: display)
        } catch {
            log.append(contentsOf: error.diagnostics)
            return nil
        }
        let fileName = url.deletingPathExtension().lastPathComponent
        if url.pathExtension.lowercased() == "jsonl" {
            return loadJSONLines(text, display: display, name: fileName, kind: defaultKind, promptVariables: promptVariables, toolNames: toolNames, graders: graders, log: &log)
        }
        let root: SourceNode
        do {
            root = try SourceFile.parseDocument(text, file: display)
        } catch {
            log.append(contentsOf: error.diagnostics)
            return nil
        }
        guard root.requireMapping("a suite file", log: &log) else { return nil }
        root.checkKeys(suiteKeys, in: "the suite", log: &log)
        let name = root["suite"] == nil ? fileName : root.requiredString("suite", in: "the suite", log: &log)
        if let name, !isValidName(name) {
            log.error(root["suite"]?.location ?? root.location, "suite name '\(name)' may use only letters, digits, '.', '-' and '_'")
        }
        var kind = defaultKind
        if let kindNode = root["kind"], let kindName = kindNode.asString(field: "kind", log: &log) {
            if let parsed = SuiteKind(rawValue: kindName) {
                kind = parsed
            } else {
                log.error(kindNode.location, "'kind' must be 'golden' or 'adversarial', found '\(kindName)'")
            }
        }
        let description = root.string("description", log: &log)
        let defaults = decodeDefaults(root["defaults"], graders: graders, log: &log)
        guard let casesNode = root["cases"] else {
            log.error(root.location, "the suite has no 'cases'")
            return nil
        }
        guard let elements = casesNode.elements else {
            log.error(casesNode.location, "'cases' must be a list, found \(casesNode.typeName)")
            return nil
        }
        if elements.isEmpty {
            log.error(casesNode.location, "the suite is empty: 'cases' lists no case")
            return nil
        }
        guard let name else { return nil }
        var cases: [EvalCase] = []
        var ids: [String: SourceLocation] = [:]
        for element in elements {
            guard let evalCase = decodeCase(element, suite: name, kind: kind, defaults: defaults, promptVariables: promptVariables, toolNames: toolNames, graders: graders, log: &log) else { continue }
            if let first = ids[evalCase.id] {
                log.error(evalCase.location, "duplicate case id '\(evalCase.id)' in suite '\(name)' (first at line \(first.line))")
                continue
            }
            ids[evalCase.id] = evalCase.location
            cases.append(evalCase)
        }
        return Suite(name: name, kind: kind, file: display, description: description, cases: cases)
    }

    static func loadJSONLines(_ text: String, display: String, name: String, kind: SuiteKind, promptVariables: [(name: String, usedIn: String)], toolNames: [String]?, graders: AssertionLoader.Graders, log: inout DiagnosticLog) -> Suite? {
        if !isValidName(name) {
            log.error(SourceLocation(file: display, line: 1, column: 1), "the file name makes suite name '\(name)', which may use only letters, digits, '.', '-' and '_'")
            return nil
        }
        // The lines are parsed in parts side by side (parsing is most of loading a large suite),
        // each case put in the slot of its line in one array with room for every line, and the
        // slots then closed up in line order: one allocation, never grown (by doubling, 100,000
        // cases took a third more than they hold) and never copied.
        let lines = JSONSource.lineCount(text)
        let parts = JSONSource.lineChunks(text, count: lines < 2_000 ? 1 : max(2, ProcessInfo.processInfo.activeProcessorCount))
        let outcomes = PartOutcomes<Int>(count: parts.count)
        let cases = [EvalCase](unsafeUninitializedCapacity: lines) { buffer, initialized in
            let slots = CaseSlots(buffer: buffer)
            DispatchQueue.concurrentPerform(iterations: parts.count) { index in
                var partLog = DiagnosticLog()
                var filled: [Int] = []
                JSONSource.forEachLine(text, part: parts[index], file: display, log: &partLog) { node, line, log in
                    guard let evalCase = decodeCase(node, suite: name, kind: kind, defaults: CaseDefaults(), promptVariables: promptVariables, toolNames: toolNames, graders: graders, log: &log) else { return }
                    slots.initialize(line - 1, to: evalCase)
                    filled.append(line - 1)
                }
                outcomes.set(index, found: filled, log: partLog)
            }
            var count = 0
            for index in parts.indices {
                for slot in outcomes.found(index) {
                    if slot != count { slots.move(slot, to: count) }
                    count += 1
                }
            }
            initialized = count
        }
        for index in parts.indices { log.append(contentsOf: outcomes.log(index).diagnostics) }
        var ids: [String: Int] = [:]
        ids.reserveCapacity(cases.count)
        for index in cases.indices {
            if let first = ids[cases[index].id] {
                log.error(cases[index].location, "duplicate case id '\(cases[index].id)' in suite '\(name)' (first at line \(first))")
            } else {
                ids[cases[index].id] = cases[index].location.line
            }
        }
        if cases.isEmpty && log.diagnostics.allSatisfy({ $0.location.file != display }) {
            log.error(SourceLocation(file: display, line: 1, column: 1), "the suite is empty: the file holds no case")
            return nil
        }
        return Suite(name: name, kind: kind, file: display, description: nil, cases: cases)
    }

    /// What a suite's `defaults` adds to each of its cases.
    struct CaseDefaults {
        var vars: [String: String] = [:]
        var expectedContains: [String] = []
        var forbiddenContains: [String] = []
        var tags: [String] = []
        var caseSensitive: Bool?
        var forbiddenTools: [String] = []
        var expectRefusal: Bool?
        var assertions: [Assertion] = []
    }

    static func decodeDefaults(_ node: SourceNode?, graders: AssertionLoader.Graders = AssertionLoader.Graders(), log: inout DiagnosticLog) -> CaseDefaults {
        var defaults = CaseDefaults()
        guard let node, node.requireMapping("'defaults'", log: &log) else { return defaults }
        node.checkKeys(defaultsKeys, in: "defaults", log: &log)
        defaults.vars = node.stringMap("vars", log: &log) ?? [:]
        defaults.expectedContains = node.stringList("expected_contains", log: &log) ?? []
        defaults.forbiddenContains = node.stringList("forbidden_contains", log: &log) ?? []
        defaults.tags = node.stringList("tags", log: &log) ?? []
        defaults.caseSensitive = node.bool("case_sensitive", log: &log)
        defaults.forbiddenTools = node.stringList("forbidden_tools", log: &log) ?? []
        defaults.expectRefusal = node.bool("expect_refusal", log: &log)
        defaults.assertions = AssertionLoader.decode(node["assert"], graders: graders, log: &log)
        return defaults
    }

    static func decodeCase(
        _ node: SourceNode, suite: String, kind: SuiteKind, defaults: CaseDefaults,
        promptVariables: [(name: String, usedIn: String)], toolNames: [String]? = nil,
        graders: AssertionLoader.Graders = AssertionLoader.Graders(), log: inout DiagnosticLog
    ) -> EvalCase? {
        guard node.requireMapping("a case", log: &log) else { return nil }
        let before = log.diagnostics.count
        node.checkKeys(caseKeys, in: "the case", log: &log)
        let id = node.requiredString("id", in: "the case", log: &log)
        if let id, !isValidName(id) {
            log.error(node["id"]?.location ?? node.location, "case id '\(id)' may use only letters, digits, '.', '-' and '_'")
        }
        let what = id.map { "case '\($0)'" } ?? "the case"
        var input: CaseInput?
        switch (node["prompt"], node["messages"]) {
        case (nil, nil):
            log.error(node.location, "\(what) needs 'prompt' or 'messages'")
        case (.some, .some):
            log.error(node["messages"]?.location ?? node.location, "\(what) has both 'prompt' and 'messages'; give one")
        case (.some(let promptNode), nil):
            if let text = promptNode.asString(field: "prompt", log: &log) {
                if text.isEmpty { log.error(promptNode.location, "'prompt' must not be empty") }
                input = .prompt(text)
            }
        case (nil, .some(let messagesNode)):
            input = decodeMessages(messagesNode, log: &log).map(CaseInput.messages)
        }
        var vars = defaults.vars
        for (key, value) in node.stringMap("vars", log: &log) ?? [:] { vars[key] = value }
        let ownExpected = node.stringList("expected_contains", log: &log) ?? []
        let ownForbidden = node.stringList("forbidden_contains", log: &log) ?? []
        for (list, values) in [("expected_contains", ownExpected), ("forbidden_contains", ownForbidden)] where values.contains("") {
            log.error(node[list]?.location ?? node.location, "'\(list)' holds an empty string, which every answer contains")
        }
        let expected = defaults.expectedContains + ownExpected
        let forbidden = defaults.forbiddenContains + ownForbidden
        var tags = defaults.tags
        for tag in node.stringList("tags", log: &log) ?? [] where !tags.contains(tag) { tags.append(tag) }
        let caseSensitive = node.bool("case_sensitive", log: &log) ?? defaults.caseSensitive ?? false
        let description = node.string("description", log: &log)
        let expectedTools = decodeExpectedTools(node["expected_tools"], log: &log)
        let toolsInOrder = node.bool("tools_in_order", log: &log) ?? false
        let expectRefusal = node.bool("expect_refusal", log: &log) ?? defaults.expectRefusal ?? false
        let repeatCount = node.int("repeat", in: 1...1000, log: &log)
        let weight = node.double("weight", in: 0...1000, log: &log) ?? 1
        let assertions = defaults.assertions + AssertionLoader.decode(node["assert"], graders: graders, log: &log)
        let forbiddenTools = defaults.forbiddenTools + (node.stringList("forbidden_tools", log: &log) ?? [])
        if let known = toolNames {
            for name in expectedTools.map(\.name) + forbiddenTools where !known.contains(name) {
                let hint = Spelling.closest(to: name, among: known).map { "; did you mean '\($0)'?" } ?? " (pinned tools: \(known.joined(separator: ", ")))"
                log.error(node.location, "\(what): tool '\(name)' is not in the pinned tools file\(hint)")
            }
        }

        if let input {
            checkVariables(input, vars: vars, promptVariables: promptVariables, what: what, at: node.location, log: &log)
        }
        guard log.diagnostics.count == before, let id, let input else { return nil }
        var evalCase = EvalCase(
            id: id, suite: suite, kind: kind, input: input, vars: vars, expectedContains: expected,
            forbiddenContains: forbidden, tags: tags, caseSensitive: caseSensitive, description: description,
            location: node.location, fingerprint: ""
        )
        evalCase.expectedTools = expectedTools
        evalCase.toolsInOrder = toolsInOrder
        evalCase.forbiddenTools = forbiddenTools
        evalCase.expectRefusal = expectRefusal
        evalCase.repeatCount = repeatCount
        evalCase.assertions = assertions
        evalCase.weight = weight
        evalCase.fingerprint = SHA256.hex(evalCase.fingerprintText)
        return evalCase
    }

    /// `expected_tools`: each a tool name, or `{name, arguments, exact}`.
    static func decodeExpectedTools(_ node: SourceNode?, log: inout DiagnosticLog) -> [ExpectedToolCall] {
        guard let node else { return [] }
        guard let elements = node.elements else {
            log.error(node.location, "'expected_tools' must be a list of tool names or {name, arguments, exact}, found \(node.typeName)")
            return []
        }
        var calls: [ExpectedToolCall] = []
        for element in elements {
            if let scalar = element.scalar, scalar.kind == .string {
                calls.append(ExpectedToolCall(name: scalar.text))
                continue
            }
            guard element.requireMapping("an expected tool call", log: &log) else { continue }
            element.checkKeys(expectedToolKeys, in: "the expected tool call", log: &log)
            guard let name = element.requiredString("name", in: "the expected tool call", log: &log) else { continue }
            var arguments: [String: JSONValue] = [:]
            if let argumentsNode = element["arguments"] {
                guard case .object(let members) = argumentsNode.jsonValue else {
                    log.error(argumentsNode.location, "'arguments' must be a mapping of argument names to values, found \(argumentsNode.typeName)")
                    continue
                }
                arguments = members
            }
            calls.append(ExpectedToolCall(name: name, arguments: arguments, exact: element.bool("exact", log: &log) ?? false))
        }
        return calls
    }

    static func decodeMessages(_ node: SourceNode, log: inout DiagnosticLog) -> [ChatMessage]? {
        guard let elements = node.elements else {
            log.error(node.location, "'messages' must be a list of {role, content}, found \(node.typeName)")
            return nil
        }
        if elements.isEmpty {
            log.error(node.location, "'messages' is empty")
            return nil
        }
        var messages: [ChatMessage] = []
        for element in elements {
            guard element.requireMapping("a message", log: &log) else { continue }
            element.checkKeys(messageKeys, in: "the message", log: &log)
            guard let role = element.requiredString("role", in: "the message", log: &log),
                let content = element["content"] == nil
                    ? element.requiredString("content", in: "the message", log: &log)
                    : element["content"]?.asString(field: "content", log: &log)
            else { continue }
            if !ChatMessage.roles.contains(role) {
                log.error(element["role"]?.location ?? element.location, "message role must be one of \(ChatMessage.roles.joined(separator: ", ")), found '\(role)'")
                continue
            }
            messages.append(ChatMessage(role: role, content: content))
        }
        if let last = messages.last, last.role != "user" {
            log.error(node.location, "the last message must be the user's, found '\(last.role)'")
        }
        return messages
    }

    /// Every `{{vars.NAME}}` in the case, the system prompt and the template must be defined.
    static func checkVariables(
        _ input: CaseInput, vars: [String: String], promptVariables: [(name: String, usedIn: String)],
        what: String, at location: SourceLocation, log: inout DiagnosticLog
    ) {
        var texts: [(String, String)] = []
        switch input {
        case .prompt(let text): texts.append((text, "its prompt"))
        case .messages(let messages): texts += messages.map { ($0.content, "its messages") }
        }
        var missing: [(String, String)] = promptVariables.filter { vars[$0.name] == nil }.map { ($0.name, $0.usedIn) }
        for (text, usedIn) in texts {
            do {
                let template = try PromptTemplate(text)
                for name in template.placeholders {
                    if name.hasPrefix("vars.") {
                        let variable = String(name.dropFirst(5))
                        if vars[variable] == nil { missing.append((variable, usedIn)) }
                    } else {
                        log.error(location, "\(what): unknown placeholder '{{\(name)}}' in \(usedIn); use {{vars.NAME}}")
                    }
                }
            } catch {
                log.error(location, "\(what): \(usedIn): \(error.message)")
            }
        }
        var reported: Set<String> = []
        for (variable, usedIn) in missing where reported.insert(variable).inserted {
            log.error(location, "\(what): \(usedIn) uses {{vars.\(variable)}}, which is not defined in the case's 'vars' or the suite's 'defaults'")
        }
    }

    /// Suite names and case ids: letters, digits, `.`, `-`, `_`.
    static func isValidName(_ name: String) -> Bool {
        // By bytes: every allowed character is ASCII (counting characters and asking each scalar
        // for its Unicode properties was a tenth of decoding a case).
        let utf8 = name.utf8
        return !utf8.isEmpty && utf8.count <= 200
            && utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                    true
                default:
                    false
                }
            }
    }
}

/// Paths as a person wants to read them: relative to the current folder when under it.
public enum DisplayPath {
    public static func relative(_ url: URL, to base: URL) -> String {
        let path = url.standardizedFileURL.path
        var basePath = base.standardizedFileURL.path
        if path == basePath { return "." }
        if !basePath.hasSuffix("/") { basePath += "/" }
        return path.hasPrefix(basePath) ? String(path.dropFirst(basePath.count)) : path
    }
}

/// The array slots that the parts of a JSONL suite fill side by side: each part writes only the
/// slots of its own lines.
private struct CaseSlots: @unchecked Sendable {
    // @unchecked: every slot is written by one part only, and read after all parts are done.
    let buffer: UnsafeMutableBufferPointer<EvalCase>

    func initialize(_ slot: Int, to evalCase: EvalCase) {
        (buffer.baseAddress! + slot).initialize(to: evalCase)
    }

    func move(_ slot: Int, to target: Int) {
        (buffer.baseAddress! + target).moveInitialize(from: buffer.baseAddress! + slot, count: 1)
    }
}

/// What each part of a JSONL suite (or of a block of one) found, in line order, and its errors.
final class PartOutcomes<Found>: @unchecked Sendable {
    // @unchecked: part i writes entry i only, through the pointer (no exclusive access to a
    // shared property), before any entry is read.
    private let entries: UnsafeMutablePointer<(found: [Found], log: DiagnosticLog)>
    private let count: Int

    init(count: Int) {
        self.count = count
        entries = .allocate(capacity: count)
        entries.initialize(repeating: ([], DiagnosticLog()), count: count)
    }

    deinit {
        entries.deinitialize(count: count)
        entries.deallocate()
    }

    func set(_ index: Int, found: [Found], log: DiagnosticLog) {
        entries[index] = (found, log)
    }

    func found(_ index: Int) -> [Found] { entries[index].found }
    func log(_ index: Int) -> DiagnosticLog { entries[index].log }
}
