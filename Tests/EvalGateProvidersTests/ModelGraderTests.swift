import EvalGateCore
import EvalGateProviders
import Testing

@Suite struct JudgeVerdictTests {
    @Test func aVerdictIsReadFromPlainOrFencedJSON() throws {
        #expect(try JudgeVerdict.parse(#"{"pass": true, "score": 0.9, "reason": "polite"}"#) == JudgeVerdict(pass: true, score: 0.9, reason: "polite"))
        #expect(try JudgeVerdict.parse("Here you go:\n```json\n{\"pass\": false, \"score\": 0.2, \"reason\": \"rude\"}\n```").pass == false)
    }

    @Test(arguments: ["PASS", #"{"pass": "yes"}"#, #"{"pass": true, "score": 7}"#, "{not json}"])
    func anUnreadableVerdictIsAnErrorNotAPass(_ text: String) {
        #expect(throws: ProviderFailure.self) { try JudgeVerdict.parse(text) }
    }

    @Test func cosineSimilarityOfKnownVectors() {
        #expect(Embedder.cosine([1, 0], [1, 0]) == 1)
        #expect(Embedder.cosine([1, 0], [0, 1]) == 0)
        #expect(abs(Embedder.cosine([1, 2, 3], [2, 4, 6.5]) - 0.99928) < 0.00001, "29.5 / (√14 · √62.25)")
        #expect(Embedder.cosine([0, 0], [1, 1]) == 0)
    }
}
