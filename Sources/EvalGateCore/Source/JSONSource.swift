import Foundation

/// A JSON parser that keeps the line and column of every value, so that suite and config errors
/// in JSON and JSONL files can name the exact place.
///
/// Strict RFC 8259: no comments, no trailing commas, no NaN; nesting deeper than
/// `maximumDepth` is refused rather than risking the stack.
public struct JSONSource {
    /// How deep arrays and objects may nest.
    public static let maximumDepth = 256

    /// Parses one JSON document from `text`; `file` and `firstLine` place it (a JSONL line passes
    /// its own line number).
    public static func parse(_ text: String, file: String, firstLine: Int = 1) throws(ValidationError) -> SourceNode {
        var text = text
        let result = text.withUTF8 { bytes in
            var parser = JSONSource(bytes: bytes, file: file, line: firstLine)
            return Result { () throws(ValidationError) in try parser.parseDocument() }
        }
        return try result.get()
    }

    /// Parses JSON Lines: one document per non-blank line, each with its own line number. A line
    /// that does not parse is logged and skipped, so every bad line is reported in one pass. Lines
    /// are found by scanning the bytes once and parsed where they lie (splitting the string by
    /// characters was a third of loading a 100,000-line file, and took `\r\n` for one character).
    public static func forEachLine(
        _ text: String, file: String, log: inout DiagnosticLog, _ body: (SourceNode, inout DiagnosticLog) -> Void
    ) {
        forEachLine(text, file: file, LocatedBuilder.self, log: &log) { node, _, log in body(node, &log) }
    }

    /// JSON Lines parsed into plain values, each with its line number: for files whose values need
    /// no locations below the line (a recording), at half the cost of the located tree.
    /// `firstLine` numbers the text's first line (a block of a larger file).
    public static func forEachLineValue(
        _ text: String, file: String, firstLine: Int = 1, log: inout DiagnosticLog, _ body: (JSONValue, Int, inout DiagnosticLog) -> Void
    ) {
        let part = firstLine == 1 ? nil : LineChunk(bytes: 0..<text.utf8.count, firstLine: firstLine)
        forEachLine(text, file: file, PlainBuilder.self, part: part, log: &log, body)
    }

    /// Located JSON Lines of one part of `text` (`part`, from `lineChunks`): for loading the
    /// parts of a large file side by side.
    static func forEachLine(
        _ text: String, part: LineChunk, file: String, log: inout DiagnosticLog, _ body: (SourceNode, Int, inout DiagnosticLog) -> Void
    ) {
        forEachLine(text, file: file, LocatedBuilder.self, part: part, log: &log, body)
    }

    /// A run of whole lines of a text: its bytes and the number of its first line.
    struct LineChunk: Sendable {
        var bytes: Range<Int>
        var firstLine: Int
    }

    /// `text` cut into at most `count` runs of whole lines of about equal size, in order.
    static func lineChunks(_ text: String, count: Int) -> [LineChunk] {
        var text = text
        return text.withUTF8 { all in
            var chunks: [LineChunk] = []
            var start = 0
            var line = 1
            for index in 1...max(1, count) {
                if start > all.count { break }
                var end = index == count ? all.count : max(start, all.count * index / count)
                // Move the cut to just after the next newline.
                while end < all.count && all[end] != 0x0A { end += 1 }
                if end < all.count { end += 1 }
                if index == count { end = all.count }
                chunks.append(LineChunk(bytes: start..<end, firstLine: line))
                for byte in all[start..<end] where byte == 0x0A { line += 1 }
                start = end
                if start == all.count { break }
            }
            return chunks
        }
    }

    private static func forEachLine<Builder: JSONBuilder>(
        _ text: String, file: String, _ builder: Builder.Type, part: LineChunk? = nil, log: inout DiagnosticLog,
        _ body: (Builder.Node, Int, inout DiagnosticLog) -> Void
    ) {
        var text = text
        text.withUTF8 { whole in
            let all = part.map { UnsafeBufferPointer(rebasing: whole[$0.bytes]) } ?? whole
            var start = 0
            var lineNumber = (part?.firstLine ?? 1) - 1
            while start <= all.count {
                var end = start
                while end < all.count && all[end] != 0x0A { end += 1 }
                lineNumber += 1
                let line = UnsafeBufferPointer(rebasing: all[start..<end])
                if !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                    var parser = JSONSource(bytes: line, file: file, line: lineNumber)
                    switch Result(catching: { () throws(ValidationError) in try parser.parseDocument(Builder.self) }) {
                    case .success(let node): body(node, lineNumber, &log)
                    case .failure(let error): log.append(contentsOf: error.diagnostics)
                    }
                }
                if end == all.count { break }
                start = end + 1
            }
        }
    }

    /// The number of lines in `text` (newlines + 1): what a JSONL loader reserves room for, so its
    /// array of 100,000 cases is allocated once instead of doubled into a third more than it holds.
    public static func lineCount(_ text: String) -> Int {
        var text = text
        return text.withUTF8 { all in
            guard var cursor = all.baseAddress else { return 1 }
            let end = cursor + all.count
            var count = 1
            while cursor < end, let found = memchr(cursor, 0x0A, end - cursor) {
                count += 1
                cursor = UnsafePointer(found.assumingMemoryBound(to: UInt8.self)) + 1
            }
            return count
        }
    }

    /// Parses a JSON document into a plain value, built directly (no located tree first: a
    /// response, a stored request or a recorded line is parsed this way, once per result).
    /// Errors are the same, at the same line and column.
    public static func value(_ text: String, file: String = "<json>") throws(ValidationError) -> JSONValue {
        var text = text
        let result = text.withUTF8 { bytes in
            var parser = JSONSource(bytes: bytes, file: file, line: 1)
            return Result { () throws(ValidationError) in try parser.parseDocument(PlainBuilder.self) }
        }
        return try result.get()
    }

    /// `value(_:file:)` over bytes already in memory (a recorded line in its file), with no
    /// `String` made of them first.
    public static func value(bytes: UnsafeBufferPointer<UInt8>, file: String = "<json>", line: Int = 1) throws(ValidationError) -> JSONValue {
        var parser = JSONSource(bytes: bytes, file: file, line: line)
        return try parser.parseDocument(PlainBuilder.self)
    }

    /// Whether `text` is one JSON document (by the same rules as `value`), building nothing: for
    /// text this program wrote and stored, copied out again only if it still parses.
    public static func isWellFormed(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var parser = JSONSource(bytes: bytes, file: "", line: 1)
            return (try? parser.parseDocument(CheckingBuilder.self)) != nil
        }
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private let file: String
    private var position = 0
    private var line: Int
    private var lineStart = 0
    /// UTF-8 continuation bytes seen since `lineStart`: columns count characters, not bytes.
    private var continuationBytes = 0
    private var depth = 0

    private init(bytes: UnsafeBufferPointer<UInt8>, file: String, line: Int) {
        self.bytes = bytes
        self.file = file
        self.line = line
    }

    private var location: SourceLocation {
        SourceLocation(file: file, line: line, column: position - lineStart - continuationBytes + 1)
    }

    private func fail(_ message: String) -> ValidationError {
        ValidationError(location, message)
    }

    private mutating func parseDocument() throws(ValidationError) -> SourceNode {
        try parseDocument(LocatedBuilder.self)
    }

    private mutating func parseDocument<Builder: JSONBuilder>(_ builder: Builder.Type) throws(ValidationError) -> Builder.Node {
        skipWhitespace()
        if position == bytes.count { throw fail("empty JSON document") }
        let node = try parseValue(Builder.self)
        skipWhitespace()
        if position < bytes.count {
            throw fail("unexpected \(describe(bytes[position])) after the JSON value")
        }
        return node
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0D:
                position += 1
            case 0x0A:
                position += 1
                line += 1
                lineStart = position
                continuationBytes = 0
            default:
                return
            }
        }
    }

    private func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return String(format: "byte 0x%02X", byte)
    }

    private mutating func parseValue<Builder: JSONBuilder>(_ builder: Builder.Type) throws(ValidationError) -> Builder.Node {
        guard position < bytes.count else { throw fail("unexpected end of JSON, expected a value") }
        let start = Builder.tracksLocations ? location : JSONSource.noLocation
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject(Builder.self)
        case UInt8(ascii: "["): return try parseArray(Builder.self)
        case UInt8(ascii: "\""):
            return Builder.scalar(try parseString(), kind: .string, at: start)
        case UInt8(ascii: "t"):
            try expectWord("true")
            return Builder.scalar("true", kind: .bool, at: start)
        case UInt8(ascii: "f"):
            try expectWord("false")
            return Builder.scalar("false", kind: .bool, at: start)
        case UInt8(ascii: "n"):
            try expectWord("null")
            return Builder.scalar("null", kind: .null, at: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return Builder.scalar(try parseNumber(), kind: .number, at: start)
        default:
            throw fail("unexpected \(describe(bytes[position])), expected a JSON value")
        }
    }

    static let noLocation = SourceLocation(file: "", line: 0, column: 0)

    private mutating func expectWord(_ word: StaticString) throws(ValidationError) {
        let length = word.utf8CodeUnitCount
        let matches = position + length <= bytes.count
            && (0..<length).allSatisfy { bytes[position + $0] == word.utf8Start[$0] }
        guard matches else { throw fail("invalid literal, expected '\(word)'") }
        position += length
    }

    private mutating func enter() throws(ValidationError) {
        depth += 1
        if depth > JSONSource.maximumDepth {
            throw fail("JSON nested deeper than \(JSONSource.maximumDepth) levels")
        }
    }

    private mutating func parseObject<Builder: JSONBuilder>(_ builder: Builder.Type) throws(ValidationError) -> Builder.Node {
        let start = Builder.tracksLocations ? location : JSONSource.noLocation
        try enter()
        position += 1
        var members = Builder.emptyMembers()
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return Builder.object(members, at: start)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw fail(position < bytes.count ? "expected a string key in object" : "unexpected end of JSON inside an object")
            }
            let keyLocation = Builder.tracksLocations ? location : JSONSource.noLocation
            let key = try parseString()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                throw fail("expected ':' after key \"\(key)\"")
            }
            position += 1
            skipWhitespace()
            let value = try parseValue(Builder.self)
            Builder.add(key, at: keyLocation, value, to: &members)
            skipWhitespace()
            guard position < bytes.count else { throw fail("unexpected end of JSON inside an object") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            if bytes[position] == UInt8(ascii: "}") {
                position += 1
                depth -= 1
                return Builder.object(members, at: start)
            }
            throw fail("expected ',' or '}' after an object member, found \(describe(bytes[position]))")
        }
    }

    private mutating func parseArray<Builder: JSONBuilder>(_ builder: Builder.Type) throws(ValidationError) -> Builder.Node {
        let start = Builder.tracksLocations ? location : JSONSource.noLocation
        try enter()
        position += 1
        var elements: [Builder.Node] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return Builder.array(elements, at: start)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(Builder.self))
            skipWhitespace()
            guard position < bytes.count else { throw fail("unexpected end of JSON inside an array") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            if bytes[position] == UInt8(ascii: "]") {
                position += 1
                depth -= 1
                return Builder.array(elements, at: start)
            }
            throw fail("expected ',' or ']' after an array element, found \(describe(bytes[position]))")
        }
    }

    private mutating func parseNumber() throws(ValidationError) -> String {
        let start = position
        let startLocation = location
        func fail(_ message: String) -> ValidationError { ValidationError(startLocation, message) }
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        func digits(_ parser: inout JSONSource) -> Int {
            let from = parser.position
            while parser.position < parser.bytes.count,
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.position])
            {
                parser.position += 1
            }
            return parser.position - from
        }
        let integerStart = position
        let integerDigits = digits(&self)
        guard integerDigits > 0 else { throw fail("invalid number: a digit must follow '-'") }
        if integerDigits > 1, bytes[integerStart] == UInt8(ascii: "0") {
            throw fail("invalid number: leading zeros are not allowed")
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digits(&self) > 0 else { throw fail("invalid number: a digit must follow '.'") }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard digits(&self) > 0 else { throw fail("invalid number: a digit must follow the exponent") }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    private mutating func parseString() throws(ValidationError) -> String {
        position += 1  // opening quote
        let start = position
        // Fast path: no escapes.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                position += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw fail("control character \(describe(byte)) inside a string; escape it") }
            if byte & 0xC0 == 0x80 { continuationBytes += 1 }
            position += 1
        }
        var buffer = Array(UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: buffer, as: UTF8.self)
            case UInt8(ascii: "\\"):
                position += 1
                guard position < bytes.count else { break }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""): buffer.append(0x22)
                case UInt8(ascii: "\\"): buffer.append(0x5C)
                case UInt8(ascii: "/"): buffer.append(0x2F)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        // A high surrogate must be followed by an escaped low surrogate.
                        if position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                            position += 2
                            let low = try parseHex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw fail("invalid surrogate pair in \\u escape") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            throw fail("unpaired surrogate in \\u escape")
                        }
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw fail("unpaired surrogate in \\u escape")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
                    buffer.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    position -= 1
                    throw fail("invalid escape '\\\(Character(Unicode.Scalar(escape)))' in string")
                }
            default:
                if byte < 0x20 { throw fail("control character \(describe(byte)) inside a string; escape it") }
                if byte & 0xC0 == 0x80 { continuationBytes += 1 }
                buffer.append(byte)
                position += 1
            }
        }
        throw fail("unterminated string")
    }

    private mutating func parseHex4() throws(ValidationError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw fail("incomplete \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }
}

/// What the parser builds values into: the located tree of configs and suites, or plain values.
protocol JSONBuilder {
    associatedtype Node
    associatedtype Members
    /// Whether locations are worth computing (they are only for the located tree).
    static var tracksLocations: Bool { get }
    static func scalar(_ text: String, kind: SourceScalar.Kind, at location: SourceLocation) -> Node
    static func add(_ key: String, at location: SourceLocation, _ value: Node, to members: inout Members)
    static func object(_ members: Members, at location: SourceLocation) -> Node
    static func array(_ elements: [Node], at location: SourceLocation) -> Node
    static func emptyMembers() -> Members
}

/// Builds the located tree configs and suites are read from.
enum LocatedBuilder: JSONBuilder {
    static var tracksLocations: Bool { true }
    static func scalar(_ text: String, kind: SourceScalar.Kind, at location: SourceLocation) -> SourceNode {
        .scalar(SourceScalar(text: text, kind: kind, location: location))
    }
    static func add(_ key: String, at location: SourceLocation, _ value: SourceNode, to members: inout [SourceEntry]) {
        members.append(SourceEntry(key: SourceScalar(text: key, kind: .string, location: location), value: value))
    }
    static func object(_ members: [SourceEntry], at location: SourceLocation) -> SourceNode { .mapping(members, location) }
    static func array(_ elements: [SourceNode], at location: SourceLocation) -> SourceNode { .sequence(elements, location) }
    static func emptyMembers() -> [SourceEntry] { [] }
}

/// Builds plain values; a key given twice keeps its first value, as `SourceNode.jsonValue` does.
extension JSONSource {
    /// A stored list of check results (`[{"check", "passed", "reason", "weight"?}]`), read
    /// straight into `CheckResult`s: no dictionary built for each check, as a `JSONValue` tree
    /// needs (reading checks was most of decoding a stored result). Nil when the text is not JSON.
    /// A missing field reads as the stored form leaves it out: "" / false / "" / 1.
    public static func checkResults(_ text: String) -> [CheckResult]? {
        var text = text
        return text.withUTF8 { bytes -> [CheckResult]? in
            var parser = JSONSource(bytes: bytes, file: "", line: 1)
            guard case .checks(let checks)? = try? parser.parseDocument(CheckListBuilder.self) else { return nil }
            return checks
        }
    }
}

/// Builds `CheckResult`s from a stored list of them.
enum CheckListBuilder: JSONBuilder {
    enum Node {
        case string(String)
        case bool(Bool)
        case number(Double)
        case check(CheckResult)
        case checks([CheckResult])
        case other
    }

    struct Members {
        var check = ""
        var passed = false
        var reason = ""
        var weight = 1.0
        /// Which of `keys` were met (`firstMention`).
        var seen: UInt8 = 0
    }

    static var tracksLocations: Bool { false }

    static func scalar(_ text: String, kind: SourceScalar.Kind, at location: SourceLocation) -> Node {
        switch kind {
        case .string: .string(text)
        case .bool: .bool(text == "true")
        case .number: Double(text).map(Node.number) ?? .other
        case .null: .other
        }
    }

    private static let keys = ["check", "passed", "reason", "weight"]

    static func add(_ key: String, at location: SourceLocation, _ value: Node, to members: inout Members) {
        guard JSONSource.firstMention(of: key, among: keys, seen: &members.seen) else { return }
        switch (key, value) {
        case ("check", .string(let text)): members.check = text
        case ("passed", .bool(let flag)): members.passed = flag
        case ("reason", .string(let text)): members.reason = text
        case ("weight", .number(let number)): members.weight = number
        default: break
        }
    }

    static func object(_ members: Members, at location: SourceLocation) -> Node {
        .check(CheckResult(check: members.check, passed: members.passed, reason: members.reason, weight: members.weight))
    }

    static func array(_ elements: [Node], at location: SourceLocation) -> Node {
        // Anything but an object reads as an empty check, as a plain value's missing fields do.
        .checks(elements.map { if case .check(let check) = $0 { check } else { CheckResult(check: "", passed: false, reason: "") } })
    }

    static func emptyMembers() -> Members { Members() }
}

extension JSONSource {
    /// A stored list of attempts (`[{"number", "outcome", "request_id"?, "wait_seconds"?}]`),
    /// read straight into `AttemptRecord`s, as the plain values read them: a missing request id
    /// is `requestID` (the result's own), a missing wait 0, anything but an object an attempt 0
    /// with no outcome. Empty when the text is not a JSON array (reading attempts through a
    /// `JSONValue` tree was a quarter of decoding a stored result).
    public static func attemptRecords(_ text: String, requestID: String) -> [AttemptRecord] {
        var text = text
        let parsed = text.withUTF8 { bytes -> [AttemptListBuilder.Members]? in
            var parser = JSONSource(bytes: bytes, file: "", line: 1)
            guard case .attempts(let attempts)? = try? parser.parseDocument(AttemptListBuilder.self) else { return nil }
            return attempts
        }
        return (parsed ?? []).map {
            AttemptRecord(number: $0.number, requestID: $0.requestID ?? requestID, outcome: $0.outcome, waitSeconds: $0.waitSeconds)
        }
    }
}

extension JSONSource {
    /// Whether `key` is one of `keys` mentioned for the first time in its object, marking it in
    /// `seen` (bit i for `keys[i]`): the first of a repeated key counts, as for a plain value.
    static func firstMention(of key: String, among keys: [String], seen: inout UInt8) -> Bool {
        guard let index = keys.firstIndex(of: key) else { return false }
        let bit = UInt8(1) << index
        guard seen & bit == 0 else { return false }
        seen |= bit
        return true
    }
}

/// Builds the members of stored attempts; `JSONSource.attemptRecords` makes the records.
enum AttemptListBuilder: JSONBuilder {
    enum Node {
        case string(String)
        case number(Double)
        case attempt(Members)
        case attempts([Members])
        case other
    }

    struct Members {
        var number = 0
        var outcome = ""
        var requestID: String?
        var waitSeconds = 0.0
        /// Which of `keys` were met (`firstMention`).
        var seen: UInt8 = 0
    }

    static var tracksLocations: Bool { false }

    static func scalar(_ text: String, kind: SourceScalar.Kind, at location: SourceLocation) -> Node {
        switch kind {
        case .string: .string(text)
        case .number: Double(text).map(Node.number) ?? .other
        case .bool, .null: .other
        }
    }

    private static let keys = ["number", "outcome", "request_id", "wait_seconds"]

    static func add(_ key: String, at location: SourceLocation, _ value: Node, to members: inout Members) {
        guard JSONSource.firstMention(of: key, among: keys, seen: &members.seen) else { return }
        switch (key, value) {
        case ("number", .number(let number)): members.number = number.isFinite && abs(number) < 1e15 ? Int(number) : 0
        case ("outcome", .string(let text)): members.outcome = text
        case ("request_id", .string(let text)): members.requestID = text
        case ("wait_seconds", .number(let number)): members.waitSeconds = number
        default: break
        }
    }

    static func object(_ members: Members, at location: SourceLocation) -> Node { .attempt(members) }

    static func array(_ elements: [Node], at location: SourceLocation) -> Node {
        .attempts(elements.map { if case .attempt(let members) = $0 { members } else { Members() } })
    }

    static func emptyMembers() -> Members { Members() }
}

/// Builds nothing: for checking that a text is JSON without keeping what it says.
enum CheckingBuilder: JSONBuilder {
    static var tracksLocations: Bool { false }
    static func scalar(_ text: String, kind: SourceScalar.Kind, at location: SourceLocation) {}
    static func add(_ key: String, at location: SourceLocation, _ value: Void, to members: inout Void) {}
    static func object(_ members: Void, at location: SourceLocation) {}
    static func array(_ elements: [Void], at location: SourceLocation) {}
    static func emptyMembers() {}
}

enum PlainBuilder: JSONBuilder {
    static var tracksLocations: Bool { false }
    static func scalar(_ text: String, kind: SourceScalar.Kind, at location: SourceLocation) -> JSONValue {
        switch kind {
        case .string: .string(text)
        case .null: .null
        case .bool: .bool(text == "true")
        case .number: Double(text).map(JSONValue.number) ?? .string(text)
        }
    }
    static func add(_ key: String, at location: SourceLocation, _ value: JSONValue, to members: inout [String: JSONValue]) {
        if members[key] == nil { members[key] = value }
    }
    static func object(_ members: [String: JSONValue], at location: SourceLocation) -> JSONValue { .object(members) }
    static func array(_ elements: [JSONValue], at location: SourceLocation) -> JSONValue { .array(elements) }
    static func emptyMembers() -> [String: JSONValue] { [:] }
}
