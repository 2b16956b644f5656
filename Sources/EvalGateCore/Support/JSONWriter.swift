/// Writes JSON straight into UTF-8 bytes, member by member, with no intermediate `JSONValue`:
/// for output written at volume (a report's cases), where building dictionaries, sorting their
/// keys and hashing was most of the cost. The caller writes keys in the order it wants (the
/// reports write them sorted, so their text is what `canonicalText` would give).
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// For each open object or array, whether it has a member yet (a comma goes before the next).
    private var hasMember: [Bool] = []
    /// A key was just written: its value needs no comma.
    private var afterKey = false

    public init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    /// Starts over, keeping the capacity.
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        hasMember.removeAll(keepingCapacity: true)
        afterKey = false
    }

    private mutating func prefix() {
        if afterKey {
            afterKey = false
        } else if let last = hasMember.last {
            if last { bytes.append(UInt8(ascii: ",")) } else { hasMember[hasMember.count - 1] = true }
        }
    }

    public mutating func beginObject() {
        prefix()
        bytes.append(UInt8(ascii: "{"))
        hasMember.append(false)
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        hasMember.removeLast()
    }

    public mutating func beginArray() {
        prefix()
        bytes.append(UInt8(ascii: "["))
        hasMember.append(false)
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        hasMember.removeLast()
    }

    /// Writes `"name":`; the value written next belongs to it.
    public mutating func key(_ name: String) {
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
    public mutating func object(_ name: String, _ body: (inout JSONWriter) -> Void) {
        key(name)
        beginObject()
        body(&self)
        endObject()
    }

    /// `"name":` and an array whose elements `body` writes.
    public mutating func array(_ name: String, _ body: (inout JSONWriter) -> Void) {
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
}
