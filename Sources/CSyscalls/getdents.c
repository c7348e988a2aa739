#include "CSyscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif

long regsweep_getdents64(int fd, void *buffer, size_t length) {
#if defined(__linux__)
    return syscall(SYS_getdents64, fd, buffer, length);
#else
    (void)fd, (void)buffer, (void)length;
    errno = ENOSYS;
    return -1;
#endif
}

int regsweep_openat(int dirfd, const char *path, int flags) {
#if defined(__linux__)
    return (int)syscall(SYS_openat, dirfd, path, flags, 0);
#else
    return openat(dirfd, path, flags);
#endif
}

long regsweep_pread(int fd, void *buffer, size_t length, long offset) {
#if defined(__linux__)
    return syscall(SYS_pread64, fd, buffer, length, offset);
#else
    return pread(fd, buffer, length, offset);
#endif
}

int regsweep_close(int fd) {
#if defined(__linux__)
    return (int)syscall(SYS_close, fd);
#else
    return close(fd);
#endif
}
