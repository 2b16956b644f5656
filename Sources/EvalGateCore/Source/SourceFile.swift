import Foundation

/// Reads config and suite files as UTF-8 text, with errors that name the file.
public enum SourceFile {
    /// Files larger than this are refused before they are read: a suite of 100,000 cases is a few
    /// tens of megabytes; anything far beyond is a mistake (a wrong path, a binary).
    public static let maximumSize = 256 * 1024 * 1024

    /// The file's text. Throws a `ValidationError` located at `reference` (the place that named the
    /// file) when it is missing, unreadable, too large or not UTF-8.
    public static func read(_ url: URL, displayPath: String, reference: SourceLocation? = nil) throws(ValidationError) -> String {
        let location = reference ?? SourceLocation(file: displayPath, line: 1, column: 1)
        let data: Data
        do {
            // stat, not FileManager's attributes: those look up the owner's name and group
            // (nsswitch, /etc/passwd, /etc/group) for every file, a millisecond each at start.
            var status = stat()
            if stat(url.path, &status) == 0 {
                if status.st_mode & S_IFMT == S_IFDIR {
                    throw ValidationError(location, "'\(displayPath)' is a folder, expected a file")
                }
                if Int(status.st_size) > maximumSize {
                    let size = Int(status.st_size)
                    throw ValidationError(location, "'\(displayPath)' is \(size / 1_048_576) MiB; files over \(maximumSize / 1_048_576) MiB are refused")
                }
            }
            data = try Data(contentsOf: url)
        } catch let error as ValidationError {
            throw error
        } catch {
            if !FileManager.default.fileExists(atPath: url.path) {
                throw ValidationError(location, "file '\(displayPath)' does not exist")
            }
            throw ValidationError(location, "cannot read '\(displayPath)': \(error.localizedDescription)")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ValidationError(invalidUTF8Location(data, file: displayPath), "the file is not valid UTF-8 text")
        }
        // memchr, not `utf8.contains`: the byte-by-byte search was 3% of loading a 100,000-case suite.
        let nul = data.withUnsafeBytes { buffer in buffer.baseAddress.flatMap { memchr($0, 0, buffer.count) }.map { UnsafeRawPointer($0) - buffer.baseAddress! } }
        if let nul {
            throw ValidationError(nulLocation(data.prefix(nul), file: displayPath, firstLine: 1), "the file holds NUL bytes: it is binary, not text")
        }
        return text
    }

    /// Where a NUL byte sits, given the bytes before it: its line, column 1.
    static func nulLocation(_ before: some Collection<UInt8>, file: String, firstLine: Int) -> SourceLocation {
        SourceLocation(file: file, line: firstLine + before.count { $0 == 0x0A }, column: 1)
    }

    /// The size of the file at `url` in bytes, or 0 when it cannot be found.
    public static func size(of url: URL) -> Int {
        var status = stat()
        return stat(url.path, &status) == 0 ? Int(status.st_size) : 0
    }

    /// Where the first byte that breaks UTF-8 sits, as a line and column.
    static func invalidUTF8Location(_ data: Data, file: String) -> SourceLocation {
        invalidUTF8Location([UInt8](data), file: file, firstLine: 1)
    }

    /// The same, for bytes that start at line `firstLine` of the file (a block of whole lines).
    static func invalidUTF8Location(_ bytes: [UInt8], file: String, firstLine: Int) -> SourceLocation {
        var line = firstLine, lineStart = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let length: Int
            switch byte {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: length = 0
            }
            let valid = length > 0 && index + length <= bytes.count
                && bytes[(index + 1)..<(index + length)].allSatisfy { $0 & 0xC0 == 0x80 }
                && String(validating: bytes[index..<(index + length)], as: UTF8.self) != nil
            if !valid { return SourceLocation(file: file, line: line, column: index - lineStart + 1) }
            if byte == 0x0A {
                line += 1
                lineStart = index + 1
            }
            index += length
        }
        return SourceLocation(file: file, line: line, column: 1)
    }

    /// Parses a YAML or JSON document, chosen by the file's extension (`.json` is JSON, anything
    /// else YAML).
    public static func parseDocument(_ text: String, file: String) throws(ValidationError) -> SourceNode {
        if file.lowercased().hasSuffix(".json") {
            return try JSONSource.parse(text, file: file)
        }
        return try YAMLSource.parse(text, file: file)
    }
}
