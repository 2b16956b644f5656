import Foundation
import Yams

/// Reads YAML into a `SourceNode` tree with locations, resolving plain scalars by the YAML 1.2
/// core schema.
public enum YAMLSource {
    /// The most nodes a document may expand to once aliases are followed: a guard against
    /// "billion laughs" alias bombs, far above any real suite. A document may also expand to no
    /// more than 10,000 plus four nodes per byte of its text — a real one has fewer nodes than
    /// bytes, while a bomb of a few hundred bytes would otherwise take seconds and hundreds of
    /// megabytes to refuse.
    public static let maximumNodes = 5_000_000
    /// How deep mappings and lists may nest.
    public static let maximumDepth = 256

    /// Parses one YAML document. An empty document is an error (a suite or config must say something).
    public static func parse(_ text: String, file: String) throws(ValidationError) -> SourceNode {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ValidationError(location(of: error, file: file), message(of: error))
        } catch {
            throw ValidationError(SourceLocation(file: file, line: 1, column: 1), "cannot read YAML: \(error)")
        }
        guard let root else {
            throw ValidationError(SourceLocation(file: file, line: 1, column: 1), "the file is empty")
        }
        let limit = min(maximumNodes, 10_000 + 4 * text.utf8.count)
        var budget = limit
        do {
            return try convert(root, file: file, depth: 0, budget: &budget)
        } catch where budget < 0 {
            throw ValidationError(error.diagnostics.first?.location ?? SourceLocation(file: file, line: 1, column: 1), "the document expands to more than \(limit) values, far more than its \(text.utf8.count) bytes hold: an alias bomb?")
        }
    }

    private static func convert(_ node: Node, file: String, depth: Int, budget: inout Int) throws(ValidationError) -> SourceNode {
        let location = SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
        budget -= 1
        if budget < 0 {
            throw ValidationError(location, "too many values")
        }
        if depth > maximumDepth {
            throw ValidationError(location, "nested deeper than \(maximumDepth) levels")
        }
        switch node {
        case .scalar(let scalar):
            return .scalar(resolve(scalar, location: location))
        case .sequence(let sequence):
            var elements: [SourceNode] = []
            elements.reserveCapacity(sequence.count)
            for element in sequence {
                elements.append(try convert(element, file: file, depth: depth + 1, budget: &budget))
            }
            return .sequence(elements, location)
        case .mapping(let mapping):
            var entries: [SourceEntry] = []
            entries.reserveCapacity(mapping.count)
            for (key, value) in mapping {
                let keyLocation = SourceLocation(file: file, line: key.mark?.line ?? location.line, column: key.mark?.column ?? location.column)
                guard case .scalar(let keyScalar) = key else {
                    throw ValidationError(keyLocation, "mapping keys must be plain strings")
                }
                let converted = try convert(value, file: file, depth: depth + 1, budget: &budget)
                entries.append(SourceEntry(key: SourceScalar(text: keyScalar.string, kind: .string, location: keyLocation), value: converted))
            }
            return .mapping(entries, location)
        case .alias:
            // Yams resolves aliases while composing; an unresolved one means an undefined anchor.
            throw ValidationError(location, "undefined alias")
        }
    }

    private static func resolve(_ scalar: Node.Scalar, location: SourceLocation) -> SourceScalar {
        let text = scalar.string
        guard scalar.style == .plain || scalar.style == .any else {
            return SourceScalar(text: text, kind: .string, location: location)
        }
        // An explicit tag (`!!str 42`) wins over the plain-scalar rules.
        if scalar.tag.rawValue == Tag.Name.str.rawValue { return SourceScalar(text: text, kind: .string, location: location) }
        return plainScalar(text, location: location)
    }

    /// Resolves unquoted text the way a plain YAML scalar is resolved: used for values given in the
    /// environment or on the command line, so `EVALGATE_RUN_CONCURRENCY=16` is a number.
    public static func plainScalar(_ text: String, location: SourceLocation) -> SourceScalar {
        switch text {
        case "", "~", "null", "Null", "NULL":
            return SourceScalar(text: text, kind: .null, location: location)
        case "true", "True", "TRUE", "false", "False", "FALSE":
            return SourceScalar(text: text.lowercased(), kind: .bool, location: location)
        default:
            break
        }
        if isNumber(text) {
            return SourceScalar(text: text.replacingOccurrences(of: "_", with: ""), kind: .number, location: location)
        }
        return SourceScalar(text: text, kind: .string, location: location)
    }

    /// Decimal integers and floats (`12`, `-3`, `0.5`, `1e-3`, `.5`); hex, octal and `.inf` stay strings.
    private static func isNumber(_ text: String) -> Bool {
        var bytes = Substring(text).utf8[...]
        if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        guard !bytes.isEmpty else { return false }
        var digits = 0, dots = 0, exponent = false, previous: UInt8 = 0
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: "_") where digits > 0: break
            case UInt8(ascii: ".") where !exponent: dots += 1
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                if exponent || digits == 0 { return false }
                exponent = true
            case UInt8(ascii: "-"), UInt8(ascii: "+"):
                if previous != UInt8(ascii: "e") && previous != UInt8(ascii: "E") { return false }
            default: return false
            }
            previous = byte
        }
        return digits > 0 && dots <= 1 && Double(text.replacingOccurrences(of: "_", with: "")) != nil
    }

    private static func location(of error: YamlError, file: String) -> SourceLocation {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return SourceLocation(file: file, line: mark.line, column: mark.column)
        case .duplicatedKeysInMapping(_, let context):
            return SourceLocation(file: file, line: context.mark.line, column: context.mark.column)
        default:
            return SourceLocation(file: file, line: 1, column: 1)
        }
    }

    private static func message(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _), .composer(let context, let problem, _, _):
            if let context { return "invalid YAML: \(problem) (\(context.text) at line \(context.mark.line))" }
            return "invalid YAML: \(problem)"
        case .duplicatedKeysInMapping(let duplicates, _):
            return "duplicate key '\(duplicates.joined(separator: "', '"))' in mapping"
        case .reader(let problem, _, _, _):
            return "cannot read YAML: \(problem)"
        default:
            return "invalid YAML: \(error)"
        }
    }
}
