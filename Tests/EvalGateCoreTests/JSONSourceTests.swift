@testable import EvalGateCore
import Testing

@Suite struct JSONSourceTests {
    @Test func parsesEveryKindOfValueWithLocations() throws {
        let node = try JSONSource.parse("{\n  \"a\": [1, -2.5e3, true, null],\n  \"b\": \"x\\u00e9\\ud83d\\ude00\\n\"\n}", file: "f.json")
        #expect(node.jsonValue == ["a": [1, -2500, true, nil], "b": "xé😀\n"])
        #expect(node["b"]?.location == SourceLocation(file: "f.json", line: 3, column: 8))
        #expect(node["a"]?.elements?[1].location.column == 12)
    }

    @Test func columnsCountCharactersNotBytes() throws {
        let node = try JSONSource.parse("{\"é\": \"ü\", \"k\": 1}", file: "f")
        #expect(node["k"]?.location.column == 17)
    }

    @Test(arguments: [
        ("", "f:1:1: empty JSON document"),
        ("{\"a\": 1,}", "f:1:9: expected a string key in object"),
        ("[1 2]", "f:1:4: expected ',' or ']' after an array element, found '2'"),
        ("01", "f:1:1: invalid number: leading zeros are not allowed"),
        ("\"a\tb\"", "f:1:3: control character byte 0x09 inside a string; escape it"),
        ("\"\\ud800\"", "f:1:8: unpaired surrogate in \\u escape"),
        ("{} x", "f:1:4: unexpected 'x' after the JSON value"),
        ("nul", "f:1:1: invalid literal, expected 'null'"),
    ])
    func malformedJSONIsReportedWithItsPlace(_ text: String, _ expected: String) {
        #expect(throws: ValidationError.self) { try JSONSource.parse(text, file: "f") }
        do {
            _ = try JSONSource.parse(text, file: "f")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test func deepNestingIsRefusedRatherThanOverflowingTheStack() {
        let deep = String(repeating: "[", count: 100_000)
        do {
            _ = try JSONSource.parse(deep, file: "f")
            Issue.record("deep nesting was accepted")
        } catch {
            #expect(error.description.contains("nested deeper than 256 levels"))
        }
    }

    @Test func canonicalTextSortsKeysAndIsStable() throws {
        let value: JSONValue = ["b": [1, 2.5, "x\"y"], "a": nil, "c": ["z": true]]
        #expect(value.canonicalText == #"{"a":null,"b":[1,2.5,"x\"y"],"c":{"z":true}}"#)
        #expect(try JSONSource.value(value.canonicalText) == value)
    }

    @Test func linesAreCountedAndParsedIntoPlainValuesWithTheirNumbers() {
        #expect(JSONSource.lineCount("") == 1)
        #expect(JSONSource.lineCount("{}") == 1)
        #expect(JSONSource.lineCount("{}\n{}\n") == 3)
        var log = DiagnosticLog()
        var seen: [(JSONValue, Int)] = []
        JSONSource.forEachLineValue("{\"a\": 1}\n\n  \n[true, null]\r\n{bad\n", file: "r.jsonl", log: &log) { value, line, _ in seen.append((value, line)) }
        #expect(seen.map(\.1) == [1, 4])
        #expect(seen.map(\.0) == [["a": 1], [true, .null]])
        #expect(log.diagnostics.map(\.location.line) == [5], "the bad line is reported at its own number")
    }

    @Test func linesAreCutIntoWholeRunsThatCoverTheText() throws {
        for text in ["", "a", "a\n", "a\nb", "a\nbb\nccc\n\ndddd\ne", String(repeating: "0123456789\n", count: 1_000)] {
            for count in 1...5 {
                let chunks = JSONSource.lineChunks(text, count: count)
                let bytes = Array(text.utf8)
                #expect(chunks.first?.bytes.lowerBound == 0 && chunks.last?.bytes.upperBound == bytes.count, "\(text.prefix(20)) in \(count)")
                #expect(chunks.count <= count)
                for (previous, next) in zip(chunks, chunks.dropFirst()) {
                    #expect(previous.bytes.upperBound == next.bytes.lowerBound)
                    #expect(bytes[next.bytes.lowerBound - 1] == 0x0A, "each part starts a line")
                    #expect(next.firstLine == 1 + bytes[..<next.bytes.lowerBound].filter { $0 == 0x0A }.count)
                }
            }
        }
    }

    @Test func storedChecksReadAsTheirPlainValuesSay() throws {
        // checkResults reads without a JSONValue tree; it must read what the tree would.
        func viaTree(_ text: String) -> [CheckResult] {
            (try? JSONSource.value(text))?.arrayValue?.map { value in
                CheckResult(
                    check: value["check"]?.stringValue ?? "", passed: value["passed"] == .bool(true),
                    reason: value["reason"]?.stringValue ?? "", weight: value["weight"]?.numberValue ?? 1)
            } ?? []
        }
        let texts = [
            "[]", #"[{"check":"expected_contains","passed":true,"reason":"expected 'x' \u2014 found"}]"#,
            #"[{"check":"regex","passed":false,"reason":"no match \"q\"","weight":2.5},{"check":"b","passed":true,"reason":""}]"#,
            #"[{"passed":"yes","weight":"2","extra":[1,{"a":null}]}]"#, #"[{"check":"a","check":"b","passed":true,"passed":false}]"#,
            #"["text", 3, null, [], {}]"#, #"{"check":"not a list"}"#, "not json", #"[{"check":"x"},"#, "",
        ]
        for text in texts {
            #expect((JSONSource.checkResults(text) ?? []) == viaTree(text), "\(text)")
        }
    }

    /// The writer keeps its commas in a bit mask for 64 levels and an array past them.
    @Test func theWriterNestsArraysAndObjectsPastSixtyFourLevels() throws {
        var expected: JSONValue = [1, 2]
        for level in 0..<70 { expected = level.isMultiple(of: 2) ? .array([expected, "x", .null]) : ["a": expected, "b": true] }
        func write(_ value: JSONValue, _ writer: inout JSONWriter) {
            switch value {
            case .array(let elements):
                writer.beginArray()
                for element in elements { write(element, &writer) }
                writer.endArray()
            case .object(let members):
                writer.beginObject()
                for key in members.keys.sorted() {
                    writer.key(escaping: key)
                    write(members[key]!, &writer)
                }
                writer.endObject()
            default:
                writer.json(value)
            }
        }
        var writer = JSONWriter()
        write(expected, &writer)
        let text = String(decoding: writer.bytes, as: UTF8.self)
        #expect(text == expected.canonicalText)
        #expect(try JSONSource.value(text) == expected)
    }

    @Test func storedAttemptsReadAsTheirPlainValuesSay() throws {
        // attemptRecords reads without a JSONValue tree; it must read what the tree would.
        func viaTree(_ text: String) -> [AttemptRecord] {
            (try? JSONSource.value(text))?.arrayValue?.map {
                AttemptRecord(
                    number: Int($0["number"]?.numberValue ?? 0), requestID: $0["request_id"]?.stringValue ?? "own",
                    outcome: $0["outcome"]?.stringValue ?? "", waitSeconds: $0["wait_seconds"]?.numberValue ?? 0)
            } ?? []
        }
        let texts = [
            "[]", #"[{"number":1,"outcome":"HTTP 200"}]"#,
            #"[{"number":1,"outcome":"HTTP 429","request_id":"run/s/c/0/1","wait_seconds":1.5},{"number":2,"outcome":"HTTP 200"}]"#,
            #"[{"number":"1","outcome":7,"request_id":null,"wait_seconds":"2","extra":[1,{"a":null}]}]"#,
            #"[{"number":1,"number":2,"outcome":"a","outcome":"b"}]"#, #"["text", 3, null, [], {}]"#, #"{"number":1}"#, "not json",
            #"[{"number":1},"#, "", #"[{"outcome":"no response within 30 s — "timeout""}]"#,
        ]
        for text in texts {
            #expect(JSONSource.attemptRecords(text, requestID: "own") == viaTree(text), "\(text)")
        }
    }
}
