import Foundation

/// `evalgate init`: lays out a starter project that validates and gates at once. Writes nothing
/// when any file it would write exists, unless told to overwrite; adds to `.gitignore` rather than
/// replacing it.
public struct ProjectScaffold: Sendable {
    public var directory: URL
    public var provider: String
    public var force: Bool

    public init(directory: URL, provider: String = "replay", force: Bool = false) {
        self.directory = directory
        self.provider = provider
        self.force = force
    }

    /// The providers a starter config can name.
    public static var providers: [String] { ProjectTemplate.Provider.allCases.map(\.rawValue) }

    /// What `write` did, as paths relative to the folder.
    public struct Outcome: Sendable {
        public var written: [String] = []
        public var overwritten: [String] = []
        /// `.gitignore` entries added (the file is appended to, never replaced).
        public var ignoredAdded: [String] = []
    }

    /// The files, by path relative to the folder.
    func files() throws(EvalGateError) -> [(String, String)] {
        guard let provider = ProjectTemplate.Provider(rawValue: provider) else {
            throw .invalidInput(ValidationError(.outside("--provider"), "unknown provider '\(provider)' (known: \(Self.providers.joined(separator: ", ")))"))
        }
        var files: [(String, String)] = [
            ("evalgate.yaml", ProjectTemplate.config(provider: provider)),
            ("prompts/system.md", ProjectTemplate.systemPrompt),
            ("tools/tools.json", ProjectTemplate.tools),
            ("suites/golden/support.yaml", ProjectTemplate.goldenSuite),
            ("suites/adversarial/injection.yaml", ProjectTemplate.adversarialSuite),
        ]
        if provider == .replay { files.append(("recordings/example.jsonl", ProjectTemplate.recording)) }
        files.append((".github/workflows/eval-gate.yml", ProjectTemplate.workflow))
        return files
    }

    /// Writes the project. Refuses, writing nothing, when a file exists and `force` is off.
    public func write() throws(EvalGateError) -> Outcome {
        let files = try files()
        let manager = FileManager.default
        let existing = files.map(\.0).filter { manager.fileExists(atPath: directory.appendingPathComponent($0).path) }
        if !existing.isEmpty && !force {
            throw .invalidInput(ValidationError(
                .outside("init"),
                "\(existing.joined(separator: ", ")) already exist\(existing.count == 1 ? "s" : "") in \(directory.path); nothing was written (--force overwrites)"))
        }
        var outcome = Outcome()
        do {
            for (path, text) in files {
                let url = directory.appendingPathComponent(path)
                try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(text.utf8).write(to: url, options: .atomic)
                if existing.contains(path) { outcome.overwritten.append(path) } else { outcome.written.append(path) }
            }
            outcome.ignoredAdded = try addIgnored(ProjectTemplate.ignored)
        } catch {
            throw .storage("cannot write the project in \(directory.path): \(error.localizedDescription)")
        }
        return outcome
    }

    /// Appends to `.gitignore` the entries it lacks; returns those added.
    private func addIgnored(_ entries: [String]) throws -> [String] {
        let url = directory.appendingPathComponent(".gitignore")
        let current = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        let lines = Set(current.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) })
        let missing = entries.filter { entry in
            !lines.contains(entry) && !lines.contains("/" + entry) && !lines.contains(String(entry.dropLast()))
        }
        guard !missing.isEmpty else { return [] }
        var text = current
        if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        text += "# evalgate: reports and the local run store are not committed\n" + missing.map { $0 + "\n" }.joined()
        try Data(text.utf8).write(to: url, options: .atomic)
        return missing
    }
}
