import Foundation

/// A folder under the system's temporary directory for one test, with helpers to lay out files.
/// Each test makes its own, so tests run in parallel without sharing state.
///
/// The folders of one process share a root, `evalgate-tests/<pid>`, removed when the process
/// exits; a root whose process is gone (killed, crashed) is removed by the next process to start.
/// Most tests never call `remove()`: before the roots, a developer's machine had gathered 25,000
/// folders and 20 GB of them.
public struct TemporaryDirectory: Sendable {
    public let url: URL

    public init(_ label: String = #function) throws {
        let name = label.filter { $0.isLetter || $0.isNumber }.prefix(40)
        url = TemporaryDirectory.root.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// This process's root, made (and stale roots swept) on first use.
    private static let root: URL = {
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("evalgate-tests")
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? [] {
            // A root of a process that is gone, or a folder from before the roots: not ours.
            guard let pid = Int32(entry), kill(pid, 0) == 0 || errno != ESRCH else {
                try? FileManager.default.removeItem(at: parent.appendingPathComponent(entry))
                continue
            }
        }
        let root = parent.appendingPathComponent(String(getpid()))
        atexit { try? FileManager.default.removeItem(at: TemporaryDirectory.root) }
        return root
    }()

    /// Moves the folder out of the root, which goes when the process exits, to
    /// `evalgate-kept/<name>`, and returns where it is now.
    public func keep() throws -> URL {
        let kept = FileManager.default.temporaryDirectory.appendingPathComponent("evalgate-kept").appendingPathComponent(url.lastPathComponent)
        try FileManager.default.createDirectory(at: kept.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: url, to: kept)
        return kept
    }

    public var path: String { url.path }

    /// Writes `contents` to `relativePath`, creating folders, and returns the file's URL.
    @discardableResult
    public func write(_ relativePath: String, _ contents: String) throws -> URL {
        let file = url.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: file)
        return file
    }

    /// Writes raw bytes.
    @discardableResult
    public func write(_ relativePath: String, bytes: [UInt8]) throws -> URL {
        let file = url.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
        return file
    }

    public func read(_ relativePath: String) throws -> String {
        try String(contentsOf: url.appendingPathComponent(relativePath), encoding: .utf8)
    }

    public func exists(_ relativePath: String) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent(relativePath).path)
    }

    public func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}
