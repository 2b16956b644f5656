import EvalGateCore
import Foundation

/// Grades the model-graded assertions: `llm_rubric` with the pinned judge model, `similar` with
/// the pinned embeddings endpoint. A judge answer that is not a readable verdict is an error,
/// never a pass.
public struct ModelGrader: Sendable {
    public let judge: (any Provider)?
    public let judgeSettings: ProviderSettings?
    public let embedder: Embedder?

    public init(judge: (any Provider)?, judgeSettings: ProviderSettings?, embedder: Embedder?) {
        self.judge = judge
        self.judgeSettings = judgeSettings
        self.embedder = embedder
    }

    /// The instructions the judge gets before the rubric and the answer.
    public static let judgeInstructions = """
        You grade an AI assistant's answer against a rubric. Judge only what the rubric asks.
        Reply with a single JSON object and nothing else:
        {"pass": true or false, "score": a number from 0 to 1, "reason": "one sentence"}
        """

    /// Grades one model-graded assertion for `response`; `request` names the case for request ids.
    public func grade(_ assertion: Assertion, response: ModelResponse, for request: ProviderRequest) async throws(ProviderFailure) -> CheckResult {
        let label = assertion.negated ? "not \(assertion.type)" : assertion.type
        let held: Bool
        let detail: String
        switch assertion.kind {
        case .llmRubric(let rubric):
            guard let judge, let judgeSettings else { throw ProviderFailure("llm_rubric needs a judge model, and none is configured") }
            var judgeRequest = request
            judgeRequest.request = RenderedRequest(
                system: Self.judgeInstructions,
                messages: [ChatMessage(role: "user", content: "Rubric:\n\(rubric)\n\nAnswer to grade:\n<<<\n\(response.text)\n>>>")])
            judgeRequest.model = judgeSettings.model
            judgeRequest.sampling = judgeSettings.sampling
            judgeRequest.tools = nil
            judgeRequest.requestID = request.requestID + "/judge"
            let answer = try await judge.respond(to: judgeRequest)
            let verdict = try JudgeVerdict.parse(answer.text)
            held = verdict.pass
            detail = "judge: \(verdict.pass ? "pass" : "fail") (score \(JSONValue.numberText((verdict.score * 100).rounded() / 100))): \(verdict.reason)"
        case .similar(let reference, let threshold):
            guard let embedder else { throw ProviderFailure("similar needs an embeddings endpoint, and none is configured") }
            let similarity = try await embedder.similarity(reference, response.text, for: request)
            held = similarity >= threshold
            detail = "cosine similarity \(String(format: "%.3f", similarity)), at least \(JSONValue.numberText(threshold))"
        default:
            throw ProviderFailure("\(assertion.type) is not model-graded")
        }
        let passed = assertion.negated ? !held : held
        return CheckResult(check: "assert:\(assertion.metric ?? assertion.type)", passed: passed, reason: "\(label) — \(detail)", weight: assertion.weight)
    }

    public func close() {
        judge?.close()
        embedder?.caller.close()
    }
}

/// The judge's verdict: `{"pass", "score", "reason"}`, possibly inside a Markdown code fence.
public struct JudgeVerdict: Sendable, Hashable {
    public var pass: Bool
    /// 0…1.
    public var score: Double
    public var reason: String

    public init(pass: Bool, score: Double, reason: String) {
        self.pass = pass
        self.score = score
        self.reason = reason
    }

    /// Reads the first JSON object in `text`.
    ///
    /// - Throws: `ProviderFailure` when there is none, or a field is missing or of the wrong type.
    public static func parse(_ text: String) throws(ProviderFailure) -> JudgeVerdict {
        guard let open = text.firstIndex(of: "{"), let close = text.lastIndex(of: "}"), open < close else {
            throw ProviderFailure("the judge's verdict could not be read: no JSON object in its answer ('\(text.prefix(120))')")
        }
        let value: JSONValue
        do {
            value = try JSONSource.value(String(text[open...close]))
        } catch {
            throw ProviderFailure("the judge's verdict could not be read: \(error.diagnostics.first?.message ?? "invalid JSON") ('\(text.prefix(120))')")
        }
        guard case .bool(let pass)? = value["pass"] else {
            throw ProviderFailure("the judge's verdict could not be read: 'pass' must be true or false")
        }
        let score = value["score"]?.numberValue ?? (pass ? 1 : 0)
        guard (0...1).contains(score) else { throw ProviderFailure("the judge's verdict could not be read: 'score' must be from 0 to 1") }
        return JudgeVerdict(pass: pass, score: score, reason: value["reason"]?.stringValue ?? "")
    }
}

/// An OpenAI-compatible `/embeddings` endpoint.
public struct Embedder: Sendable {
    public let baseURL: String
    public let model: String
    public let apiKey: String?
    public let caller: EndpointCaller

    /// Cosine similarity of the two texts' embeddings, −1…1.
    public func similarity(_ a: String, _ b: String, for request: ProviderRequest) async throws(ProviderFailure) -> Double {
        var headers: [(name: String, value: String)] = []
        if let apiKey { headers.append((name: "Authorization", value: "Bearer \(apiKey)")) }
        var embeddingRequest = request
        embeddingRequest.requestID = request.requestID + "/embed"
        let answer = try await caller.call(url: baseURL + "/embeddings", headers: headers, body: ["model": .string(model), "input": [.string(a), .string(b)]], for: embeddingRequest)
        guard case .array(let data)? = answer.json["data"], data.count == 2,
            let first = data[0]["embedding"]?.arrayValue?.compactMap(\.numberValue),
            let second = data[1]["embedding"]?.arrayValue?.compactMap(\.numberValue), !first.isEmpty, first.count == second.count
        else {
            throw EndpointCaller.unexpected("the embeddings answer holds no two embeddings of one length (keys: \(OpenAIProvider.keys(answer.json)))", answer: answer)
        }
        return Self.cosine(first, second)
    }

    public static func cosine(_ a: [Double], _ b: [Double]) -> Double {
        var dot = 0.0, normA = 0.0, normB = 0.0
        for index in a.indices {
            dot += a[index] * b[index]
            normA += a[index] * a[index]
            normB += b[index] * b[index]
        }
        guard normA > 0, normB > 0 else { return 0 }
        return dot / (normA.squareRoot() * normB.squareRoot())
    }
}
