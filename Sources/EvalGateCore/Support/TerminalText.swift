/// Text from a model, a suite or a child process made safe for a terminal or a log.
public enum TerminalText {
    /// `text` on one line, control characters, ANSI escapes and bidi overrides shown as `\u{1B}`
    /// instead of acting on the terminal, cut at `limit` characters.
    public static func oneLine(_ text: String, limit: Int = 300) -> String {
        var flat = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A, 0x0D: flat += " "
            case 0x00..<0x20, 0x7F, 0x80..<0xA0, 0x202A...0x202E, 0x2066...0x2069: flat += visible(scalar)
            default: flat.unicodeScalars.append(scalar)
            }
        }
        return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    }

    /// A character written so it can be seen, not obeyed: `\u{1B}`.
    public static func visible(_ scalar: Unicode.Scalar) -> String {
        "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
    }
}
