/// The schema of the run store and of the baseline file (one schema, two files), with its
/// migrations. The version lives in `PRAGMA user_version`.
public enum StoreSchema {
    /// One step of the schema.
    enum Migration: ExpressibleByStringLiteral {
        /// Statements run as written.
        case sql(String)
        /// `from` replaced by `to` in the stored definition of `table`, with no copy of the table:
        /// SQLite's documented procedure for changes that leave the rows on disk as they are
        /// (https://sqlite.org/lang_altertable.html, "Making Other Kinds Of Table Schema Changes"),
        /// such as a CHECK constraint written another way.
        case redefine(table: String, from: String, to: String)

        init(stringLiteral sql: String) { self = .sql(sql) }
    }

    /// Ordered migrations: migration i takes a database from version i to i + 1.
    static let migrations: [Migration] = [
        """
        CREATE TABLE runs (
            id                 TEXT PRIMARY KEY,
            started_at         TEXT NOT NULL,
            ended_at           TEXT,
            status             TEXT NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
            config_fingerprint TEXT NOT NULL,
            config_json        TEXT NOT NULL,
            provider           TEXT NOT NULL,
            model              TEXT NOT NULL,
            git_commit         TEXT,
            evalgate_version   TEXT NOT NULL,
            planned            INTEGER NOT NULL,
            filter_json        TEXT
        );
        CREATE TABLE results (
            run_id           TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            suite            TEXT NOT NULL,
            case_id          TEXT NOT NULL,
            sample           INTEGER NOT NULL,
            suite_kind       TEXT NOT NULL CHECK (suite_kind IN ('golden', 'adversarial')),
            case_fingerprint TEXT NOT NULL,
            status           TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'error')),
            score            REAL NOT NULL,
            first_reason     TEXT,
            checks_json      TEXT NOT NULL,
            output_text      TEXT,
            tool_calls_json  TEXT,
            input_tokens     INTEGER,
            output_tokens    INTEGER,
            latency_ms       REAL NOT NULL,
            served_model     TEXT,
            finish_reason    TEXT,
            request_id       TEXT NOT NULL,
            error            TEXT,
            finished_at      TEXT NOT NULL,
            PRIMARY KEY (run_id, suite, case_id, sample)
        ) WITHOUT ROWID;
        CREATE TABLE baselines (
            name        TEXT PRIMARY KEY,
            run_id      TEXT NOT NULL REFERENCES runs (id),
            promoted_at TEXT NOT NULL
        );
        """,
        // 2: what each attempt of a retried request met, and OpenAI's system_fingerprint.
        """
        ALTER TABLE results ADD COLUMN attempts_json TEXT;
        ALTER TABLE results ADD COLUMN system_fingerprint TEXT;
        """,
        // 3: the tool-call F1 of results whose case expects tool calls.
        """
        ALTER TABLE results ADD COLUMN tool_f1 REAL;
        """,
        // 4: cost in USD (null when unknown) and the share of the context window used.
        """
        ALTER TABLE results ADD COLUMN cost_usd REAL;
        ALTER TABLE results ADD COLUMN context_use REAL;
        """,
        // 5: a run can end with its budget spent. SQLite cannot change a CHECK constraint in
        // place, so the table is rebuilt (with foreign keys off, see `migrate`).
        """
        CREATE TABLE runs_new (
            id                 TEXT PRIMARY KEY,
            started_at         TEXT NOT NULL,
            ended_at           TEXT,
            status             TEXT NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'failed', 'budget_exceeded')),
            config_fingerprint TEXT NOT NULL,
            config_json        TEXT NOT NULL,
            provider           TEXT NOT NULL,
            model              TEXT NOT NULL,
            git_commit         TEXT,
            evalgate_version   TEXT NOT NULL,
            planned            INTEGER NOT NULL,
            filter_json        TEXT
        );
        INSERT INTO runs_new SELECT * FROM runs;
        DROP TABLE runs;
        ALTER TABLE runs_new RENAME TO runs;
        """,
        // 6: the case's weight in its suite's score (null for rows written before: weight 1).
        """
        ALTER TABLE results ADD COLUMN case_weight REAL;
        """,
        // 7: the process that ran a run, so a run left `running` by a process that is gone can be
        // told apart from one still going.
        """
        ALTER TABLE runs ADD COLUMN pid INTEGER;
        """,
        // 8: the response cache, and whether a result came from it.
        """
        CREATE TABLE response_cache (
            config_fingerprint TEXT NOT NULL,
            case_fingerprint   TEXT NOT NULL,
            sample             INTEGER NOT NULL,
            response_json      TEXT NOT NULL,
            created_at         TEXT NOT NULL,
            PRIMARY KEY (config_fingerprint, case_fingerprint, sample)
        ) WITHOUT ROWID;
        ALTER TABLE results ADD COLUMN cached INTEGER NOT NULL DEFAULT 0;
        """,
        // 9: the rendered request: the conversation sent and the vars that filled the system
        // prompt (whose template is in the run's config), so the system prompt is not repeated
        // in every row.
        """
        ALTER TABLE results ADD COLUMN request_json TEXT;
        """,
        // 10: SQLite evaluates an IN list of three or more constants by filling an ephemeral
        // table, once per statement run: for a result insert that was once per row, and a third
        // of the store's time (`EXPLAIN` showed the OpenEphemeral; 100,000 rows took 0.52–0.85 s
        // with it and 0.37–0.52 s without). Comparisons say the same and cost nothing.
        .redefine(
            table: "results", from: "CHECK (status IN ('pass', 'fail', 'error'))",
            to: "CHECK (status = 'pass' OR status = 'fail' OR status = 'error')"),
        // 11: the case's tags as it ran (a JSON array; null in rows written before), so reports
        // need no index of every case's tags, and a stored run's report shows the tags it ran with.
        """
        ALTER TABLE results ADD COLUMN tags_json TEXT;
        """,
    ]

    /// The version this evalgate writes.
    public static var currentVersion: Int { migrations.count }

    /// The oldest version read as it is. Migration 10 only changed how a write is checked, and
    /// 11 added a column that may be null; so a baseline file of version 9 or 10 is read in place
    /// (its results without tags), not through a migrated copy.
    public static let oldestReadableVersion = 9

    /// The first version whose results have `tags_json`.
    public static let tagsVersion = 11

    /// Brings a writable database up to `currentVersion`, all pending migrations in one
    /// transaction, so a crash leaves either the old schema or the new one.
    /// A database from a newer evalgate is refused, never altered.
    static func migrate(_ database: Database) throws {
        let version = try database.integer("PRAGMA user_version")
        try refuseNewer(version, path: database.path)
        guard version < currentVersion else { return }
        // Rebuilding a table would otherwise cascade-delete its children: foreign keys stay off
        // for the migration (the pragma has no effect inside a transaction) and are checked before
        // the commit instead.
        try database.execute("PRAGMA foreign_keys = OFF")
        defer { try? database.execute("PRAGMA foreign_keys = ON") }
        try database.writeTransaction {
            // Re-read under the write lock: another process may have migrated meanwhile.
            let locked = try database.integer("PRAGMA user_version")
            try refuseNewer(locked, path: database.path)
            for index in locked..<currentVersion {
                switch migrations[index] {
                case .sql(let sql): try database.execute(sql)
                case .redefine(let table, let from, let to): try redefine(database, table: table, from: from, to: to)
                }
            }
            let broken = try database.integer("SELECT COUNT(*) FROM pragma_foreign_key_check")
            if broken > 0 {
                throw StoreError(code: 19, message: "migration left \(broken) rows without their run; nothing was changed", path: database.path)
            }
            try database.execute("PRAGMA user_version = \(currentVersion)")
        }
    }

    /// Rewrites part of a table's stored `CREATE TABLE`, inside the caller's transaction. The
    /// schema cookie is moved on so that every connection parses the new definition.
    private static func redefine(_ database: Database, table: String, from: String, to: String) throws {
        let found = try database.prepare("SELECT instr(sql, ?) FROM sqlite_schema WHERE type = 'table' AND name = ?")
        try found.bind([.text(from), .text(table)])
        guard try found.step(), let offset = found.int(0), offset > 0 else {
            throw StoreError(code: 26, message: "the table \(table) is not defined as this evalgate expects (no \(from)); nothing was changed", path: database.path)
        }
        let cookie = try database.integer("PRAGMA schema_version")
        // Defensive mode (on in some builds of SQLite) would refuse the edit; it is restored after.
        let defensive = try database.setDefensive(false)
        defer { if defensive { _ = try? database.setDefensive(true) } }
        try database.execute("PRAGMA writable_schema = ON")
        do {
            try database.prepare("UPDATE sqlite_schema SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = ?")
                .run([.text(from), .text(to), .text(table)])
            try database.execute("PRAGMA schema_version = \(cookie + 1); PRAGMA writable_schema = OFF")
        } catch {
            try? database.execute("PRAGMA writable_schema = OFF")
            throw error
        }
    }

    /// Checks a read-only database has the schema this evalgate reads.
    static func check(_ database: Database) throws {
        let version = try database.integer("PRAGMA user_version")
        try refuseNewer(version, path: database.path)
        if version == 0 {
            throw StoreError(code: 26, message: "not an evalgate database (it has no evalgate schema)", path: database.path)
        }
        if version < oldestReadableVersion {
            throw StoreError(
                code: 26,
                message: "written by an older evalgate (schema \(version), this one reads \(oldestReadableVersion) to \(currentVersion)); `evalgate baseline promote` rewrites it in the current schema",
                path: database.path)
        }
    }

    private static func refuseNewer(_ version: Int, path: String) throws {
        if version > currentVersion {
            throw StoreError(
                code: 26,
                message: "written by a newer evalgate (schema \(version); this one knows up to \(currentVersion)); upgrade evalgate to read it. The file was not changed",
                path: path)
        }
    }
}
