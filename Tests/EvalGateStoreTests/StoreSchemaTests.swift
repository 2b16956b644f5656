@testable import EvalGateStore
import Foundation
import TestSupport
import Testing

/// Rewrites a current store as schema 9 wrote it: the same tables without results' tags, the
/// IN-list constraint on a result's status, version 9.
func rewriteAsSchema9(_ path: String) async throws {
    let downgrade = try await ProcessRunner.tool("sqlite3", [
        path,
        """
        ALTER TABLE results DROP COLUMN tags_json;
        PRAGMA writable_schema = ON;
        UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (status = ''pass'' OR status = ''fail'' OR status = ''error'')', 'CHECK (status IN (''pass'', ''fail'', ''error''))') WHERE name = 'results';
        PRAGMA writable_schema = OFF;
        PRAGMA user_version = 9;
        """,
    ])
    #expect(downgrade.status == 0, "\(downgrade.stderr)")
    #expect(try await ProcessRunner.tool("sqlite3", [path, "PRAGMA user_version;"]).stdout == "9\n")
}

@Suite struct StoreSchemaTests {
    /// Schema 10 edits the stored CREATE TABLE, which SQLite's defensive mode forbids; some builds
    /// of SQLite turn that mode on. The migration turns it off for the edit and back on after.
    @Test func schema10IsReachedOnAConnectionInDefensiveMode() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.url.appendingPathComponent("runs.sqlite").path
        let store = try await RunStore.open(path: path, role: .runs)
        await store.close()
        try await rewriteAsSchema9(path)

        let database = try Database(path: path, mode: .readWriteCreate)
        try database.setDefensive(true)
        try StoreSchema.migrate(database)
        #expect(try database.integer("PRAGMA user_version") == StoreSchema.currentVersion)
        #expect(try database.setDefensive(true), "defensive mode is on again after the migration")
        let definition = try database.text("SELECT sql FROM sqlite_schema WHERE name = 'results'") ?? ""
        #expect(definition.contains("CHECK (status = 'pass' OR status = 'fail' OR status = 'error')"))
        #expect(try database.text("PRAGMA integrity_check") == "ok")
    }
}
