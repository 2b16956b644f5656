import CSQLite
import EvalGateCore
import Foundation

/// One SQLite connection. It owns a C handle, so it is not Sendable: each `Database` lives on the
/// thread of the `SerialDatabase` that opened it.
public final class Database {
    /// How a file is opened.
    public enum Mode: Sendable {
        /// Read and write, creating the file (and its folder) when missing.
        case readWriteCreate
        /// Read only: the file is never modified, so a committed baseline keeps git clean.
        case readOnly
    }

    public let path: String
    private let handle: OpaquePointer

    /// Opens `path`. Busy waits up to `busyTimeout` seconds for another process's lock.
    public init(path: String, mode: Mode, busyTimeout: Double = 10) throws(StoreError) {
        self.path = path
        if mode == .readWriteCreate {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw StoreError(code: SQLITE_CANTOPEN, message: "cannot create folder \(folder.path): \(error.localizedDescription)", path: path)
            }
        } else if !FileManager.default.fileExists(atPath: path) {
            throw StoreError(code: SQLITE_CANTOPEN, message: "no database file here", path: path)
        }
        var pointer: OpaquePointer?
        let flags = (mode == .readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &pointer, flags, nil)
        guard code == SQLITE_OK, let pointer else {
            let message = pointer.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(pointer)
            throw StoreError(code: code, message: "cannot open database: \(message)", path: path)
        }
        handle = pointer
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, Int32(busyTimeout * 1000))
    }

    deinit {
        if let checkpointer {
            sqlite3_wal_hook(handle, nil, nil)
            checkpointer.stop()  // its connection closes first: this close makes the last checkpoint
        }
        sqlite3_close_v2(handle)
    }

    /// Set by `checkpointInBackground()`; the WAL hook holds it unretained.
    private(set) var checkpointer: Checkpointer?

    /// Hands this WAL database's checkpoints to a `Checkpointer`. If its connection cannot be
    /// opened, SQLite's own automatic checkpoint stays, and nothing else changes.
    public func checkpointInBackground() {
        checkpointInBackground(step: Checkpointer.step, cap: Checkpointer.cap)
    }

    func checkpointInBackground(step: Int32, cap: Int32) {
        guard checkpointer == nil, let made = try? Checkpointer(path: path, step: step, cap: cap) else { return }
        checkpointer = made
        sqlite3_wal_hook(handle, { context, writer, schema, frames in
            guard let context, let writer, let schema else { return SQLITE_OK }
            return Unmanaged<Checkpointer>.fromOpaque(context).takeUnretainedValue().committed(writer, schema: schema, frames: frames)
        }, Unmanaged.passUnretained(made).toOpaque())
    }

    /// Turns SQLite's defensive mode on or off for this connection, and returns whether it was
    /// on: off lets a migration edit the stored schema (`StoreSchema.Migration.redefine`), where
    /// a build of SQLite has it on.
    @discardableResult
    func setDefensive(_ on: Bool) throws(StoreError) -> Bool {
        var was: Int32 = 0
        let code = evalgate_sqlite3_set_defensive(handle, on ? 1 : 0, &was)
        if code != SQLITE_OK { throw error(code, sql: nil) }
        return was != 0
    }

    /// A passive checkpoint of the main database: the frames of the log now copied, or nil when
    /// it failed (another checkpoint under way; the next request tries again).
    func checkpointPassively() -> Int32? {
        var logged: Int32 = 0
        var copied: Int32 = 0
        let code = sqlite3_wal_checkpoint_v2(handle, "main", SQLITE_CHECKPOINT_PASSIVE, &logged, &copied)
        return code == SQLITE_OK ? copied : nil
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws(StoreError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if code != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_free(errorMessage)
            throw StoreError(code: code, message: message, path: path, sql: sql)
        }
    }

    /// Compiles a statement.
    public func prepare(_ sql: String) throws(StoreError) -> Statement {
        var pointer: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &pointer, nil)
        guard code == SQLITE_OK, let pointer else {
            throw error(code, sql: sql)
        }
        return Statement(handle: pointer, database: self, sql: sql)
    }

    /// Runs `body` in a transaction that takes the write lock at once (`BEGIN IMMEDIATE`), so two
    /// writers wait on each other instead of failing halfway. Rolls back when `body` throws.
    public func writeTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// A single integer from a query such as `PRAGMA user_version`.
    public func integer(_ sql: String) throws(StoreError) -> Int {
        let statement = try prepare(sql)
        guard try statement.step() else { return 0 }
        return statement.int(0) ?? 0
    }

    /// A single text value from a query such as `PRAGMA journal_mode`.
    public func text(_ sql: String) throws(StoreError) -> String? {
        let statement = try prepare(sql)
        guard try statement.step() else { return nil }
        return statement.string(0)
    }

    /// Rows changed by the last statement.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    func error(_ code: Int32, sql: String?) -> StoreError {
        StoreError(code: code, message: String(cString: sqlite3_errmsg(handle)), path: path, sql: sql)
    }
}

/// A prepared statement. Like its `Database`, confined to the database's thread.
public final class Statement {
    private let handle: OpaquePointer
    private let database: Database
    public let sql: String

    /// The statement's `?` parameters.
    private let parameterCount: Int

    init(handle: OpaquePointer, database: Database, sql: String) {
        self.handle = handle
        self.database = database
        self.sql = sql
        parameterCount = Int(sqlite3_bind_parameter_count(handle))
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Binds values to `?` parameters in order, after clearing earlier bindings and resetting.
    public func bind(_ values: [SQLValue]) throws(StoreError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(handle, index)
            case .integer(let number): code = sqlite3_bind_int64(handle, index, Int64(number))
            case .real(let number): code = sqlite3_bind_double(handle, index, number)
            case .text(let text):
                // The shim binds with SQLITE_TRANSIENT: SQLite copies the bytes before the
                // temporary UTF-8 buffer goes away.
                var text = text
                code = text.withUTF8 { buffer in
                    buffer.withMemoryRebound(to: CChar.self) { chars in
                        guard let base = chars.baseAddress else {
                            return evalgate_sqlite3_bind_text_transient(handle, index, "", 0)
                        }
                        return evalgate_sqlite3_bind_text_transient(handle, index, base, Int32(chars.count))
                    }
                }
            }
            guard code == SQLITE_OK else { throw database.error(code, sql: sql) }
        }
    }

    /// Steps once: true when a row is ready to read, false when done.
    @discardableResult
    public func step() throws(StoreError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            sqlite3_reset(handle)
            throw database.error(code, sql: sql)
        }
    }

    /// Binds and runs a statement that returns no rows.
    public func run(_ values: [SQLValue] = []) throws(StoreError) {
        try bind(values)
        var code = sqlite3_step(handle)
        while code == SQLITE_ROW { code = sqlite3_step(handle) }
        if code != SQLITE_DONE {
            let error = database.error(code, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
        sqlite3_reset(handle)
    }

    /// Binds a packed row and runs the statement (which returns no rows). Text is bound in place
    /// (SQLITE_STATIC) from the row's buffer: no copy of each value into SQLite's memory, as a
    /// `[SQLValue]` needs. So the caller holds each row it runs until it calls `clearBindings()`,
    /// which it must do before it lets the last one go. A row binds every parameter, so nothing of
    /// the row before stays bound: clearing the bindings after each row was 1% of the store's
    /// thread.
    public func run(_ row: PackedRow) throws(StoreError) {
        guard row.columns.count == parameterCount else {
            throw StoreError(
                code: SQLITE_RANGE, message: "a row of \(row.columns.count) values for \(parameterCount) parameters", path: database.path, sql: sql)
        }
        let code = row.bytes.withUnsafeBufferPointer { buffer -> Int32 in
            // `PackedRow` always holds at least one byte, so `base` is never nil and an empty
            // text binds as empty, not NULL.
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            for (offset, column) in row.columns.enumerated() {
                let index = Int32(offset + 1)
                let code: Int32
                switch column {
                case .null: code = sqlite3_bind_null(handle, index)
                case .integer(let number): code = sqlite3_bind_int64(handle, index, number)
                case .real(let number): code = sqlite3_bind_double(handle, index, number)
                case .text(let start, let count): code = evalgate_sqlite3_bind_text_static(handle, index, base + Int(start), count)
                }
                if code != SQLITE_OK { return code }
            }
            var code = sqlite3_step(handle)
            while code == SQLITE_ROW { code = sqlite3_step(handle) }
            return code == SQLITE_DONE ? SQLITE_OK : code
        }
        // The error is read before the reset, which would leave only its code.
        let error = code == SQLITE_OK ? nil : database.error(code, sql: sql)
        sqlite3_reset(handle)
        if let error { throw error }
    }

    /// Lets go of every bound value: after the last `run(_:)` of packed rows, before the rows go.
    public func clearBindings() {
        sqlite3_clear_bindings(handle)
    }

    /// Binds and calls `row` for each result row.
    public func forEachRow(_ values: [SQLValue] = [], _ row: (Statement) throws -> Void) throws {
        try bind(values)
        defer { sqlite3_reset(handle) }
        while try step() { try row(self) }
    }

    public func int(_ column: Int32) -> Int? {
        sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : Int(sqlite3_column_int64(handle, column))
    }

    public func double(_ column: Int32) -> Double? {
        sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : sqlite3_column_double(handle, column)
    }

    /// The column's text, or `previous` itself when the text is the same: a value that repeats
    /// down the rows (a suite's name) is then neither allocated nor validated again.
    public func string(_ column: Int32, sameAs previous: String?) -> String? {
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        if var previous, previous.utf8.count == count,
            previous.withUTF8({ count == 0 || memcmp($0.baseAddress!, text, count) == 0 })
        {
            return previous
        }
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// A result's status, read without making a String: `pass`, `fail`, and anything else an
    /// error (as `ResultStatus(rawValue:) ?? .error` reads it).
    public func resultStatus(_ column: Int32) -> ResultStatus {
        guard let text = sqlite3_column_text(handle, column), sqlite3_column_bytes(handle, column) == 4 else { return .error }
        if memcmp(text, "pass", 4) == 0 { return .pass }
        if memcmp(text, "fail", 4) == 0 { return .fail }
        return .error
    }

    public func string(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }
}

/// A row of values packed for `Statement.run(_:)`: the text of every column in one buffer, so a
/// row is two allocations however many columns it has, and binds without copying.
public struct PackedRow: Sendable {
    enum Column: Sendable {
        case null
        case integer(Int64)
        case real(Double)
        case text(start: Int32, count: Int32)
    }

    fileprivate(set) var bytes: [UInt8]
    fileprivate(set) var columns: [Column] = []

    public init(capacity: Int = 512, columns: Int = 8) {
        bytes = [0]  // never empty: see `Statement.run(_:)`
        bytes.reserveCapacity(capacity)
        self.columns.reserveCapacity(columns)
    }

    /// Starts loading the row's memory into the cache. Rows are packed on another thread and
    /// wait in a queue of thousands, so by the time one is bound its memory has left the cache:
    /// prefetching the next row while one is stepped halved the binding loop's share of the store
    /// thread.
    public func prefetch() {
        columns.withUnsafeBytes { memory in
            for offset in stride(from: 0, to: memory.count, by: 64) { evalgate_prefetch(memory.baseAddress! + offset) }
        }
        bytes.withUnsafeBytes { memory in
            for offset in stride(from: 0, to: memory.count, by: 64) { evalgate_prefetch(memory.baseAddress! + offset) }
        }
    }

    public mutating func null() { columns.append(.null) }

    public mutating func integer(_ number: Int?) { columns.append(number.map { .integer(Int64($0)) } ?? .null) }

    public mutating func real(_ number: Double?) { columns.append(number.map(Column.real) ?? .null) }

    public mutating func text(_ text: String?) {
        guard let text else { return null() }
        let start = bytes.count
        bytes.append(contentsOf: text.utf8)
        columns.append(.text(start: Int32(start), count: Int32(bytes.count - start)))
    }

    /// Text that `write` appends to the row's buffer: no bytes of its own to allocate and copy.
    public mutating func text(_ write: (inout [UInt8]) -> Void) {
        let start = bytes.count
        write(&bytes)
        columns.append(.text(start: Int32(start), count: Int32(bytes.count - start)))
    }

    /// JSON that `write` writes straight into the row's buffer.
    public mutating func json(_ write: (inout JSONWriter) -> Void) {
        text { bytes in
            var writer = JSONWriter(appendingTo: bytes)
            bytes = []
            write(&writer)
            bytes = writer.take()
        }
    }
}

/// A value bound to a statement parameter.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int)
    case real(Double)
    case text(String)

    /// `.text` or `.null`.
    public static func optional(_ text: String?) -> SQLValue { text.map(SQLValue.text) ?? .null }
    /// `.integer` or `.null`.
    public static func optional(_ number: Int?) -> SQLValue { number.map(SQLValue.integer) ?? .null }
    /// `.real` or `.null`.
    public static func optional(_ number: Double?) -> SQLValue { number.map(SQLValue.real) ?? .null }
}
