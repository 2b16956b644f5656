import EvalGateCore
import Foundation
import Testing

@Suite struct ConfigDiffTests {
    private func stored(model: String = "m-1", temperature: Double = 0, prompt: String = "Be brief.\nBe kind.\nNever share codes.", tools: [JSONValue] = []) -> JSONValue {
        [
            "behaviour": [
                "provider": ["type": "openai", "model": .string(model), "sampling": ["temperature": .number(temperature)]],
                "system_prompt": .string(prompt), "template": "{{prompt}}", "tools": .array(tools),
            ]
        ]
    }

    private func tool(_ name: String, _ description: String) -> JSONValue {
        ["type": "function", "function": ["name": .string(name), "description": .string(description)]]
    }

    @Test func anUnchangedConfigHasNoDiff() {
        #expect(ConfigDiff(baseline: stored(), current: stored()).isEmpty)
    }

    @Test func eachChangeIsNamed() {
        let diff = ConfigDiff(
            baseline: stored(tools: [tool("lookup", "a"), tool("refund", "b")]),
            current: stored(model: "m-2", temperature: 0.7, prompt: "Be brief.\nBe warm.\nNever share codes.", tools: [tool("lookup", "changed"), tool("ship", "c")]))
        #expect(diff.changes == [
            "model: m-1 → m-2", "temperature: 0 → 0.7", "system prompt: +1 −1 lines", "tools added: ship", "tools removed: refund",
            "tool schemas changed: lookup",
        ])
        #expect(diff.systemPromptDiff == [" Be brief.", "-Be kind.", "+Be warm.", " Never share codes."])
    }

    @Test func aLongPromptDiffKeepsOnlyContext() {
        let before = (1...20).map { "line \($0)" }.joined(separator: "\n")
        let after = before.replacingOccurrences(of: "line 10", with: "line ten")
        #expect(LineDiff.unified(before, after, context: 1) == [" line 9", "-line 10", "+line ten", " line 11"])
    }
}
