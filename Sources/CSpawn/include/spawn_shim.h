#ifndef EVALGATE_SPAWN_SHIM_H
#define EVALGATE_SPAWN_SHIM_H
#include <spawn.h>

/// pipe2(fds, O_CLOEXEC): both ends close-on-exec from birth, so a child spawned by another
/// thread at the same moment never inherits them (which would keep a pipe open forever).
int evalgate_pipe_cloexec(int fds[2]);

/// posix_spawn_file_actions_addchdir_np: the child starts in `path`. Returns 0 or an errno.
int evalgate_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);
/// posix_spawn_file_actions_addclosefrom_np: the child closes every descriptor from `low` up before
/// exec, so evalgate's own files (the SQLite store, a script a test is writing) never leak into it.
int evalgate_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int low);

/// mallopt(M_MMAP_THRESHOLD, bytes): every block of `bytes` or more is mapped on its own, so that
/// freeing it gives the memory back. Returns 1 when set.
int evalgate_set_mmap_threshold(int bytes);

/// Sets how much free memory at the top of a malloc heap is kept rather than given back
/// (M_TRIM_THRESHOLD). Returns 1 on success.
int evalgate_set_trim_threshold(int bytes);

/// Raises the soft limit on open files to the hard limit (what Go's runtime does at start).
/// Returns the limit now in force, or -1 when unlimited or it cannot be read.
long evalgate_raise_open_file_limit(void);
#endif
