import Foundation

/// A report file written in pieces: text is buffered, flushed in large writes to a temporary file
/// beside the destination, and moved into place by `finish()`, so a reader never sees half a
/// report and a failed run leaves the previous report untouched.
final class ReportFile {
    private let destination: URL
    private let temporary: URL
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var finished = false

    init(url: URL) throws {
        destination = url
        temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: temporary.path])
        }
        handle = try FileHandle(forWritingTo: temporary)
        buffer.reserveCapacity(320 * 1024)
    }

    /// Appends text, writing to disk once the buffer passes 256 KiB.
    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        try flushIfLarge()
    }

    /// Appends text to the buffer without flushing; call `flushIfLarge()` at a convenient point.
    func append(_ text: String) {
        buffer.append(contentsOf: text.utf8)
    }

    /// Appends UTF-8 bytes, as `JSONValue.write(to:)` makes them.
    func append(bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
    }

    func flushIfLarge() throws {
        if buffer.count > 256 * 1024 { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: $0.baseAddress!), count: $0.count, deallocator: .none)) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered, closes the file and moves it into place.
    func finish() throws {
        try flush()
        try handle.close()
        finished = true
        // rename(2) replaces the destination atomically.
        if rename(temporary.path, destination.path) != 0 {
            let code = errno
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: destination.path, NSLocalizedDescriptionKey: String(cString: strerror(code))])
        }
    }

    /// Writes a whole file at once, atomically.
    static func write(_ text: String, to url: URL) throws {
        let file = try ReportFile(url: url)
        file.append(text)
        try file.finish()
    }

    deinit {
        if !finished {
            try? handle.close()
            try? FileManager.default.removeItem(at: temporary)
        }
    }
}

/// Whole report files written atomically, and appending to a summary file others also write.
public enum ReportFiles {
    /// Writes `text` to `url` through a temporary file and a rename.
    public static func write(_ text: String, to url: URL) throws {
        try ReportFile.write(text, to: url)
    }

    /// Appends `text` to `url`, creating it if needed (for `$GITHUB_STEP_SUMMARY`, which earlier
    /// steps may have written to).
    public static func append(_ text: String, to url: URL) throws {
        if !FileManager.default.fileExists(atPath: url.path) {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path])
            }
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }
}
