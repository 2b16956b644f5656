import EvalGateCore
import Foundation

/// Escaping for Markdown as GitHub renders it (pull-request comments, step summaries): model
/// output and case ids are untrusted, so nothing they hold may become a link, an image, a mention,
/// HTML or a table cell boundary.
public enum MarkdownText {
    /// Text for a paragraph, list item or table cell: on one line, HTML and Markdown punctuation
    /// escaped, `@` made inert (no mentions), control characters shown as `\u{1B}`.
    public static func inline(_ text: String, limit: Int = 300) -> String {
        let (head, cut) = prefix(text, limit)
        var out = ""
        for scalar in head.unicodeScalars {
            switch scalar {
            case "\n", "\r", "\t": out += " "
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "@": out += "&#64;"
            case "\\", "`", "*", "_", "[", "]", "|", "~":
                out += "\\"
                out.unicodeScalars.append(scalar)
            default:
                if isControl(scalar) { out += TerminalText.visible(scalar) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return cut ? out + "…" : out
    }

    /// The first `limit` characters of `text`, and whether anything was cut.
    static func prefix(_ text: String, _ limit: Int) -> (Substring, Bool) {
        let head = text.prefix(limit)
        return (head, head.endIndex != text.endIndex)
    }

    /// An inline code span: `` `id` ``, with a fence longer than any backtick run inside.
    public static func code(_ text: String) -> String {
        let flat = String(String.UnicodeScalarView(text.unicodeScalars.flatMap { scalar -> [Unicode.Scalar] in
            if scalar == "\n" || scalar == "\r" || scalar == "\t" { return [" "] }
            return isControl(scalar) ? Array(TerminalText.visible(scalar).unicodeScalars) : [scalar]
        }))
        let fence = String(repeating: "`", count: longestRun(of: "`", in: flat) + 1)
        let pad = flat.hasPrefix("`") || flat.hasSuffix("`") || flat.hasPrefix(" ") ? " " : ""
        return fence + pad + flat + pad + fence
    }

    /// A fenced code block of `text`, cut at `limit` characters, with control characters shown.
    public static func block(_ text: String, language: String = "text", limit: Int = 1500) -> String {
        let (head, cut) = prefix(text, limit)
        var body = showingControls(head.replacingOccurrences(of: "\r", with: ""))
        if cut { body += "\n… (\(text.count) characters in all)" }
        let fence = String(repeating: "`", count: max(3, longestRun(of: "`", in: body) + 1))
        return "\(fence)\(language)\n\(body)\n\(fence)"
    }

    /// Whether `text` holds a character `showingControls` would rewrite.
    static func isControlOrBidi(_ text: String) -> Bool {
        text.unicodeScalars.contains { isControl($0) && $0 != "\n" && $0 != "\t" && $0 != "\r" }
    }

    /// `text` with control characters (but line breaks and tabs) and bidi overrides written as `\u{1B}`.
    static func showingControls<Text: StringProtocol>(_ text: Text) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if isControl(scalar) && scalar != "\n" && scalar != "\t" && scalar != "\r" {
                out += TerminalText.visible(scalar)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00..<0x20, 0x7F, 0x80..<0xA0, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    static func longestRun(of character: Character, in text: String) -> Int {
        var longest = 0, current = 0
        for each in text {
            if each == character {
                current += 1
                longest = max(longest, current)
            } else {
                current = 0
            }
        }
        return longest
    }
}
