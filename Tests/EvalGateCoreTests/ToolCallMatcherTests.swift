import EvalGateCore
import Testing

private let lookup = ExpectedToolCall(name: "lookup_order", arguments: ["order_id": "NW-1"])
private let start = ExpectedToolCall(name: "start_return", arguments: ["order_id": "NW-1", "reason": "wrong_size"])
private let schemas: [String: JSONValue] = [
    "lookup_order": ["type": "object", "properties": ["order_id": ["type": "string", "minLength": 4]], "required": ["order_id"]]
]

@Suite struct ToolCallMatcherTests {
    @Test func callsInAnyOrderMatchByNameAndArguments() {
        let match = ToolCallMatcher.match(
            expected: [lookup, start],
            actual: [ToolCall(name: "start_return", arguments: ["order_id": "NW-1", "reason": "wrong_size", "note": "x"]), ToolCall(name: "lookup_order", arguments: ["order_id": "NW-1"])],
            ordered: false)
        #expect(match.matched == 2)
        #expect(match.f1 == 1)
        #expect(match.checks.allSatisfy { $0.passed })
    }

    @Test func theOrderCountsWhenAsked() {
        let actual = [ToolCall(name: "start_return", arguments: ["order_id": "NW-1", "reason": "wrong_size"]), ToolCall(name: "lookup_order", arguments: ["order_id": "NW-1"])]
        let match = ToolCallMatcher.match(expected: [lookup, start], actual: actual, ordered: true)
        #expect(match.matched == 1)
        #expect(match.checks.map(\.reason) == [
            #"expected tool lookup_order(order_id: "NW-1") — called"#,
            #"expected tool start_return(order_id: "NW-1", reason: "wrong_size") — called, but not in the expected order"#,
        ])
        #expect(match.precision == 0.5)
        #expect(match.recall == 0.5)
    }

    @Test func aMissingCallLowersRecallAndSaysWhatWasCalled() {
        let match = ToolCallMatcher.match(expected: [lookup, start], actual: [ToolCall(name: "lookup_order", arguments: ["order_id": "NW-1"])], ordered: false)
        #expect(match.recall == 0.5)
        #expect(match.precision == 1)
        #expect(abs(match.f1 - 2.0 / 3.0) < 1e-12)
        #expect(match.checks[1].reason == #"expected tool start_return(order_id: "NW-1", reason: "wrong_size") — not called (calls made: lookup_order)"#)
    }

    @Test func anExtraCallLowersPrecision() {
        let match = ToolCallMatcher.match(
            expected: [lookup], actual: [ToolCall(name: "lookup_order", arguments: ["order_id": "NW-1"]), ToolCall(name: "get_shipping_options", arguments: ["country": "CA"])],
            ordered: false)
        #expect(match.precision == 0.5)
        #expect(match.recall == 1)
    }

    @Test func wrongArgumentsSayWhichAndWhatWasSent() {
        let match = ToolCallMatcher.match(expected: [lookup], actual: [ToolCall(name: "lookup_order", arguments: ["order_id": "NW-2"])], ordered: false)
        #expect(match.matched == 0)
        #expect(match.checks[0].reason == #"expected tool lookup_order(order_id: "NW-1") — called with order_id = "NW-2", expected "NW-1""#)
    }

    @Test func argumentsThatAreNotJSONOrBreakTheSchemaNeverMatch() {
        let malformed = ToolCallMatcher.match(expected: [ExpectedToolCall(name: "lookup_order")], actual: [ToolCall(name: "lookup_order", arguments: "{order_id: NW-1")], ordered: false)
        #expect(malformed.checks[0].reason == "expected tool lookup_order() — called with arguments that are not valid JSON: {order_id: NW-1")
        let invalid = ToolCallMatcher.match(expected: [ExpectedToolCall(name: "lookup_order")], actual: [ToolCall(name: "lookup_order", arguments: ["order_id": 7])], ordered: false, schemas: schemas)
        #expect(invalid.checks[0].reason == "expected tool lookup_order() — called with arguments that break the tool's schema ($.order_id: expected string, found a number)")
    }

    @Test func exactRefusesExtraArguments() {
        var strict = lookup
        strict.exact = true
        let match = ToolCallMatcher.match(expected: [strict], actual: [ToolCall(name: "lookup_order", arguments: ["order_id": "NW-1", "verbose": true])], ordered: false)
        #expect(match.checks[0].reason == #"expected tool lookup_order(order_id: "NW-1") — called with extra argument 'verbose' (exact: true)"#)
    }

    @Test func numbersCompareByValue() {
        let match = ToolCallMatcher.match(expected: [ExpectedToolCall(name: "t", arguments: ["n": 1])], actual: [ToolCall(name: "t", arguments: ["n": 1.0])], ordered: false)
        #expect(match.matched == 1)
    }
}

@Suite struct JSONSchemaValidatorTests {
    private let schema: JSONValue = [
        "type": "object",
        "required": ["id", "items"],
        "additionalProperties": false,
        "properties": [
            "id": ["type": "string", "minLength": 2, "maxLength": 5],
            "status": ["enum": ["open", "closed"]],
            "count": ["type": "integer", "minimum": 0, "maximum": 10],
            "items": ["type": "array", "minItems": 1, "items": ["type": "object", "required": ["sku"]]],
        ],
    ]

    @Test func aValidValueHasNoViolations() throws {
        let value = try JSONSource.value(#"{"id": "ab", "status": "open", "count": 3, "items": [{"sku": "x"}]}"#)
        #expect(JSONSchemaValidator(schema).violations(of: value).isEmpty)
    }

    @Test func everyViolationIsNamedWithItsPath() throws {
        let value = try JSONSource.value(#"{"id": "a", "status": "lost", "count": 2.5, "items": [{"qty": 1}], "extra": true}"#)
        #expect(JSONSchemaValidator(schema).violations(of: value) == [
            "$.count: expected integer, found a number",
            "$.extra: unexpected property 'extra'",
            "$.id: shorter than 2 characters",
            "$.items[0]: missing required 'sku'",
            #"$.status: "lost" is not one of "open", "closed""#,
        ])
    }
}
