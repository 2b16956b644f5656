import CSQLite

/// Something the SQLite store could not do, with the database file and, where it helps, the SQL.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// SQLite's extended result code (wrapped: callers read `message`, not the number).
    public var code: Int32
    /// What went wrong, for a person.
    public var message: String
    /// The database file.
    public var path: String
    /// The statement that failed, when one did.
    public var sql: String?

    public init(code: Int32, message: String, path: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.sql = sql
    }

    /// True when another process held the database longer than the busy timeout.
    public var isBusy: Bool { code & 0xFF == SQLITE_BUSY || code & 0xFF == SQLITE_LOCKED }

    public var description: String {
        var text = "\(path): \(message)"
        if let sql { text += " (while running: \(sql.split(separator: "\n").joined(separator: " ").prefix(200)))" }
        return text
    }
}
