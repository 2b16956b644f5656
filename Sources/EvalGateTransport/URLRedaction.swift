import Foundation

/// URLs as they may be shown: without user:password and with secret-looking query values hidden.
public enum URLRedaction {
    /// Query parameters whose values are treated as secrets.
    static let secretParameters = ["key", "api_key", "apikey", "api-key", "token", "access_token", "secret", "password", "sig", "signature", "code"]

    /// `url` safe to print: `https://user:pw@host/x?key=abc&q=1` → `https://host/x?key=REDACTED&q=1`.
    public static func redact(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.user = nil
        components.password = nil
        if let items = components.queryItems {
            components.queryItems = items.map { item in
                secretParameters.contains(item.name.lowercased()) ? URLQueryItem(name: item.name, value: "REDACTED") : item
            }
        }
        return components.string ?? url
    }

    /// Redacts every http(s) URL found in a message.
    public static func redactingURLs(in text: String) -> String {
        guard text.contains("://") else { return text }
        var out = ""
        var rest = Substring(text)
        while let range = rest.range(of: "http", options: .caseInsensitive) {
            out += rest[..<range.lowerBound]
            let tail = rest[range.lowerBound...]
            let end = tail.firstIndex { $0 == " " || $0 == "\"" || $0 == "'" || $0 == ")" || $0 == "\n" } ?? tail.endIndex
            let candidate = String(tail[..<end])
            out += candidate.contains("://") ? redact(candidate) : candidate
            rest = tail[end...]
        }
        return out + rest
    }
}
