// System calls the C library does not wrap for Swift (raw directory reads), and the hot
// per-file calls of a scan made directly, without the C library's cancellation-point wrappers
// (each of which toggles the thread's asynchronous-cancellation state around the call; this
// program never cancels threads).
#ifndef REGSWEEP_CSYSCALLS_H
#define REGSWEEP_CSYSCALLS_H

#include <stddef.h>

/// Reads directory records of the open directory `fd` into `buffer` (Linux getdents64).
/// Returns the bytes filled (0 at the end of the directory), or -1 with errno set.
/// Records are `struct linux_dirent64`: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type,
/// then the NUL-terminated name; each record starts 8-byte aligned.
/// On systems without getdents64 it returns -1 with errno ENOSYS.
long regsweep_getdents64(int fd, void *buffer, size_t length);

/// openat(2) without creating files (no mode). Returns the descriptor, or -1 with errno set.
int regsweep_openat(int dirfd, const char *path, int flags);

/// pread(2). Returns the bytes read, or -1 with errno set.
long regsweep_pread(int fd, void *buffer, size_t length, long offset);

/// close(2). Returns 0, or -1 with errno set.
int regsweep_close(int fd);

#endif
