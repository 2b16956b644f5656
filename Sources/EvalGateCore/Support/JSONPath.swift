import Foundation

/// Dotted paths into JSON with array indexes: `choices.0.message.content`, `choices[0].message`.
public enum JSONPath {
    /// Why a path did not lead anywhere, naming the step and what was there instead.
    public struct Problem: Error, Sendable {
        public var message: String
    }

    /// The steps of a path: `a[0].b` → `a`, `0`, `b`.
    static func steps(_ path: String) -> [String] {
        path.replacingOccurrences(of: "[", with: ".").replacingOccurrences(of: "]", with: "")
            .split(separator: ".", omittingEmptySubsequences: true).map(String.init)
    }

    /// The value at `path`, or a problem such as "'choices' not found; keys there: output, usage".
    public static func resolve(_ path: String, in root: JSONValue) -> Result<JSONValue, Problem> {
        var current = root
        var walked: [String] = []
        for step in steps(path) {
            let here = walked.isEmpty ? "the top level" : "'\(walked.joined(separator: "."))'"
            switch current {
            case .object(let members):
                guard let next = members[step] else {
                    let keys = members.keys.sorted().prefix(20).joined(separator: ", ")
                    return .failure(Problem(message: "path '\(path)': '\(step)' not found at \(here); keys there: \(keys.isEmpty ? "none" : keys)"))
                }
                current = next
            case .array(let elements):
                guard let index = Int(step), elements.indices.contains(index) else {
                    return .failure(Problem(message: "path '\(path)': \(here) is a list of \(elements.count); '\(step)' is not an index in it"))
                }
                current = elements[index]
            default:
                return .failure(Problem(message: "path '\(path)': \(here) is \(current.typeName), so '\(step)' cannot be read from it"))
            }
            walked.append(step)
        }
        return .success(current)
    }
}

