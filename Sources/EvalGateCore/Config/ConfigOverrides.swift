import Foundation

/// Values that override the config file: from `EVALGATE_*` environment variables, then from the
/// command line, the later winning.
public struct ConfigOverrides: Sendable {
    /// One overridden value: a key path in the config (`["run", "concurrency"]`), its text, and
    /// where it came from (`environment variable EVALGATE_RUN_CONCURRENCY`, `--concurrency`).
    public struct Value: Sendable {
        public var path: [String]
        public var text: String
        public var origin: String

        public init(path: [String], text: String, origin: String) {
            self.path = path
            self.text = text
            self.origin = origin
        }
    }

    public var values: [Value] = []

    public init(values: [Value] = []) {
        self.values = values
    }

    /// The keys that can be overridden, as paths. The environment variable for each is
    /// `EVALGATE_` and the path in capitals joined by `_`: `EVALGATE_RUN_CONCURRENCY`.
    public static let overridablePaths: [[String]] = [
        ["provider", "type"], ["provider", "model"], ["provider", "file"], ["provider", "base_url"],
        ["provider", "temperature"], ["provider", "top_p"], ["provider", "seed"], ["provider", "max_tokens"],
        ["context_window"],
        ["run", "concurrency"], ["run", "repeat"], ["run", "timeout"], ["run", "retries"], ["run", "rpm"], ["run", "tpm"],
        ["store"], ["baseline", "file"], ["baseline", "name"], ["reports", "dir"],
        ["gate", "max_usefulness_drop"], ["gate", "max_safety_drop"], ["gate", "max_tool_accuracy_drop"], ["gate", "min_usefulness"],
        ["gate", "min_safety"], ["gate", "max_error_rate"], ["gate", "alpha"], ["gate", "fail_on_drift"], ["gate", "max_cost_rise"], ["gate", "max_latency_p95_rise"],
    ]

    /// Keys that hold paths: given in the environment or on the command line they are relative to
    /// the current folder, not to the config file's.
    static let pathKeys: Set<[String]> = [["provider", "file"], ["store"], ["baseline", "file"], ["reports", "dir"]]

    /// Environment variables that are evalgate's own but not config overrides.
    public static let otherVariables: Set<String> = ["EVALGATE_CONFIG"]

    /// The environment variable name for a config key path.
    public static func variableName(for path: [String]) -> String {
        "EVALGATE_" + path.joined(separator: "_").uppercased()
    }

    /// The overrides set in `environment`, and a warning for each `EVALGATE_*` variable that is
    /// not one (with a did-you-mean), so a misspelt override is never silently ignored.
    public static func fromEnvironment(_ environment: [String: String]) -> (ConfigOverrides, [Diagnostic]) {
        let known = Dictionary(uniqueKeysWithValues: overridablePaths.map { (variableName(for: $0), $0) })
        var overrides = ConfigOverrides()
        var warnings: [Diagnostic] = []
        for name in environment.keys.sorted() where name.hasPrefix("EVALGATE_") {
            guard let value = environment[name] else { continue }
            if let path = known[name] {
                overrides.values.append(Value(path: path, text: value, origin: "environment variable \(name)"))
            } else if !otherVariables.contains(name) {
                var message = "\(name) is not a setting evalgate knows; it is ignored"
                if let suggestion = Spelling.closest(to: name, among: Array(known.keys)) {
                    message += "; did you mean \(suggestion)?"
                }
                warnings.append(Diagnostic(.outside("environment"), message))
            }
        }
        return (overrides, warnings)
    }

    /// Applies the overrides to a parsed config document. Paths given here are made absolute
    /// against `workingDirectory`.
    func apply(to root: SourceNode, workingDirectory: URL) -> SourceNode {
        var root = root
        for value in values {
            var text = value.text
            if ConfigOverrides.pathKeys.contains(value.path), !text.hasPrefix("/") {
                text = workingDirectory.appendingPathComponent(text).standardizedFileURL.path
            }
            let scalar = SourceNode.scalar(YAMLSource.plainScalar(text, location: .outside(value.origin)))
            root = ConfigOverrides.setting(scalar, at: value.path[...], in: root)
            if value.path == ["provider", "type"] {
                // Switching provider type drops the old type's own keys, so `--replay` on an exec
                // config does not trip over `command`.
                root = ConfigOverrides.droppingKeysOfOtherTypes(than: text, in: root)
            }
        }
        return root
    }

    private static func setting(_ value: SourceNode, at path: ArraySlice<String>, in node: SourceNode) -> SourceNode {
        guard let key = path.first else { return value }
        var entries: [SourceEntry]
        let location: SourceLocation
        if case .mapping(let existing, let at) = node {
            entries = existing
            location = at
        } else {
            entries = []
            location = value.location
        }
        if let index = entries.firstIndex(where: { $0.key.text == key }) {
            entries[index].value = setting(value, at: path.dropFirst(), in: entries[index].value)
        } else {
            let child = setting(value, at: path.dropFirst(), in: .mapping([], value.location))
            entries.append(SourceEntry(key: SourceScalar(text: key, kind: .string, location: value.location), value: child))
        }
        return .mapping(entries, location)
    }

    private static func droppingKeysOfOtherTypes(than type: String, in root: SourceNode) -> SourceNode {
        guard let providerType = ProviderType(rawValue: type) else { return root }
        let foreign = Set(ProviderType.allCases.flatMap(\.ownKeys)).subtracting(providerType.ownKeys)
        guard case .mapping(var entries, let location) = root,
            let index = entries.firstIndex(where: { $0.key.text == "provider" }),
            case .mapping(let inner, let innerLocation) = entries[index].value
        else { return root }
        entries[index].value = .mapping(inner.filter { !foreign.contains($0.key.text) }, innerLocation)
        return .mapping(entries, location)
    }
}
