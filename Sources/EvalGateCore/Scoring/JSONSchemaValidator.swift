/// Checks a JSON value against a JSON schema: the subset real tool and output schemas use
/// (`type`, `required`, `properties`, `additionalProperties: false`, `items`, `enum`, `const`,
/// `minimum`/`maximum`, `minLength`/`maxLength`, `minItems`/`maxItems`, `anyOf`, and `$ref` to
/// `#/$defs/NAME` or `#/definitions/NAME` in the same schema).
/// Keywords outside that subset are ignored, never guessed at.
public struct JSONSchemaValidator: Sendable {
    public let schema: JSONValue

    public init(_ schema: JSONValue) {
        self.schema = schema
    }

    /// Every violation, each with the path where it sits (`$.order.items[2]: …`); empty when valid.
    public func violations(of value: JSONValue) -> [String] {
        var found: [String] = []
        check(value, against: schema, at: "$", into: &found)
        return found
    }

    /// `#/$defs/NAME` (or `#/definitions/NAME`) in this schema.
    private func resolve(_ reference: String) -> JSONValue? {
        for prefix in ["#/$defs/", "#/definitions/"] where reference.hasPrefix(prefix) {
            return schema[String(prefix.dropLast(1).dropFirst(2))]?[String(reference.dropFirst(prefix.count))]
        }
        return nil
    }

    /// `depth` counts `$ref` and `anyOf` steps taken without descending into the value, so a
    /// schema whose references go round in a circle ends with a violation instead of never.
    private func check(_ value: JSONValue, against schema: JSONValue, at path: String, depth: Int = 0, into found: inout [String]) {
        guard case .object(let rules) = schema else { return }
        guard depth < 64 else {
            found.append("\(path): the schema's references go round in a circle")
            return
        }
        if let reference = rules["$ref"]?.stringValue {
            guard let target = resolve(reference) else {
                found.append("\(path): the schema's $ref '\(reference)' names nothing in the schema")
                return
            }
            check(value, against: target, at: path, depth: depth + 1, into: &found)
        }
        if case .array(let options)? = rules["anyOf"] {
            let passing = options.contains { option in
                var sub: [String] = []
                check(value, against: option, at: path, depth: depth + 1, into: &sub)
                return sub.isEmpty
            }
            if !passing { found.append("\(path): matches none of the anyOf schemas") }
        }
        if let type = rules["type"] {
            let allowed: [String] = type.stringValue.map { [$0] } ?? type.arrayValue?.compactMap(\.stringValue) ?? []
            if !allowed.isEmpty && !allowed.contains(where: { Self.matches(value, type: $0) }) {
                found.append("\(path): expected \(allowed.joined(separator: " or ")), found \(value.typeName)")
                return
            }
        }
        if let options = rules["enum"]?.arrayValue, !options.contains(value) {
            found.append("\(path): \(value.canonicalText.prefix(60)) is not one of \(options.map(\.canonicalText).joined(separator: ", "))")
        }
        if let constant = rules["const"], constant != value {
            found.append("\(path): must be \(constant.canonicalText)")
        }
        switch value {
        case .number(let number):
            if let minimum = rules["minimum"]?.numberValue, number < minimum { found.append("\(path): \(JSONValue.numberText(number)) is below the minimum \(JSONValue.numberText(minimum))") }
            if let maximum = rules["maximum"]?.numberValue, number > maximum { found.append("\(path): \(JSONValue.numberText(number)) is above the maximum \(JSONValue.numberText(maximum))") }
        case .string(let text):
            if let minimum = rules["minLength"]?.numberValue, Double(text.count) < minimum { found.append("\(path): shorter than \(JSONValue.numberText(minimum)) characters") }
            if let maximum = rules["maxLength"]?.numberValue, Double(text.count) > maximum { found.append("\(path): longer than \(JSONValue.numberText(maximum)) characters") }
        case .array(let elements):
            if let minimum = rules["minItems"]?.numberValue, Double(elements.count) < minimum { found.append("\(path): fewer than \(JSONValue.numberText(minimum)) items") }
            if let maximum = rules["maxItems"]?.numberValue, Double(elements.count) > maximum { found.append("\(path): more than \(JSONValue.numberText(maximum)) items") }
            if let items = rules["items"] {
                for (index, element) in elements.enumerated() { check(element, against: items, at: "\(path)[\(index)]", into: &found) }
            }
        case .object(let members):
            for name in rules["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
                found.append("\(path): missing required '\(name)'")
            }
            let properties = rules["properties"]?.objectValue ?? [:]
            for key in members.keys.sorted() {
                if let propertySchema = properties[key] {
                    check(members[key] ?? .null, against: propertySchema, at: "\(path).\(key)", into: &found)
                } else if rules["additionalProperties"] == .bool(false) {
                    found.append("\(path).\(key): unexpected property '\(key)'")
                }
            }
        default:
            break
        }
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null), ("number", .number): true
        case ("integer", .number(let number)): number == number.rounded()
        default: false
        }
    }
}
