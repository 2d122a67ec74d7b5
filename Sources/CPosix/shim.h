// POSIX and Linux calls that Swift's Glibc module does not expose, as thin inline wrappers.
#ifndef CPOSIX_SHIM_H
#define CPOSIX_SHIM_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <sys/stat.h>

/// The birth time of the open file `fd` in nanoseconds since the epoch (statx STATX_BTIME).
/// Returns 0 and sets *nanoseconds, 1 when the file system does not record it, -1 on error.
static inline int cposix_birth_time(int fd, long long *nanoseconds) {
#ifdef STATX_BTIME
    struct statx st;
    if (statx(fd, "", AT_EMPTY_PATH, STATX_BTIME, &st) != 0) return -1;
    if (!(st.stx_mask & STATX_BTIME)) return 1;
    *nanoseconds = (long long)st.stx_btime.tv_sec * 1000000000LL + (long long)st.stx_btime.tv_nsec;
    return 0;
#else
    (void)fd; (void)nanoseconds;
    return 1;
#endif
}

#endif
