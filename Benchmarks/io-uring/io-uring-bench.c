// io_uring experiment of issue #17 (item 3): the small-file reads of a collection (every
// revision link of a store and the manifest it names), made (a) as regsweep makes them,
// openat + pread + close per file relative to a directory descriptor, and (b) as io_uring
// chains of OPENAT (direct descriptor) -> READ (fixed file, hard-linked so a short read does
// not cancel the close) -> CLOSE, submitted BATCH files at a time with one io_uring_enter.
// Rounds alternate (a) and (b) in one process after one warm-up of each; prints CPU
// (user+sys, getrusage) per file. Both must read the same number of bytes.
//
//   cc -O2 -o io-uring-bench io-uring-bench.c -luring     (Debian: liburing-dev)
//   ./io-uring-bench STORE/docker/registry/v2/repositories [BATCH] [ROUNDS]
#define _GNU_SOURCE
#include <liburing.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>
#include <time.h>

typedef struct { int dir; char path[80]; } item;
static item *items; static size_t nitems, cap;
static void add(int dir, const char *p) {
    if (nitems == cap) { cap = cap ? cap * 2 : 1 << 16; items = realloc(items, cap * sizeof(item)); }
    items[nitems].dir = dir; snprintf(items[nitems].path, 80, "%s", p); nitems++;
}
static void collect_revisions(const char *repo) { // repo/_manifests/revisions/sha256
    char p[4096]; snprintf(p, sizeof p, "%s/_manifests/revisions/sha256", repo);
    int fd = open(p, O_RDONLY | O_DIRECTORY); if (fd < 0) return;
    DIR *d = fdopendir(dup(fd)); struct dirent *e; char rel[80];
    while ((e = readdir(d))) { if (e->d_name[0] == '.') continue; snprintf(rel, 80, "%s/link", e->d_name); add(fd, rel); }
    closedir(d);
}
static void walk(const char *path, int depth) {
    DIR *d = opendir(path); if (!d) return; struct dirent *e; char p[4096];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        if (!strcmp(e->d_name, "_manifests")) { collect_revisions(path); continue; }
        if (e->d_name[0] == '_') continue;
        if (depth < 4) walk(p, depth + 1);
    }
    closedir(d);
}
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static double cpu(void) { struct rusage r; getrusage(RUSAGE_SELF, &r); return r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec / 1e6; }
static char buf[64][4096];
static long run_sys(void) {
    long total = 0;
    for (size_t i = 0; i < nitems; i++) {
        int fd = openat(items[i].dir, items[i].path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t n = pread(fd, buf[0], 4096, 0); if (n > 0) total += n;
        close(fd);
    }
    return total;
}
static int errs;
static long run_uring(struct io_uring *ring, int batch) {
    long total = 0;
    for (size_t start = 0; start < nitems; start += batch) {
        int count = nitems - start < (size_t)batch ? nitems - start : batch;
        for (int j = 0; j < count; j++) {
            item *it = &items[start + j];
            struct io_uring_sqe *s = io_uring_get_sqe(ring);
            // O_CLOEXEC is refused (EINVAL) for a direct descriptor, which no exec can inherit.
            io_uring_prep_openat_direct(s, it->dir, it->path, O_RDONLY | O_NOFOLLOW, 0, j);
            s->flags |= IOSQE_IO_LINK; s->user_data = 0;
            s = io_uring_get_sqe(ring);
            io_uring_prep_read(s, j, buf[j], 4096, 0);
            s->flags |= IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK; s->user_data = 1 + j;
            s = io_uring_get_sqe(ring);
            io_uring_prep_close_direct(s, j); s->user_data = 0;
        }
        io_uring_submit_and_wait(ring, count * 3);
        struct io_uring_cqe *c; unsigned head, seen = 0;
        io_uring_for_each_cqe(ring, head, c) { if (c->user_data && c->res > 0) total += c->res; if (c->res < 0) errs++; seen++; }
        io_uring_cq_advance(ring, seen);
    }
    return total;
}
int main(int argc, char **argv) {
    walk(argv[1], 0);
    char blobs[4096]; snprintf(blobs, sizeof blobs, "%s/../blobs/sha256", argv[1]);
    // manifests: the revision link names -> blob data
    int shards[256]; for (int i = 0; i < 256; i++) { char p[4200]; snprintf(p, sizeof p, "%s/%02x", blobs, i); shards[i] = open(p, O_RDONLY | O_DIRECTORY);
        if (shards[i] < 0) { perror(p); return 1; } }
    size_t nrev = nitems;
    for (size_t i = 0; i < nrev; i++) { char h[65]; memcpy(h, items[i].path, 64); h[64] = 0; char rel[80]; snprintf(rel, 80, "%s/data", h);
        int s = (int)strtol((char[]){h[0], h[1], 0}, 0, 16); add(shards[s], rel); }
    int batch = argc > 2 ? atoi(argv[2]) : 32; int rounds = argc > 3 ? atoi(argv[3]) : 3;
    struct io_uring ring; struct io_uring_params params = {0};
    if (io_uring_queue_init_params(batch * 4, &ring, &params) < 0) { perror("ring"); return 1; }
    if (io_uring_register_files_sparse(&ring, batch) < 0) { perror("files"); return 1; }
    fprintf(stderr, "%zu files, batch %d\n", nitems, batch);
    run_sys(); run_uring(&ring, batch);  // warm
    errs = 0;
    for (int r = 0; r < rounds; r++) {
        for (int m = 0; m < 2; m++) {
            int mode = (r + m) % 2; double w = now(), c = cpu(); long t = mode ? run_uring(&ring, batch) : run_sys();
            w = now() - w; c = cpu() - c;
            printf("%s wall %.3f cpu %.3f us/file %.2f bytes %ld\n", mode ? "uring" : "sys  ", w, c, c / nitems * 1e6, t);
        }
    }
    fprintf(stderr, "failed io_uring completions after the warm-up: %d\n", errs);
}
