// System calls the C library does not wrap for Swift: raw directory reads.
#ifndef REGSWEEP_CSYSCALLS_H
#define REGSWEEP_CSYSCALLS_H

#include <stddef.h>

/// Reads directory records of the open directory `fd` into `buffer` (Linux getdents64).
/// Returns the bytes filled (0 at the end of the directory), or -1 with errno set.
/// Records are `struct linux_dirent64`: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type,
/// then the NUL-terminated name; each record starts 8-byte aligned.
/// On systems without getdents64 it returns -1 with errno ENOSYS.
long regsweep_getdents64(int fd, void *buffer, size_t length);

#endif
