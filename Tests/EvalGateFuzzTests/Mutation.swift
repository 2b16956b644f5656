import Foundation

/// Byte-level mutations of a seed document, driven by random bytes from the property checker:
/// each group of three bytes deletes, inserts a token that matters to YAML or JSON, replaces a
/// byte, or duplicates a slice. The same bytes always give the same document, so a failure
/// reported with its seed replays exactly.
enum Mutation {
    static let tokens: [[UInt8]] = [
        "{", "}", "[", "]", ":", ",", "\"", "'", "\n", "- ", "&a ", "*a", "!!str ", "\\u0000", "\\ud800", "{{", "}}", "#", " ", "\t", "0", "-1",
        "1e999", "null", "true", "~", "? ", "|\n", ">\n", "---\n", "...\n", "%YAML 1.2\n", "<<: *a\n", "\u{FEFF}", "\u{202E}", "</script>", "]]>",
    ].map { Array($0.utf8) } + [[0xFF], [0xC3], [0x00], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]]

    static func apply(_ ops: [UInt8], to seed: String) -> [UInt8] {
        var bytes = Array(seed.utf8)
        var index = 0
        while index + 2 < ops.count {
            let (op, a, b) = (ops[index], Int(ops[index + 1]), Int(ops[index + 2]))
            index += 3
            let position = bytes.isEmpty ? 0 : (a << 8 | b) % (bytes.count + 1)
            switch op % 4 {
            case 0 where !bytes.isEmpty:
                bytes.removeSubrange(position..<min(bytes.count, position + 1 + b % 8))
            case 1:
                bytes.insert(contentsOf: tokens[Int(op) % tokens.count], at: position)
            case 2 where position < bytes.count:
                bytes[position] = UInt8(truncatingIfNeeded: a ^ b)
            case 3 where !bytes.isEmpty && bytes.count < 1 << 16:
                let start = min(position, bytes.count - 1)
                let slice = Array(bytes[start..<min(bytes.count, start + 1 + a % 64)])
                bytes.insert(contentsOf: slice, at: start)
            default:
                break
            }
        }
        return bytes
    }

    /// The mutated bytes as text, when they are UTF-8 (the loaders' entry points take files, which
    /// are checked for UTF-8 first; in-memory parsers get only valid strings).
    static func text(_ ops: [UInt8], seed: String) -> String {
        String(decoding: apply(ops, to: seed), as: UTF8.self)
    }

    /// How many inputs each property tries: `EVALGATE_FUZZ_COUNT`, default 300 (a few seconds).
    static var count: Int {
        ProcessInfo.processInfo.environment["EVALGATE_FUZZ_COUNT"].flatMap(Int.init) ?? 300
    }
}
