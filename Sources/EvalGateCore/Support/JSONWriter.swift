/// Writes JSON straight into UTF-8 bytes, member by member, with no intermediate `JSONValue`:
/// for output written at volume (a report's cases), where building dictionaries, sorting their
/// keys and hashing was most of the cost. The caller writes keys in the order it wants (the
/// reports write them sorted, so their text is what `canonicalText` would give).
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// For each open object or array, whether it has a member yet (a comma goes before the next):
    /// bit i for level i, levels past 64 in `deeper`. No allocation for the usual shallow JSON.
    private var hasMember: UInt64 = 0
    private var depth = 0
    private var deeper: [Bool] = []
    /// A key was just written: its value needs no comma.
    private var afterKey = false

    public init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    /// A writer that appends to `bytes` (given up by the caller, so it is not copied); `take()`
    /// hands them back.
    public init(appendingTo bytes: consuming [UInt8]) {
        self.bytes = bytes
    }

    /// The bytes written, leaving the writer empty.
    public mutating func take() -> [UInt8] {
        var taken: [UInt8] = []
        swap(&taken, &bytes)
        return taken
    }

    /// Starts over, keeping the capacity.
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        hasMember = 0
        depth = 0
        deeper.removeAll(keepingCapacity: true)
        afterKey = false
    }

    private mutating func prefix() {
        if afterKey {
            afterKey = false
            return
        }
        guard depth > 0 else { return }
        let level = depth - 1
        if level < 64 {
            if hasMember & (1 << level) != 0 { bytes.append(UInt8(ascii: ",")) } else { hasMember |= 1 << level }
        } else if deeper[level - 64] {
            bytes.append(UInt8(ascii: ","))
        } else {
            deeper[level - 64] = true
        }
    }

    private mutating func open(_ bracket: UInt8) {
        prefix()
        bytes.append(bracket)
        if depth < 64 { hasMember &= ~(1 << depth) } else { deeper.append(false) }
        depth += 1
    }

    private mutating func close(_ bracket: UInt8) {
        bytes.append(bracket)
        depth -= 1
        if depth >= 64 { deeper.removeLast() }
    }

    public mutating func beginObject() { open(UInt8(ascii: "{")) }

    public mutating func endObject() { close(UInt8(ascii: "}")) }

    public mutating func beginArray() { open(UInt8(ascii: "[")) }

    public mutating func endArray() { close(UInt8(ascii: "]")) }

    /// Writes `"name":`; the value written next belongs to it. The name is a literal of the
    /// caller's, copied as it is: it must need no escaping (writing keys as Strings, scanned and
    /// escaped each time, was a quarter of the JSON report's cost).
    public mutating func key(_ name: StaticString) {
        prefix()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    /// Writes `"name":` for a name that is data (escaped as any string).
    public mutating func key(escaping name: String) {
        prefix()
        JSONValue.writeString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    public mutating func string(_ text: String) {
        prefix()
        JSONValue.writeString(text, to: &bytes)
    }

    public mutating func string(_ text: String?) {
        if let text { string(text) } else { null() }
    }

    public mutating func number(_ number: Double) {
        prefix()
        JSONValue.writeNumber(number, to: &bytes)
    }

    public mutating func number(_ number: Double?) {
        if let number { self.number(number) } else { null() }
    }

    public mutating func number(_ number: Int) { self.number(Double(number)) }

    public mutating func number(_ number: Int?) {
        if let number { self.number(Double(number)) } else { null() }
    }

    public mutating func bool(_ flag: Bool) {
        prefix()
        bytes.append(contentsOf: (flag ? "true" : "false").utf8)
    }

    public mutating func null() {
        prefix()
        bytes.append(contentsOf: "null".utf8)
    }

    /// JSON text as it is, for a value already written as JSON (the caller has checked it parses:
    /// `JSONSource.isWellFormed`).
    public mutating func raw(_ json: String) {
        prefix()
        bytes.append(contentsOf: json.utf8)
    }

    /// A whole `JSONValue`, in its canonical text.
    public mutating func json(_ value: JSONValue) {
        prefix()
        value.write(to: &bytes)
    }

    /// `"name":` and an object whose members `body` writes.
    public mutating func object(_ name: StaticString, _ body: (inout JSONWriter) -> Void) {
        key(name)
        beginObject()
        body(&self)
        endObject()
    }

    /// `"name":` and an array whose elements `body` writes.
    public mutating func array(_ name: StaticString, _ body: (inout JSONWriter) -> Void) {
        key(name)
        beginArray()
        body(&self)
        endArray()
    }
}

extension JSONWriter {
    /// Tool calls as `[{"arguments", "name"}]`, keys sorted: how the store and the reports write them.
    public mutating func toolCalls(_ calls: [ToolCall]) {
        beginArray()
        for call in calls {
            beginObject()
            key("arguments"); json(call.arguments)
            key("name"); string(call.name)
            endObject()
        }
        endArray()
    }

    /// Chat messages as `[{"content", "role"}]`, keys sorted: how a case's fingerprint and a
    /// result's stored request write them.
    public mutating func chatMessages(_ messages: [ChatMessage]) {
        beginArray()
        for message in messages {
            beginObject()
            key("content"); string(message.content)
            key("role"); string(message.role)
            endObject()
        }
        endArray()
    }

    /// A map of strings as an object, keys sorted (as `canonicalText` writes it).
    public mutating func stringMap(_ values: [String: String]) {
        beginObject()
        for name in values.keys.sorted() {
            key(escaping: name); string(values[name] ?? "")
        }
        endObject()
    }
}
