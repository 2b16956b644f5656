@testable import EvalGateStore
import Foundation
import TestSupport
import Testing

/// The store runs on the SQLite built into evalgate (Sources/CSQLite), with the options the
/// store's figures were measured with, not on whatever libsqlite3 a machine has.
@Suite struct SQLiteBuildTests {
    @Test func theStoreRunsOnTheSQLiteBuiltInWithItsOptions() throws {
        let folder = try TemporaryDirectory()
        let database = try Database(path: folder.url.appendingPathComponent("build.sqlite").path, mode: .readWriteCreate)
        #expect(try database.text("SELECT sqlite_version()") == "3.54.1")
        var options: Set<String> = []
        try database.prepare("PRAGMA compile_options").forEachRow { row in
            if let option = row.string(0) { options.insert(option) }
        }
        for expected in ["DEFAULT_MEMSTATUS=0", "DQS=0", "OMIT_LOAD_EXTENSION", "OMIT_SHARED_CACHE", "THREADSAFE=1"] {
            #expect(options.contains(expected), "compiled without \(expected)")
        }
        // What made Debian's build slower for the store: each small allocation through malloc,
        // and freed content overwritten.
        #expect(!options.contains("OMIT_LOOKASIDE"))
        #expect(!options.contains("SECURE_DELETE"))
    }
}
