/// Typed access to the fields of a mapping, reporting every mistake to a `DiagnosticLog`.
///
/// Each accessor returns nil both when the field is absent and when it is malformed; in the second
/// case it has already logged a message naming the field, what it must be and what was found.
extension SourceNode {
    /// Reports keys that are not in `allowed`, with a did-you-mean when one is close, and keys that
    /// appear twice. `what` names the mapping in messages ("suite", "case", "provider").
    public func checkKeys(_ allowed: [String], in what: String, log: inout DiagnosticLog) {
        guard let entries else { return }
        // A mapping usually has a handful of keys: earlier ones are compared directly, with no set
        // built for every case of a suite. A large one (a hostile file) gets the set.
        var seen: Set<String>? = entries.count > 32 ? [] : nil
        for (index, entry) in entries.enumerated() {
            let key = entry.key.text
            let repeated = seen.map { $0.contains(key) } ?? entries[..<index].contains { $0.key.text == key }
            seen?.insert(key)
            if repeated {
                log.error(entry.key.location, "duplicate key '\(key)' in \(what)")
                continue
            }
            if !allowed.contains(key) {
                var message = "unknown key '\(key)' in \(what)"
                if let suggestion = Spelling.closest(to: key, among: allowed) {
                    message += "; did you mean '\(suggestion)'?"
                } else {
                    message += " (allowed: \(allowed.joined(separator: ", ")))"
                }
                log.error(entry.key.location, message)
            }
        }
    }

    /// Requires this node to be a mapping; logs and returns false otherwise.
    public func requireMapping(_ what: String, log: inout DiagnosticLog) -> Bool {
        if case .mapping = self { return true }
        log.error(location, "\(what) must be a mapping, found \(typeName)")
        return false
    }

    /// A string field. Numbers are accepted as their text (`id: 42`, `expected_contains: [30]`).
    public func string(_ key: String, log: inout DiagnosticLog) -> String? {
        guard let node = self[key] else { return nil }
        return node.asString(field: key, log: &log)
    }

    /// A string field that must be present and non-empty.
    public func requiredString(_ key: String, in what: String, log: inout DiagnosticLog) -> String? {
        guard let node = self[key] else {
            log.error(location, "\(what) is missing required field '\(key)'")
            return nil
        }
        guard let text = node.asString(field: key, log: &log) else { return nil }
        if text.isEmpty {
            log.error(node.location, "'\(key)' must not be empty")
            return nil
        }
        return text
    }

    /// This node as a string; logs when it is not a scalar string or number.
    public func asString(field: String, log: inout DiagnosticLog) -> String? {
        if case .scalar(let scalar) = self, scalar.kind == .string || scalar.kind == .number {
            return scalar.text
        }
        log.error(location, "'\(field)' must be a string, found \(typeName)")
        return nil
    }

    /// An integer field within `range`.
    public func int(_ key: String, in range: ClosedRange<Int>, log: inout DiagnosticLog) -> Int? {
        guard let node = self[key] else { return nil }
        guard case .scalar(let scalar) = node, scalar.kind == .number, let value = Int(scalar.text) else {
            log.error(node.location, "'\(key)' must be a whole number, found \(node.describedValue)")
            return nil
        }
        guard range.contains(value) else {
            log.error(node.location, "'\(key)' must be between \(range.lowerBound) and \(range.upperBound), found \(value)")
            return nil
        }
        return value
    }

    /// A number field within `range`.
    public func double(_ key: String, in range: ClosedRange<Double>, log: inout DiagnosticLog) -> Double? {
        guard let node = self[key] else { return nil }
        guard case .scalar(let scalar) = node, scalar.kind == .number, let value = Double(scalar.text), value.isFinite
        else {
            log.error(node.location, "'\(key)' must be a number, found \(node.describedValue)")
            return nil
        }
        guard range.contains(value) else {
            log.error(
                node.location,
                "'\(key)' must be between \(JSONValue.numberText(range.lowerBound)) and \(JSONValue.numberText(range.upperBound)), found \(scalar.text)"
            )
            return nil
        }
        return value
    }

    /// A boolean field (`true` or `false`).
    public func bool(_ key: String, log: inout DiagnosticLog) -> Bool? {
        guard let node = self[key] else { return nil }
        guard case .scalar(let scalar) = node, scalar.kind == .bool else {
            log.error(node.location, "'\(key)' must be true or false, found \(node.describedValue)")
            return nil
        }
        return scalar.text.lowercased() == "true"
    }

    /// A list of strings; a single string is taken as a list of one.
    public func stringList(_ key: String, log: inout DiagnosticLog) -> [String]? {
        guard let node = self[key] else { return nil }
        switch node {
        case .scalar(let scalar) where scalar.kind == .string || scalar.kind == .number:
            return [scalar.text]
        case .sequence(let elements, _):
            var values: [String] = []
            values.reserveCapacity(elements.count)
            for element in elements {
                if let text = element.asString(field: key, log: &log) { values.append(text) }
            }
            return values
        default:
            log.error(node.location, "'\(key)' must be a list of strings, found \(node.typeName)")
            return nil
        }
    }

    /// A mapping from names to strings (`vars`).
    public func stringMap(_ key: String, log: inout DiagnosticLog) -> [String: String]? {
        guard let node = self[key] else { return nil }
        guard case .mapping(let entries, _) = node else {
            log.error(node.location, "'\(key)' must be a mapping of names to strings, found \(node.typeName)")
            return nil
        }
        var values: [String: String] = [:]
        for entry in entries {
            if let text = entry.value.asString(field: "\(key).\(entry.key.text)", log: &log) {
                values[entry.key.text] = text
            }
        }
        return values
    }

    /// The value quoted for a message: `'abc'` for strings, the text for other scalars, else the type.
    var describedValue: String {
        guard case .scalar(let scalar) = self else { return typeName }
        switch scalar.kind {
        case .string: return "'\(scalar.text)'"
        case .null: return "null"
        case .bool, .number: return scalar.text
        }
    }
}

/// Did-you-mean suggestions for misspelt keys and names.
public enum Spelling {
    /// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
    public static func closest(to word: String, among candidates: [String]) -> String? {
        let lowered = word.lowercased()
        let ranked = candidates.map { ($0, editDistance(lowered, $0.lowercased())) }
        // A key that is the start of a longer one ("expected" for "expected_contains") is a likely slip too.
        if lowered.count >= 4, let extended = candidates.first(where: { $0.lowercased().hasPrefix(lowered) }) {
            return extended
        }
        guard let (candidate, distance) = ranked.min(by: { $0.1 < $1.1 }) else { return nil }
        let limit = max(1, min(3, candidate.count / 3))
        return distance <= limit ? candidate : nil
    }

    /// Levenshtein distance between two strings, counted in characters.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
