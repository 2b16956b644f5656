@testable import EvalGateStore
import Foundation
import TestSupport
import Testing

/// Packed rows, bound in place and run one after another with the bindings cleared only once.
@Suite struct StatementTests {
    private static func open() throws -> (TemporaryDirectory, Database) {
        let folder = try TemporaryDirectory()
        let database = try Database(path: folder.url.appendingPathComponent("rows.sqlite").path, mode: .readWriteCreate)
        try database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT, amount REAL)")
        return (folder, database)
    }

    private static func row(_ id: Int, _ body: String?, _ amount: Double?) -> PackedRow {
        var row = PackedRow(columns: 3)
        row.integer(id); row.text(body); row.real(amount)
        return row
    }

    /// Each row binds every parameter: a null where the row before had text is stored as null,
    /// and an empty text as empty.
    @Test func eachRowReplacesEveryValueOfTheRowBefore() throws {
        let (folder, database) = try Self.open()
        _ = folder
        let insert = try database.prepare("INSERT INTO t VALUES (?, ?, ?)")
        let rows = [Self.row(1, "first answer", 0.5), Self.row(2, nil, nil), Self.row(3, "", 2)]
        for row in rows { try insert.run(row) }
        insert.clearBindings()
        var stored: [String] = []
        try database.prepare("SELECT id, quote(body), quote(amount) FROM t ORDER BY id").forEachRow { row in
            stored.append("\(row.int(0) ?? -1) \(row.string(1) ?? "?") \(row.string(2) ?? "?")")
        }
        #expect(stored == ["1 'first answer' 0.5", "2 NULL NULL", "3 '' 2.0"])
    }

    /// A row with a value too few is refused before anything is bound, naming both counts.
    @Test func aRowOfTheWrongWidthIsRefusedAndWritesNothing() throws {
        let (folder, database) = try Self.open()
        _ = folder
        let insert = try database.prepare("INSERT INTO t VALUES (?, ?, ?)")
        var short = PackedRow(columns: 2)
        short.integer(1); short.text("no amount")
        #expect {
            try insert.run(short)
        } throws: { error in
            (error as? StoreError)?.message == "a row of 2 values for 3 parameters"
        }
        try insert.run(Self.row(2, "whole", 1))
        insert.clearBindings()
        #expect(try database.integer("SELECT COUNT(*) FROM t") == 1)
    }
}
