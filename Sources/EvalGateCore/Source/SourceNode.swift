/// A place in a file a person can go to: `suites/refunds.yaml:12:7`.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file's path as the user gave it (relative paths stay relative), or a pseudo-file such as
    /// `environment` or `command line` for values that came from there.
    public var file: String
    /// Line number, starting at 1.
    public var line: Int
    /// Column number, starting at 1, counted in Unicode scalars.
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// A location outside any file (an environment variable, a command-line option): line 0.
    public static func outside(_ origin: String) -> SourceLocation {
        SourceLocation(file: origin, line: 0, column: 0)
    }

    public var description: String { line > 0 ? "\(file):\(line):\(column)" : file }
}

/// A scalar read from YAML or JSON, with where it stood.
public struct SourceScalar: Sendable {
    /// What the scalar resolved to. YAML plain scalars follow the YAML 1.2 core schema
    /// (`true`/`false`, `null`/`~`, numbers); quoted scalars are always strings, so `"yes"` and
    /// `no` stay strings (no "Norway problem").
    public enum Kind: Sendable, Equatable {
        case string, null, bool, number
    }

    /// The scalar's text as written, unquoted and unescaped.
    public var text: String
    public var kind: Kind
    public var location: SourceLocation

    public init(text: String, kind: Kind, location: SourceLocation) {
        self.text = text
        self.kind = kind
        self.location = location
    }
}

/// One `key: value` entry of a mapping, in file order.
public struct SourceEntry: Sendable {
    public var key: SourceScalar
    public var value: SourceNode
}

/// A document tree read from YAML or JSON in which every node knows its file, line and column,
/// so that every validation error can point at the field it is about.
public indirect enum SourceNode: Sendable {
    case scalar(SourceScalar)
    case sequence([SourceNode], SourceLocation)
    case mapping([SourceEntry], SourceLocation)

    /// Where the node starts.
    public var location: SourceLocation {
        switch self {
        case .scalar(let scalar): scalar.location
        case .sequence(_, let location), .mapping(_, let location): location
        }
    }

    /// The value of the first entry named `key`, when this is a mapping.
    public subscript(key: String) -> SourceNode? {
        guard case .mapping(let entries, _) = self else { return nil }
        return entries.first { $0.key.text == key }?.value
    }

    /// The entries when this is a mapping, else nil.
    public var entries: [SourceEntry]? {
        if case .mapping(let entries, _) = self { return entries }
        return nil
    }

    /// The elements when this is a sequence, else nil.
    public var elements: [SourceNode]? {
        if case .sequence(let elements, _) = self { return elements }
        return nil
    }

    /// The scalar when this is one, else nil.
    public var scalar: SourceScalar? {
        if case .scalar(let scalar) = self { return scalar }
        return nil
    }

    /// What the node is, for messages: "a mapping", "a list", "a string", "a number", …
    public var typeName: String {
        switch self {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar(let scalar):
            switch scalar.kind {
            case .string: "a string"
            case .null: "null"
            case .bool: "a boolean"
            case .number: "a number"
            }
        }
    }

    /// The node as a plain JSON value (locations dropped).
    public var jsonValue: JSONValue {
        switch self {
        case .scalar(let scalar):
            switch scalar.kind {
            case .string: return .string(scalar.text)
            case .null: return .null
            case .bool: return .bool(scalar.text.lowercased() == "true")
            case .number: return Double(scalar.text).map(JSONValue.number) ?? .string(scalar.text)
            }
        case .sequence(let elements, _):
            return .array(elements.map(\.jsonValue))
        case .mapping(let entries, _):
            var members: [String: JSONValue] = [:]
            members.reserveCapacity(entries.count)
            for entry in entries where members[entry.key.text] == nil {
                members[entry.key.text] = entry.value.jsonValue
            }
            return .object(members)
        }
    }
}

