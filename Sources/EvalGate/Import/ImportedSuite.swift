import Foundation

/// A suite converted from another tool's tests, ready to be written as evalgate YAML, with
/// everything that could not be converted listed where it was found.
public struct ImportedSuite: Sendable {
    public var name: String
    public var kind: SuiteKind = .golden
    public var description: String?
    public var cases: [Case] = []
    /// What was not converted, each at its file, line and column, in file order.
    public var skipped: [Skipped] = [] {
        didSet {
            if skipped.count > 1, zip(skipped, skipped.dropFirst()).contains(where: { Self.precedes($1.location, $0.location) }) {
                skipped.sort { Self.precedes($0.location, $1.location) }
            }
        }
    }

    static func precedes(_ a: SourceLocation, _ b: SourceLocation) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
    /// Things the converted suite needs that are not in it (a judge for llm_rubric, …).
    public var notes: [String] = []

    public init(name: String) {
        self.name = name
    }

    /// One converted case: its members in the order they are written.
    public struct Case: Sendable {
        public var id: String
        public var fields: [(String, JSONValue)] = []

        public init(id: String) {
            self.id = id
        }
    }

    public struct Skipped: Sendable, CustomStringConvertible {
        public var location: SourceLocation
        public var what: String
        public var why: String

        public var description: String { "\(location): \(what): \(why)" }
    }

    /// The number of `assert:` entries and built-in checks written.
    public var assertionCount: Int {
        cases.reduce(0) { total, each in
            total + each.fields.reduce(0) { sum, field in
                switch field.0 {
                case "assert", "expected_contains", "forbidden_contains", "expected_tools": sum + (field.1.arrayValue?.count ?? 0)
                case "expect_refusal": sum + 1
                default: sum
                }
            }
        }
    }

    /// The suite as YAML: block structure, values in JSON's flow syntax (valid YAML 1.2, and every
    /// string quoted, so nothing in a prompt can change the structure). What was not converted
    /// heads the file as comments.
    public func yaml(source: String) -> String {
        var out = "# Imported by `evalgate import` from \(source).\n"
        if !skipped.isEmpty {
            out += "# Not converted (\(skipped.count)) — see the import's output; nothing was dropped silently:\n"
            for item in skipped { out += "#   " + TerminalText.oneLine(item.description, limit: 400) + "\n" }
        }
        for note in notes { out += "# Note: " + TerminalText.oneLine(note, limit: 400) + "\n" }
        out += "suite: \(JSONValue.string(name).canonicalText)\n"
        out += "kind: \(kind.rawValue)\n"
        if let description { out += "description: \(JSONValue.string(description).canonicalText)\n" }
        out += "cases:\n"
        for item in cases {
            out += "  - id: \(JSONValue.string(item.id).canonicalText)\n"
            for (key, value) in item.fields {
                if let elements = value.arrayValue, !elements.isEmpty, key == "assert" || key == "messages" || key == "expected_tools" {
                    out += "    \(key):\n"
                    for element in elements { out += "      - \(element.canonicalText)\n" }
                } else {
                    out += "    \(key): \(value.canonicalText)\n"
                }
            }
        }
        return out
    }

    /// A case id from free text: letters, digits, `.`, `-` and `_`, unique in the suite.
    public static func identifier(_ text: String?, fallback: String, taken: inout Set<String>) -> String {
        var slug = ""
        for character in (text ?? "").lowercased() {
            if character.isASCII && (character.isLetter || character.isNumber) {
                slug.append(character)
            } else if !slug.isEmpty && !slug.hasSuffix("-") {
                slug.append("-")
            }
            if slug.count >= 48 { break }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        if slug.isEmpty { slug = fallback }
        var candidate = slug
        var number = 2
        while taken.contains(candidate) {
            candidate = "\(slug)-\(number)"
            number += 1
        }
        taken.insert(candidate)
        return candidate
    }

    /// Writes the suite under `folder` as `NAME.yaml`; refuses to replace a file unless `force`.
    public func write(to folder: URL, source: String, force: Bool) throws(EvalGateError) -> URL {
        let url = folder.appendingPathComponent("\(name).yaml")
        if FileManager.default.fileExists(atPath: url.path) && !force {
            throw .invalidInput(ValidationError(.outside("import"), "\(url.path) already exists; nothing was written (--force overwrites)"))
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(yaml(source: source).utf8).write(to: url, options: .atomic)
        } catch {
            throw .storage("cannot write \(url.path): \(error.localizedDescription)")
        }
        return url
    }
}
