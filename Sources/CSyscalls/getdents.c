#include "CSyscalls.h"

#include <errno.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
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
