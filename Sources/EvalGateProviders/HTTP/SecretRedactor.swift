import EvalGateTransport
import Foundation

/// Hides secret values (API keys, header values filled from the environment) wherever text from
/// an endpoint could carry them: error messages, response bodies quoted in errors, model output.
/// Servers do echo keys ("Incorrect API key provided: sk-…"); nothing echoed is stored.
public struct SecretRedactor: Sendable {
    private let secrets: [String]

    /// Secrets shorter than 4 characters are ignored: hiding every "a" would hide nothing useful.
    public init(_ secrets: [String]) {
        self.secrets = secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    /// `text` with each secret replaced by `[REDACTED]`, and URLs without userinfo or key parameters.
    public func redact(_ text: String) -> String {
        var out = text
        for secret in secrets where out.contains(secret) {
            out = out.replacingOccurrences(of: secret, with: "[REDACTED]")
        }
        return URLRedaction.redactingURLs(in: out)
    }
}

