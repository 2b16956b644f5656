#ifndef EVALGATE_CSQLITE_SHIM_H
#define EVALGATE_CSQLITE_SHIM_H
#include "sqlite3.h"

/// SQLITE_TRANSIENT is a macro over a cast that Swift cannot import: bind copies of text and blobs
/// through these typed wrappers instead.
static inline int evalgate_sqlite3_bind_text_transient(sqlite3_stmt *stmt, int index, const char *text, int length) {
    return sqlite3_bind_text(stmt, index, text, length, SQLITE_TRANSIENT);
}
static inline int evalgate_sqlite3_bind_blob_transient(sqlite3_stmt *stmt, int index, const void *bytes, int length) {
    return sqlite3_bind_blob(stmt, index, bytes, length, SQLITE_TRANSIENT);
}
/// SQLITE_STATIC: the caller promises the bytes outlive the statement's use of them (a buffer it
/// holds until after the step, and bindings cleared before it lets go).
static inline int evalgate_sqlite3_bind_text_static(sqlite3_stmt *stmt, int index, const char *text, int length) {
    return sqlite3_bind_text(stmt, index, text, length, SQLITE_STATIC);
}

/// Sets SQLite's defensive mode on a connection (1 on, 0 off; -1 leaves it), which forbids
/// `writable_schema`, and writes the mode it had before to `was`. Returns SQLITE_OK on success.
static inline int evalgate_sqlite3_set_defensive(sqlite3 *db, int on, int *was) {
    int code = sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, -1, was);
    if (code != SQLITE_OK || on < 0) return code;
    return sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, on, (int *)0);
}

/// Starts loading the cache line at `address` for a read soon after (a row about to be bound).
static inline void evalgate_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}
#endif
