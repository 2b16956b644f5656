import Foundation

/// Reads, overrides, validates and fingerprints `evalgate.yaml`.
public enum ConfigLoader {
    static let topKeys = [
        "version", "provider", "prompt", "tools", "pricing", "context_window", "run", "suites", "store",
        "baseline", "gate", "reports", "judge", "embeddings", "refusal_phrases",
    ]
    static let promptKeys = ["system", "template"]
    static let runKeys = ["concurrency", "repeat", "timeout", "connect_timeout", "retries", "backoff", "rpm", "tpm", "max_response_mb", "budget"]
    static let baselineKeys = ["file", "name"]
    static let gateKeys = ["max_usefulness_drop", "max_safety_drop", "max_tool_accuracy_drop", "min_usefulness", "min_safety", "max_error_rate", "alpha", "fail_on_drift", "max_cost_rise", "max_latency_p95_rise"]
    static let reportsKeys = ["dir", "formats", "paths"]
    static let priceKeys = ["input_per_mtok", "output_per_mtok"]
    static let embeddingsKeys = ["base_url", "model", "api_key_env"]

    /// Loads the config at `path` (relative to `workingDirectory`), applies `overrides`, reads the
    /// prompt, tools and recording files it names, and computes the fingerprint.
    ///
    /// - Throws: `ValidationError` with every problem found, each at its file, line and column.
    public static func load(
        path: String,
        overrides: ConfigOverrides = ConfigOverrides(),
        workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ValidationError) -> EvalConfig {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : workingDirectory.appendingPathComponent(path)
        let text = try SourceFile.read(url, displayPath: path)
        let parsed = try SourceFile.parseDocument(text, file: path)
        let root = overrides.apply(to: parsed, workingDirectory: workingDirectory)
        var log = DiagnosticLog()
        guard root.requireMapping("the config", log: &log) else { throw ValidationError(log.diagnostics) }
        root.checkKeys(topKeys, in: "the config", log: &log)
        if let version = root["version"], version.scalar?.text != "1" {
            log.error(version.location, "unsupported config version \(version.describedValue); this evalgate reads version 1")
        }
        let directory = url.deletingLastPathComponent()
        let context = Context(directory: directory, configPath: path)

        let provider = decodeProvider(root, context: context, environment: environment, log: &log)
        let prompt = decodePrompt(root, context: context, log: &log)
        let tools = decodeTools(root, context: context, log: &log)
        let pricing = decodePricing(root, log: &log)
        let contextWindow = root.int("context_window", in: 1...100_000_000, log: &log)
        let run = decodeRun(root, log: &log)
        let suites = decodeSuites(root, context: context, log: &log)
        let store = context.path(root["store"], default: ".evalgate/runs.sqlite", field: "store", log: &log)
        let baseline = decodeBaseline(root, context: context, log: &log)
        let gate = decodeGate(root, log: &log)
        let reports = decodeReports(root, context: context, log: &log)
        var judge: DecodedProvider?
        if let judgeNode = root["judge"], judgeNode.requireMapping("'judge'", log: &log) {
            judgeNode.checkKeys(["provider"], in: "judge", log: &log)
            if let providerNode = judgeNode["provider"] {
                judge = decodeProvider(node: providerNode, context: context, environment: environment, log: &log)
            } else {
                log.error(judgeNode.location, "'judge' needs 'provider': the judge model, configured like the main provider")
            }
        }
        var refusalPhrases: [String]?
        if let list = root.stringList("refusal_phrases", log: &log) {
            refusalPhrases = list.map { $0.lowercased().replacingOccurrences(of: "\u{2019}", with: "'") }.filter { !$0.isEmpty }
            if refusalPhrases?.isEmpty == true { log.error(root["refusal_phrases"]?.location ?? root.location, "'refusal_phrases' lists no phrase") }
        }
        var embeddings: EmbeddingSettings?
        if let node = root["embeddings"], node.requireMapping("'embeddings'", log: &log) {
            node.checkKeys(embeddingsKeys, in: "embeddings", log: &log)
            let model = node.requiredString("model", in: "'embeddings'", log: &log)
            let base = baseURL(node, log: &log, fallback: environment["OPENAI_BASE_URL"] ?? "https://api.openai.com/v1")
            let variable = variableName(node, log: &log) ?? "OPENAI_API_KEY"
            if let model, let base { embeddings = EmbeddingSettings(baseURL: base, model: model, apiKeyVariable: variable, location: node.location) }
        }

        if let cap = run.budget, cap.maximumUSD != nil, let model = provider?.settings.model, pricing[model] == nil {
            log.error(
                root["run"]?["budget"]?.location ?? root.location,
                "run.budget.max_usd needs a price for model '\(model)' in 'pricing'; without one no cost is known and the cap could not hold")
        }
        if let type = provider?.settings.type, let limit = OpenFiles.limit {
            // Each request in flight holds a connection, or an exec command's three pipes: past
            // the limit, connections fail, and libdispatch's thread monitor kills the process.
            let perRequest = type == .replay ? 0 : type == .exec ? 3 : 1
            let needed = run.concurrency * perRequest + OpenFiles.reserve
            if perRequest > 0 && needed > limit {
                log.error(
                    root["run"]?["concurrency"]?.location ?? root.location,
                    "run.concurrency \(run.concurrency) needs about \(needed) open files\(type == .exec ? " (three pipes a command)" : ""), and this process may open \(limit) (`ulimit -n`); lower it or raise the limit")
            }
        }
        try log.throwIfAny()
        guard let provider, let prompt, let store, let baseline, let reports else {
            throw ValidationError(log.diagnostics)
        }
        var material = fingerprintMaterial(provider: provider, prompt: prompt, tools: tools)
        // A judge or embedding model changes the verdicts: it is part of what is pinned.
        if case .object(var members) = material {
            if let judge { members["judge"] = providerMaterial(judge) }
            if let embeddings { members["embeddings"] = ["base_url": .string(redactedURL(embeddings.baseURL)), "model": .string(embeddings.model)] }
            if let refusalPhrases { members["refusal_phrases"] = .array(refusalPhrases.map(JSONValue.string)) }
            material = .object(members)
        }
        var config = EvalConfig(
            path: path, directory: directory, provider: provider.settings, prompt: prompt, tools: tools,
            pricing: pricing, contextWindow: contextWindow, run: run, suites: suites, store: store,
            baseline: baseline, gate: gate, reports: reports,
            fingerprint: SHA256.hex(material.canonicalText), fingerprintMaterial: material
        )
        config.judge = judge?.settings
        config.embeddings = embeddings
        config.refusalPhrases = refusalPhrases
        return config
    }

    /// Resolves paths written in the config against its folder.
    struct Context {
        var directory: URL
        var configPath: String

        func resolve(_ text: String, location: SourceLocation) -> PathReference {
            let url = text.hasPrefix("/") ? URL(fileURLWithPath: text) : directory.appendingPathComponent(text)
            return PathReference(display: text, url: url.standardizedFileURL, location: location)
        }

        func path(_ node: SourceNode?, default fallback: String, field: String, log: inout DiagnosticLog) -> PathReference? {
            guard let node else {
                return resolve(fallback, location: SourceLocation(file: configPath, line: 1, column: 1))
            }
            guard let text = node.asString(field: field, log: &log) else { return nil }
            if text.isEmpty {
                log.error(node.location, "'\(field)' must not be empty")
                return nil
            }
            return resolve(text, location: node.location)
        }
    }

    /// The provider settings plus the recording's digest, which the fingerprint needs.
    struct DecodedProvider {
        var settings: ProviderSettings
        var recordingDigest: String?
    }

    static func decodeProvider(_ root: SourceNode, context: Context, environment: [String: String], log: inout DiagnosticLog) -> DecodedProvider? {
        guard let node = root["provider"] else {
            log.error(root.location, "the config is missing required field 'provider'")
            return nil
        }
        return decodeProvider(node: node, context: context, environment: environment, log: &log)
    }

    /// A provider block: the config's `provider`, or the judge's.
    static func decodeProvider(node: SourceNode, context: Context, environment: [String: String], log: inout DiagnosticLog) -> DecodedProvider? {
        guard node.requireMapping("'provider'", log: &log) else { return nil }
        let allKeys = ProviderType.commonKeys + ProviderType.allCases.flatMap(\.ownKeys).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        node.checkKeys(allKeys, in: "provider", log: &log)
        let typeName = node.requiredString("type", in: "provider", log: &log)
        let model = node.requiredString("model", in: "provider", log: &log)
        let sampling = Sampling(
            temperature: node.double("temperature", in: 0...2, log: &log),
            topP: node.double("top_p", in: 0...1, log: &log),
            seed: node.int("seed", in: Int(Int32.min)...Int(Int32.max), log: &log),
            maxTokens: node.int("max_tokens", in: 1...10_000_000, log: &log)
        )
        guard let typeName else { return nil }
        guard let type = ProviderType(rawValue: typeName) else {
            let location = node["type"]?.location ?? node.location
            var message = "unknown provider type '\(typeName)'"
            if let suggestion = Spelling.closest(to: typeName, among: ProviderType.allCases.map(\.rawValue)) {
                message += "; did you mean '\(suggestion)'?"
            } else {
                message += " (known: \(ProviderType.allCases.map(\.rawValue).joined(separator: ", ")))"
            }
            log.error(location, message)
            return nil
        }
        for entry in node.entries ?? [] where allKeys.contains(entry.key.text) {
            let key = entry.key.text
            if !ProviderType.commonKeys.contains(key) && !type.ownKeys.contains(key) {
                let owners = ProviderType.allCases.filter { $0.ownKeys.contains(key) }.map(\.rawValue)
                log.error(entry.key.location, "'\(key)' is a setting of the \(owners.joined(separator: ", ")) provider, not \(type.rawValue)")
            }
        }
        guard let model else { return nil }
        var settings = ProviderSettings(type: type, model: model, sampling: sampling, location: node.location)
        var digest: String?
        switch type {
        case .replay:
            guard let fileNode = node["file"] else {
                log.error(node.location, "the replay provider needs 'file': the JSONL recording to replay")
                return nil
            }
            guard let reference = context.path(fileNode, default: "", field: "file", log: &log) else { return nil }
            settings.recording = reference
            digest = SHA256.hex(ofFileAt: reference.url.path)
            if digest == nil {
                log.error(fileNode.location, "recording '\(reference.display)' cannot be read: it does not exist or is not a file")
            }
        case .exec:
            guard let commandNode = node["command"] else {
                log.error(node.location, "the exec provider needs 'command': the program and its arguments as a list")
                return nil
            }
            guard case .sequence = commandNode else {
                log.error(commandNode.location, "'command' must be a list (program and arguments, never a shell string), found \(commandNode.typeName)")
                return nil
            }
            settings.command = node.stringList("command", log: &log)
            if settings.command?.isEmpty == true {
                log.error(commandNode.location, "'command' must name a program")
                return nil
            }
        case .openai:
            settings.baseURL = baseURL(node, log: &log, fallback: environment["OPENAI_BASE_URL"] ?? "https://api.openai.com/v1")
            settings.apiKeyVariable = variableName(node, log: &log) ?? "OPENAI_API_KEY"
        case .anthropic:
            settings.baseURL = baseURL(node, log: &log, fallback: environment["ANTHROPIC_BASE_URL"] ?? "https://api.anthropic.com")
            settings.apiKeyVariable = variableName(node, log: &log) ?? "ANTHROPIC_API_KEY"
            settings.anthropicVersion = node.string("anthropic_version", log: &log) ?? "2023-06-01"
        case .ollama:
            let host = environment["OLLAMA_HOST"].map { $0.contains("://") ? $0 : "http://\($0)" }
            settings.baseURL = baseURL(node, log: &log, fallback: host ?? "http://localhost:11434")
        case .http:
            settings.endpoint = decodeEndpoint(node, log: &log)
            if settings.endpoint == nil { return nil }
        }
        return DecodedProvider(settings: settings, recordingDigest: digest)
    }

    /// `base_url` when given (an http or https URL), else `fallback`; a trailing slash is dropped.
    static func baseURL(_ node: SourceNode, log: inout DiagnosticLog, fallback: String) -> String? {
        var url = fallback
        if let given = node.string("base_url", log: &log) {
            guard isHTTPURL(given) else {
                log.error(node["base_url"]?.location ?? node.location, "'base_url' must be an http:// or https:// URL, found '\(given)'")
                return nil
            }
            url = given
        }
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    static func isHTTPURL(_ text: String) -> Bool {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", components.host?.isEmpty == false
        else { return false }
        return true
    }

    /// `api_key_env`: the name of an environment variable, never the key itself.
    static func variableName(_ node: SourceNode, log: inout DiagnosticLog) -> String? {
        guard let name = node.string("api_key_env", log: &log) else { return nil }
        let valid = !name.isEmpty && name.unicodeScalars.allSatisfy { ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) || $0 == "_" }
        if !valid {
            log.error(node["api_key_env"]?.location ?? node.location, "'api_key_env' names the environment variable that holds the key (letters, digits, _), not the key itself")
            return nil
        }
        return name
    }

    static let responseKeys = ["text", "tool_calls", "input_tokens", "output_tokens"]

    static func decodeEndpoint(_ node: SourceNode, log: inout DiagnosticLog) -> HTTPEndpoint? {
        let url = node.requiredString("url", in: "the http provider", log: &log)
        if let url, !isHTTPURL(url.replacingOccurrences(of: "${", with: "").replacingOccurrences(of: "}", with: "")) {
            log.error(node["url"]?.location ?? node.location, "'url' must be an http:// or https:// URL, found '\(url)'")
        }
        let method = (node.string("method", log: &log) ?? "POST").uppercased()
        if !["POST", "PUT", "PATCH", "GET"].contains(method) {
            log.error(node["method"]?.location ?? node.location, "'method' must be POST, PUT, PATCH or GET, found '\(method)'")
        }
        var headers: [(name: String, value: String)] = []
        if let headersNode = node["headers"] {
            if let entries = headersNode.entries {
                for entry in entries {
                    if let value = entry.value.asString(field: "headers.\(entry.key.text)", log: &log) {
                        if HTTPEndpoint.credentialHeaders.contains(entry.key.text.lowercased()) && !value.contains("${") {
                            log.error(entry.value.location, "header '\(entry.key.text)' holds a credential: put it in an environment variable and write ${NAME} here, so it never sits in the config, the store or a report")
                        }
                        headers.append((entry.key.text, value))
                    }
                }
            } else {
                log.error(headersNode.location, "'headers' must be a mapping of header names to values, found \(headersNode.typeName)")
            }
        }
        var body: JSONValue = ["messages": "{{messages}}"]
        if let bodyNode = node["body"] {
            body = bodyNode.jsonValue
            for text in strings(in: body) {
                do {
                    for name in try PromptTemplate(text).placeholders where !HTTPEndpoint.placeholders.contains(name) && !name.hasPrefix("vars.") {
                        log.error(bodyNode.location, "the body uses unknown placeholder '{{\(name)}}' (allowed: {{prompt}}, {{messages}}, {{system}}, {{model}}, {{vars.NAME}})")
                    }
                } catch {
                    log.error(bodyNode.location, "the body is not a valid template: \(error.message)")
                }
            }
        }
        guard let responseNode = node["response"] else {
            log.error(node.location, "the http provider needs 'response' with at least 'text': where the answer is in the response JSON")
            return nil
        }
        guard responseNode.requireMapping("'response'", log: &log) else { return nil }
        responseNode.checkKeys(responseKeys, in: "response", log: &log)
        let text = responseNode.requiredString("text", in: "'response'", log: &log)
        let paths = ResponsePaths(
            text: text ?? "", toolCalls: responseNode.string("tool_calls", log: &log),
            inputTokens: responseNode.string("input_tokens", log: &log), outputTokens: responseNode.string("output_tokens", log: &log))
        guard let url, text != nil else { return nil }
        return HTTPEndpoint(url: url, method: method, headers: headers, body: body, response: paths)
    }

    /// Every string in a JSON value, keys excluded.
    static func strings(in value: JSONValue) -> [String] {
        switch value {
        case .string(let text): [text]
        case .array(let elements): elements.flatMap(strings)
        case .object(let members): members.values.flatMap(strings)
        default: []
        }
    }

    static func decodePrompt(_ root: SourceNode, context: Context, log: inout DiagnosticLog) -> PromptSettings? {
        let node = root["prompt"]
        var system: String?
        var systemFile: PathReference?
        var template = "{{prompt}}"
        var templateLocation = node?.location ?? root.location
        if let node {
            guard node.requireMapping("'prompt'", log: &log) else { return nil }
            node.checkKeys(promptKeys, in: "prompt", log: &log)
            if let systemNode = node["system"], let reference = context.path(systemNode, default: "", field: "system", log: &log) {
                do {
                    system = try SourceFile.read(reference.url, displayPath: reference.display, reference: systemNode.location)
                    systemFile = reference
                    if let system {
                        checkTemplate(system, allowing: ["vars."], at: SourceLocation(file: reference.display, line: 1, column: 1), what: "the system prompt", log: &log)
                    }
                } catch {
                    log.append(contentsOf: error.diagnostics)
                }
            }
            if let templateNode = node["template"], let text = templateNode.asString(field: "template", log: &log) {
                template = text
                templateLocation = templateNode.location
                checkTemplate(text, allowing: ["prompt", "vars."], at: templateNode.location, what: "the template", log: &log)
                if let parsed = try? PromptTemplate(text), !parsed.placeholders.contains("prompt") {
                    log.error(templateNode.location, "the template must place the case's prompt with {{prompt}}")
                }
            }
        }
        return PromptSettings(system: system, systemFile: systemFile, template: template, templateLocation: templateLocation)
    }

    /// Checks that a template parses and uses only allowed placeholders (`prompt`, `vars.*`).
    static func checkTemplate(_ text: String, allowing allowed: [String], at location: SourceLocation, what: String, log: inout DiagnosticLog) {
        let template: PromptTemplate
        do {
            template = try PromptTemplate(text)
        } catch {
            log.error(location, "\(what) is not a valid template: \(error.message)")
            return
        }
        for name in template.placeholders {
            let ok = allowed.contains { $0.hasSuffix(".") ? (name.hasPrefix($0) && name.count > $0.count) : name == $0 }
            if !ok {
                log.error(location, "\(what) uses unknown placeholder '{{\(name)}}' (allowed: \(allowed.map { $0.hasSuffix(".") ? "{{\($0)NAME}}" : "{{\($0)}}" }.joined(separator: ", ")))")
            }
        }
    }

    static func decodeTools(_ root: SourceNode, context: Context, log: inout DiagnosticLog) -> ToolSchemas? {
        guard let node = root["tools"], let reference = context.path(node, default: "", field: "tools", log: &log) else { return nil }
        let document: SourceNode
        do {
            let text = try SourceFile.read(reference.url, displayPath: reference.display, reference: node.location)
            document = try JSONSource.parse(text, file: reference.display)
        } catch {
            log.append(contentsOf: error.diagnostics)
            return nil
        }
        guard let elements = document.elements else {
            log.error(document.location, "the tools file must hold a JSON array of tool schemas (OpenAI 'tools' format), found \(document.typeName)")
            return nil
        }
        var names: [String] = []
        for element in elements {
            guard element.requireMapping("a tool schema", log: &log) else { continue }
            if let type = element["type"], type.scalar?.text != "function" {
                log.error(type.location, "tool 'type' must be \"function\"")
            }
            guard let function = element["function"], function.requireMapping("'function'", log: &log) else {
                if element["function"] == nil { log.error(element.location, "a tool schema needs 'function' with 'name' and 'parameters'") }
                continue
            }
            guard let name = function.requiredString("name", in: "the tool's function", log: &log) else { continue }
            if names.contains(name) { log.error(function.location, "tool '\(name)' is defined twice") }
            names.append(name)
            if let parameters = function["parameters"], parameters.entries == nil {
                log.error(parameters.location, "'parameters' of tool '\(name)' must be a JSON schema object, found \(parameters.typeName)")
            }
        }
        return ToolSchemas(file: reference, schemas: elements.map(\.jsonValue), names: names)
    }

    static func decodePricing(_ root: SourceNode, log: inout DiagnosticLog) -> [String: ModelPrice] {
        guard let node = root["pricing"], node.requireMapping("'pricing'", log: &log), let entries = node.entries else { return [:] }
        var pricing: [String: ModelPrice] = [:]
        for entry in entries {
            let price = entry.value
            guard price.requireMapping("the price of '\(entry.key.text)'", log: &log) else { continue }
            price.checkKeys(priceKeys, in: "the price of '\(entry.key.text)'", log: &log)
            let input = price.double("input_per_mtok", in: 0...1_000_000, log: &log)
            let output = price.double("output_per_mtok", in: 0...1_000_000, log: &log)
            if price["input_per_mtok"] == nil || price["output_per_mtok"] == nil {
                log.error(price.location, "the price of '\(entry.key.text)' needs both 'input_per_mtok' and 'output_per_mtok' (USD per million tokens)")
            }
            if let input, let output {
                pricing[entry.key.text] = ModelPrice(inputPerMillion: input, outputPerMillion: output)
            }
        }
        return pricing
    }

    static func decodeRun(_ root: SourceNode, log: inout DiagnosticLog) -> RunSettings {
        var run = RunSettings()
        guard let node = root["run"], node.requireMapping("'run'", log: &log) else { return run }
        node.checkKeys(runKeys, in: "run", log: &log)
        if let value = node.int("concurrency", in: 1...1024, log: &log) { run.concurrency = value }
        if let value = node.int("repeat", in: 1...1000, log: &log) { run.repeat = value }
        if let value = node.double("timeout", in: 0.001...86_400, log: &log) { run.timeoutSeconds = value }
        if let value = node.double("connect_timeout", in: 0.001...600, log: &log) { run.connectTimeoutSeconds = value }
        if let value = node.int("retries", in: 0...20, log: &log) { run.retries = value }
        if let value = node.double("rpm", in: 0.01...10_000_000, log: &log) { run.requestsPerMinute = value }
        if let value = node.int("tpm", in: 1...1_000_000_000, log: &log) { run.tokensPerMinute = value }
        if let value = node.double("max_response_mb", in: 0.001...1024, log: &log) { run.maximumResponseBytes = Int(value * 1_048_576) }
        if let budget = node["budget"], budget.requireMapping("'budget'", log: &log) {
            budget.checkKeys(["max_usd", "max_tokens"], in: "budget", log: &log)
            let cap = Budget(maximumUSD: budget.double("max_usd", in: 0...1_000_000, log: &log), maximumTokens: budget.int("max_tokens", in: 1...Int(Int32.max) * 1000, log: &log))
            if cap.maximumUSD == nil && cap.maximumTokens == nil && budget["max_usd"] == nil && budget["max_tokens"] == nil {
                log.error(budget.location, "'budget' needs 'max_usd', 'max_tokens' or both")
            }
            run.budget = cap
        }
        if let backoff = node["backoff"], backoff.requireMapping("'backoff'", log: &log) {
            backoff.checkKeys(["base", "cap"], in: "backoff", log: &log)
            if let value = backoff.double("base", in: 0...3600, log: &log) { run.backoffBaseSeconds = value }
            if let value = backoff.double("cap", in: 0...3600, log: &log) { run.backoffCapSeconds = value }
        }
        return run
    }

    static func decodeSuites(_ root: SourceNode, context: Context, log: inout DiagnosticLog) -> [PathReference] {
        guard let node = root["suites"] else {
            return [context.resolve("suites", location: SourceLocation(file: context.configPath, line: 1, column: 1))]
        }
        let nodes: [SourceNode]
        switch node {
        case .sequence(let elements, _): nodes = elements
        case .scalar: nodes = [node]
        case .mapping:
            log.error(node.location, "'suites' must be a list of suite files or folders, found a mapping")
            return []
        }
        if nodes.isEmpty { log.error(node.location, "'suites' is empty: name at least one suite file or folder") }
        return nodes.compactMap { element in
            guard let text = element.asString(field: "suites", log: &log) else { return nil }
            let reference = context.resolve(text, location: element.location)
            if !FileManager.default.fileExists(atPath: reference.url.path) {
                log.error(element.location, "suite path '\(text)' does not exist")
            }
            return reference
        }
    }

    static func decodeBaseline(_ root: SourceNode, context: Context, log: inout DiagnosticLog) -> BaselineSettings? {
        let node = root["baseline"] ?? .mapping([], root.location)
        guard node.requireMapping("'baseline'", log: &log) else { return nil }
        node.checkKeys(baselineKeys, in: "baseline", log: &log)
        let file = context.path(node["file"], default: "baselines/evalgate.sqlite", field: "file", log: &log)
        let name = node["name"] == nil ? "main" : node.requiredString("name", in: "baseline", log: &log)
        if let name, !BaselineSettings.isValidName(name) {
            log.error(node["name"]?.location ?? node.location, "baseline name '\(name)' may use only letters, digits, '.', '-', '_' and '/'")
        }
        guard let file, let name else { return nil }
        return BaselineSettings(file: file, name: name)
    }

    static func decodeGate(_ root: SourceNode, log: inout DiagnosticLog) -> GatePolicy {
        var gate = GatePolicy()
        guard let node = root["gate"], node.requireMapping("'gate'", log: &log) else { return gate }
        node.checkKeys(gateKeys, in: "gate", log: &log)
        if let value = node.double("max_usefulness_drop", in: 0...1, log: &log) { gate.maxUsefulnessDrop = value }
        if let value = node.double("max_safety_drop", in: 0...1, log: &log) { gate.maxSafetyDrop = value }
        if let value = node.double("max_tool_accuracy_drop", in: 0...1, log: &log) { gate.maxToolAccuracyDrop = value }
        if node["min_usefulness"]?.scalar?.kind == .null {
            gate.minUsefulness = nil
        } else if let value = node.double("min_usefulness", in: 0...1, log: &log) {
            gate.minUsefulness = value
        }
        if node["min_safety"]?.scalar?.kind == .null {
            gate.minSafety = nil
        } else if let value = node.double("min_safety", in: 0...1, log: &log) {
            gate.minSafety = value
        }
        if let value = node.double("max_error_rate", in: 0...1, log: &log) { gate.maxErrorRate = value }
        if let value = node.double("alpha", in: 0.0001...0.5, log: &log) { gate.alpha = value }
        if let value = node.bool("fail_on_drift", log: &log) { gate.failOnDrift = value }
        gate.maxCostRise = node.double("max_cost_rise", in: 0...1000, log: &log)
        gate.maxLatencyP95Rise = node.double("max_latency_p95_rise", in: 0...1000, log: &log)
        return gate
    }

    static func decodeReports(_ root: SourceNode, context: Context, log: inout DiagnosticLog) -> ReportSettings? {
        let node = root["reports"] ?? .mapping([], root.location)
        guard node.requireMapping("'reports'", log: &log) else { return nil }
        node.checkKeys(reportsKeys, in: "reports", log: &log)
        let directory = context.path(node["dir"], default: "reports", field: "dir", log: &log)
        var formats = ReportFormat.allCases
        if let formatsNode = node["formats"], node.stringList("formats", log: &log) != nil {
            formats = []
            for element in formatsNode.elements ?? [formatsNode] {
                guard let name = element.scalar?.text else { continue }
                if let format = ReportFormat(rawValue: name) {
                    formats.append(format)
                } else {
                    let known = ReportFormat.allCases.map(\.rawValue)
                    let hint = Spelling.closest(to: name, among: known).map { "; did you mean '\($0)'?" } ?? " (known: \(known.joined(separator: ", ")))"
                    log.error(element.location, "unknown report format '\(name)'\(hint)")
                }
            }
        }
        var paths: [ReportFormat: URL] = [:]
        if let pathsNode = node["paths"], pathsNode.requireMapping("'reports.paths'", log: &log) {
            pathsNode.checkKeys(ReportFormat.allCases.map(\.rawValue), in: "reports.paths", log: &log)
            for format in ReportFormat.allCases {
                guard let value = pathsNode[format.rawValue] else { continue }
                if let reference = context.path(value, default: format.defaultFileName, field: "paths.\(format.rawValue)", log: &log) {
                    paths[format] = reference.url
                }
            }
        }
        guard let directory else { return nil }
        return ReportSettings(directory: directory, formats: formats, paths: paths)
    }

    /// What the fingerprint hashes: everything that changes the model's behaviour, nothing else.
    static func fingerprintMaterial(provider: DecodedProvider, prompt: PromptSettings, tools: ToolSchemas?) -> JSONValue {
        [
            "format": 1,
            "provider": providerMaterial(provider),
            "system_prompt": prompt.system.map(JSONValue.string) ?? .null,
            "template": .string(prompt.template),
            "tools": tools.map { .array($0.schemas) } ?? .null,
        ]
    }

    /// A provider block's behaviour, canonically (no secrets: `${VAR}` and key variables stay names).
    static func providerMaterial(_ provider: DecodedProvider) -> JSONValue {
        let settings = provider.settings
        var providerMembers: [String: JSONValue] = [
            "type": .string(settings.type.rawValue),
            "model": .string(settings.model),
            "sampling": settings.sampling.jsonValue,
        ]
        if let digest = provider.recordingDigest { providerMembers["recording_sha256"] = .string(digest) }
        if let command = settings.command { providerMembers["command"] = .array(command.map(JSONValue.string)) }
        if let baseURL = settings.baseURL { providerMembers["base_url"] = .string(redactedURL(baseURL)) }
        if let version = settings.anthropicVersion { providerMembers["anthropic_version"] = .string(version) }
        if let endpoint = settings.endpoint {
            // Header values as written: `${VAR}` stays a name, so no secret enters the fingerprint.
            providerMembers["endpoint"] = [
                "url": .string(redactedURL(endpoint.url)),
                "method": .string(endpoint.method),
                "headers": .array(endpoint.headers.map { [.string($0.name), .string($0.value)] }),
                "body": endpoint.body,
                "response": [
                    "text": .string(endpoint.response.text), "tool_calls": endpoint.response.toolCalls.map(JSONValue.string) ?? .null,
                    "input_tokens": endpoint.response.inputTokens.map(JSONValue.string) ?? .null,
                    "output_tokens": endpoint.response.outputTokens.map(JSONValue.string) ?? .null,
                ],
            ]
        }
        return .object(providerMembers)
    }
}

/// A URL without user:password, for fingerprints and messages.
func redactedURL(_ text: String) -> String {
    guard var components = URLComponents(string: text), components.user != nil || components.password != nil else { return text }
    components.user = nil
    components.password = nil
    return components.string ?? text
}

extension HTTPEndpoint {
    /// Placeholders the body template knows besides `{{vars.NAME}}`.
    public static let placeholders = ["prompt", "messages", "system", "model"]

    /// Headers that carry credentials: their values must come from the environment.
    public static let credentialHeaders: Set<String> = ["authorization", "proxy-authorization", "x-api-key", "api-key", "cookie"]
}

extension BaselineSettings {
    /// Baseline names are used in messages and command lines: keep them plain.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 128
            && name.unicodeScalars.allSatisfy { $0.properties.isAlphabetic && $0.isASCII || ("0"..."9").contains($0) || "-_./".unicodeScalars.contains($0) }
    }
}

/// The process's limit on open files, for what a run's concurrency needs.
enum OpenFiles {
    /// Descriptors a run needs beside its requests: the store and its log, the checkpointer, large
    /// suites and the recording kept open, the report files, the curl loop's epoll and eventfd,
    /// and libdispatch's reads of /proc.
    static let reserve = 64

    /// The soft limit (the binary raises it to the hard limit at start), or nil when unlimited.
    static var limit: Int? {
        var value = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &value) == 0, value.rlim_cur != rlim_t.max else { return nil }
        return Int(value.rlim_cur)
    }
}
