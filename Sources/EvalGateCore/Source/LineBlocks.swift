import Foundation
import Glibc
import Synchronization

/// A block of whole lines of a text file: where it starts in the file, and the number of its
/// first line.
public struct LineBlock: Sendable {
    public var text: String
    /// Byte offset of the block's first byte in the file.
    public var offset: Int
    public var firstLine: Int

    /// Byte offsets (in the file) at which the block's lines start, the first line's first: found
    /// by the reader in the one pass that also counts the block's lines.
    public var lineStarts: [Int]

    /// The block cut into at most `count` runs of whole lines, about as many lines in each, for
    /// decoding side by side (cut where `lineStarts` says, not found again by a scan).
    func parts(_ count: Int) -> [JSONSource.LineChunk] {
        let lines = lineStarts.count
        let count = max(1, min(count, lines))
        return (0..<count).map { index in
            let first = lines * index / count, last = lines * (index + 1) / count
            let end = last < lines ? lineStarts[last] - offset : text.utf8.count
            return JSONSource.LineChunk(bytes: (lineStarts[first] - offset)..<end, firstLine: firstLine + first)
        }
    }
}

/// Reads a JSONL file (a suite, a recording) a few megabytes of whole lines at a time, so that a
/// file of 100,000 lines is never held whole; checks what `SourceFile.read` checks (a folder, the
/// size limit, UTF-8, NUL bytes), with the same messages, at the line where the problem is.
public struct LineBlockReader: ~Copyable {
    /// How much is read at a time; a line longer than this makes its block longer.
    public static let blockSize = 1 << 20

    private let descriptor: Int32
    private let displayPath: String
    /// Bytes read after the last newline of the previous block.
    private var carried: [UInt8] = []
    /// The file offset and line number of `carried`'s first byte.
    private var offset = 0
    private var line = 1
    private var ended = false
    /// What one `read` fills.
    private var chunk = [UInt8](repeating: 0, count: LineBlockReader.blockSize)

    /// Opens `url`. Throws a `ValidationError` located at `reference` (or the file's first line) when
    /// it is missing, a folder, unreadable or too large.
    public init(_ url: URL, displayPath: String, reference: SourceLocation? = nil) throws(ValidationError) {
        let location = reference ?? SourceLocation(file: displayPath, line: 1, column: 1)
        self.displayPath = displayPath
        let opened = open(url.path, O_RDONLY | O_CLOEXEC)
        guard opened >= 0 else {
            let code = errno
            if code == ENOENT { throw ValidationError(location, "file '\(displayPath)' does not exist") }
            throw ValidationError(location, "cannot read '\(displayPath)': \(String(cString: strerror(code)))")
        }
        var status = stat()
        guard fstat(opened, &status) == 0 else {
            let code = errno
            close(opened)
            throw ValidationError(location, "cannot read '\(displayPath)': \(String(cString: strerror(code)))")
        }
        if status.st_mode & S_IFMT == S_IFDIR {
            close(opened)
            throw ValidationError(location, "'\(displayPath)' is a folder, expected a file")
        }
        if Int(status.st_size) > SourceFile.maximumSize {
            close(opened)
            throw ValidationError(
                location, "'\(displayPath)' is \(Int(status.st_size) / 1_048_576) MiB; files over \(SourceFile.maximumSize / 1_048_576) MiB are refused")
        }
        descriptor = opened
    }

    deinit {
        close(descriptor)
    }

    /// The next block of whole lines, or nil at the end of the file.
    public mutating func next() throws(ValidationError) -> LineBlock? {
        var bytes = carried
        let carriedCount = carried.count
        carried = []
        // A block is at least `blockSize` bytes, or the rest of the file: a small file is one
        // block, so it is checked as a whole, as when it is read whole.
        while !ended && bytes.count < Self.blockSize { try readMore(into: &bytes) }
        // Then it ends after its last newline. `carried` holds none, so the search starts past it.
        var searchFrom = carriedCount
        var cut: Int?
        while true {
            // (memchr from newline to newline: memrchr is a GNU extension Swift does not see.)
            let last = bytes.withUnsafeBytes { raw -> Int? in
                guard let base = raw.baseAddress else { return nil }
                let end = base + raw.count
                var cursor = base + searchFrom
                var found: Int?
                while cursor < end, let next = memchr(cursor, 0x0A, end - cursor) {
                    found = UnsafeRawPointer(next) - base
                    cursor = UnsafeRawPointer(next) + 1
                }
                return found
            }
            if ended { break }
            if let last {
                cut = last + 1
                break
            }
            searchFrom = bytes.count
            try readMore(into: &bytes)
        }
        if let cut, cut < bytes.count {
            carried = Array(bytes[cut...])
            bytes.removeSubrange(cut...)
        }
        guard !bytes.isEmpty else { return nil }
        let start = (offset: offset, line: line)
        // The same checks in the same order as `SourceFile.read`.
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ValidationError(SourceFile.invalidUTF8Location(bytes, file: displayPath, firstLine: start.line), "the file is not valid UTF-8 text")
        }
        if let at = bytes.withUnsafeBytes({ raw in memchr(raw.baseAddress!, 0, raw.count).map { UnsafeRawPointer($0) - raw.baseAddress! } }) {
            throw ValidationError(SourceFile.nulLocation(bytes[..<at], file: displayPath, firstLine: start.line), "the file holds NUL bytes: it is binary, not text")
        }
        offset += bytes.count
        // Where each line starts, and (one more than the starts past the first) how many newlines.
        var starts = [start.offset]
        let newlines = bytes.withUnsafeBytes { raw -> Int in
            var count = 0
            var cursor = raw.baseAddress!
            let end = cursor + raw.count
            while cursor < end, let found = memchr(cursor, 0x0A, end - cursor) {
                count += 1
                cursor = UnsafeRawPointer(found) + 1
                if cursor < end { starts.append(start.offset + (cursor - raw.baseAddress!)) }
            }
            return count
        }
        line += newlines
        return LineBlock(text: text, offset: start.offset, firstLine: start.line, lineStarts: starts)
    }

    /// Appends what one `read` returns to `bytes`; at the end of the file, sets `ended`.
    private mutating func readMore(into bytes: inout [UInt8]) throws(ValidationError) {
        while true {
            let got = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, Self.blockSize) }
            let failure = errno
            if got < 0 {
                if failure == EINTR { continue }
                throw ValidationError(
                    SourceLocation(file: displayPath, line: line, column: 1), "cannot read '\(displayPath)': \(String(cString: strerror(failure)))")
            }
            if got == 0 {
                ended = true
            } else {
                chunk.withUnsafeBufferPointer { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0[0..<got])) }
            }
            return
        }
    }
}

extension LineBlock {
    /// A 64-bit digest of a line's bytes: a line read again from its file is the line that was
    /// checked only if its digest is the same. Eight bytes at a time, each word multiplied in and
    /// the result mixed (MurmurHash3's finalizer): it tells an edited line from the one checked
    /// (it is not meant to resist someone crafting a collision, who could edit the suite before the
    /// run anyway). `Hasher` (SipHash, fetching its seed on every use) cost about 1% more of a
    /// 100,000-case gate.
    public static func digest(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        guard let base = bytes.baseAddress else { return mix(hash) }
        let raw = UnsafeRawPointer(base)
        var index = 0
        while index + 8 <= bytes.count {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            hash = (hash ^ mix(word)) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 29
            index += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count {
            tail |= UInt64(bytes[index]) << shift
            shift += 8
            index += 1
        }
        return mix(hash ^ mix(tail ^ 0x2545_F491_4F6C_DD1D))
    }

    /// MurmurHash3's 64-bit finalizer: every bit of the input moves about half the output's bits.
    public static func mix(_ value: UInt64) -> UInt64 {
        var value = value
        value ^= value >> 33
        value = value &* 0xFF51_AFD7_ED55_8CCD
        value ^= value >> 33
        value = value &* 0xC4CE_B9FE_1A85_EC53
        value ^= value >> 33
        return value
    }
}

extension LineBlock {
    /// The line that starts at byte `start` of a block read again: where its text stops (before
    /// its `\n` or `\r\n`; a last line may have neither) and where the next line starts. The end
    /// is found with `memchr`, as the loader found it: a byte loop walked every byte of a
    /// mebibyte block on the run's path.
    public static func line(at start: Int, in bytes: UnsafeBufferPointer<UInt8>) -> (stop: Int, next: Int) {
        var end = bytes.count
        if start < bytes.count, let base = bytes.baseAddress, let found = memchr(base + start, 0x0A, bytes.count - start) {
            end = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
        return (end > start && bytes[end - 1] == 0x0D ? end - 1 : end, end + 1)
    }

    /// Where line `line` of this block lies in the file, without its line end (`\n`, `\r\n`), and
    /// the digest of those bytes. `starts` is `lineStarts`; `bytes` is the block's text.
    public func place(ofLine line: Int, starts: [Int], in bytes: UnsafeBufferPointer<UInt8>) -> (offset: Int, length: Int, digest: UInt64) {
        let index = line - firstLine
        let start = starts[index]
        var stop = index + 1 < starts.count ? starts[index + 1] - 1 : offset + bytes.count
        if stop > start, bytes[stop - 1 - offset] == 0x0D { stop -= 1 }
        return (start, stop - start, LineBlock.digest(UnsafeBufferPointer(rebasing: bytes[(start - offset)..<(stop - offset)])))
    }
}

/// Where a block of whole lines lies in its file, how many lines it has, and a digest of its bytes
/// as they were checked: what a loader keeps of a block that it reads again later
/// (`LineFile.bytes(of:)`) instead of holding it.
public struct CheckedBlock: Sendable {
    public var offset: Int64
    public var length: Int
    public var firstLine: Int
    public var lineCount: Int
    /// A digest of the block's bytes, as checked.
    public var digest: UInt64

    public init(offset: Int64, length: Int, firstLine: Int, lineCount: Int, digest: UInt64) {
        self.offset = offset
        self.length = length
        self.firstLine = firstLine
        self.lineCount = lineCount
        self.digest = digest
    }

    /// "lines 10–20 are" or "line 10 is": the block's lines, for saying they are not what was checked.
    public var linesAre: String {
        lineCount > 1 ? "lines \(firstLine)–\(firstLine + lineCount - 1) are" : "line \(firstLine) is"
    }
}

/// A file whose lines were checked when it was loaded, read again a line at a time by offset
/// (`pread`, safe from any thread) while it stays open.
public final class LineFile: Sendable {
    private let descriptor: Mutex<Int32>

    /// Opens `path`; reads fail (return nil) when it cannot be opened.
    public init(path: String) {
        descriptor = Mutex(open(path, O_RDONLY | O_CLOEXEC))
    }

    deinit {
        close()
    }

    /// Closes the file; later reads return nil.
    public func close() {
        descriptor.withLock { descriptor in
            if descriptor >= 0 { Glibc.close(descriptor) }
            descriptor = -1
        }
    }

    /// The `length` bytes at `offset`, or nil when they cannot be read or their digest is not
    /// `digest` (the file changed since the line was checked).
    public func line(at offset: Int64, length: Int, digest: UInt64) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: length)
        let got = descriptor.withLock { descriptor in
            descriptor < 0 ? -1 : bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, length, off_t(offset)) }
        }
        guard got == length, bytes.withUnsafeBufferPointer({ LineBlock.digest($0) }) == digest else { return nil }
        return bytes
    }

    /// The bytes of `block`, or nil when they cannot be read or are not the ones checked.
    public func bytes(of block: CheckedBlock) -> [UInt8]? {
        line(at: block.offset, length: block.length, digest: block.digest)
    }
}
