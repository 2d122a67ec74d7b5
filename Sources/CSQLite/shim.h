#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro Swift cannot import; this gives the same destructor value.
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }

/// A WAL hook that records the WAL's frame count after each commit in `*frames` and does not
/// checkpoint (installing it turns SQLite's automatic checkpoint off).
static int csqlite_count_wal_frames(void *frames, sqlite3 *db, const char *name, int count) {
    (void)db;
    (void)name;
    *(int *)frames = count;
    return SQLITE_OK;
}

/// Installs `csqlite_count_wal_frames` on `db`, writing to `frames`.
static inline void csqlite_track_wal_frames(sqlite3 *db, int *frames) {
    sqlite3_wal_hook(db, csqlite_count_wal_frames, frames);
}
