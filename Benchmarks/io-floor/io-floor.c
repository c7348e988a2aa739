// io-floor: the least file-system work any mark-and-sweep of a registry store must do, for
// Benchmarks/compare.sh to put regsweep's time next to.
//
// Usage: io-floor STORE [THREADS]
//
// What it does (and nothing else): lists the 256 blob shards; walks the repository tree
// (d_type only, no stat) to find every `_manifests/revisions/sha256` directory and lists
// it; opens and reads each listed revision's manifest `blobs/sha256/XX/HEX/data` once,
// relative to an open shard descriptor. No parsing, no link files, no tags, no layers.
// THREADS workers (default: online CPUs) share the shard listings and the manifest reads.
// Prints counts so a run can be checked against the store, and the wall time.
//
// Build: cc -O2 -pthread -o io-floor io-floor.c
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static int shard_fd[256];
static char **revisions;  // "HEX" names of every revision, across repositories
static size_t revision_count, revision_capacity;
static atomic_size_t next_item;
static atomic_size_t blob_entries, manifest_bytes, manifest_reads;

static void die(const char *what, const char *path) {
    fprintf(stderr, "io-floor: %s: %s\n", what, path);
    exit(1);
}

// Calls visit(name, type, arg) for each entry of the open directory fd, then closes it.
static void list(int fd, void (*visit)(const char *, unsigned char, void *), void *arg) {
    char buffer[64 * 1024];
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buffer, sizeof buffer);
        if (n < 0) die("getdents64 failed", "");
        if (n == 0) break;
        for (long at = 0; at < n;) {
            struct linux_dirent64 *entry = (struct linux_dirent64 *)(buffer + at);
            at += entry->d_reclen;
            if (entry->d_name[0] == '.') continue;
            visit(entry->d_name, entry->d_type, arg);
        }
    }
    close(fd);
}

static void count_blob(const char *name, unsigned char type, void *arg) {
    (void)name, (void)type, (void)arg;
    atomic_fetch_add_explicit(&blob_entries, 1, memory_order_relaxed);
}

static void add_revision(const char *name, unsigned char type, void *arg) {
    (void)type, (void)arg;
    if (strlen(name) != 64) return;
    if (revision_count == revision_capacity) {
        revision_capacity = revision_capacity ? revision_capacity * 2 : 4096;
        revisions = realloc(revisions, revision_capacity * sizeof *revisions);
    }
    revisions[revision_count++] = strdup(name);
}

static void walk(int fd, const char *path);

struct walk_arg { int fd; const char *path; };

static void walk_entry(const char *name, unsigned char type, void *arg) {
    struct walk_arg *parent = arg;
    if (type != DT_DIR) return;
    if (strcmp(name, "_layers") == 0 || strcmp(name, "_uploads") == 0) return;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", parent->path, name);
    if (strcmp(name, "_manifests") == 0) {
        int revs = openat(parent->fd, "_manifests/revisions/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (revs >= 0) list(revs, add_revision, NULL);
        return;
    }
    int child = openat(parent->fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (child < 0) die("cannot open", path);
    walk(child, path);
}

static void walk(int fd, const char *path) {
    struct walk_arg arg = {dup(fd), path};
    list(fd, walk_entry, &arg);
    close(arg.fd);
}

static void *list_shards(void *unused) {
    (void)unused;
    for (size_t i; (i = atomic_fetch_add(&next_item, 1)) < 256;) {
        int fd = openat(shard_fd[i], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        list(fd, count_blob, NULL);
    }
    return NULL;
}

static int hex(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

static void *read_manifests(void *unused) {
    (void)unused;
    char buffer[64 * 1024];
    char path[80];
    for (size_t i; (i = atomic_fetch_add(&next_item, 1)) < revision_count;) {
        const char *name = revisions[i];
        snprintf(path, sizeof path, "%s/data", name);
        int fd = openat(shard_fd[hex(name[0]) * 16 + hex(name[1])], path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;  // a revision whose blob is gone: nothing to read
        ssize_t n = read(fd, buffer, sizeof buffer);
        close(fd);
        if (n > 0) {
            atomic_fetch_add_explicit(&manifest_bytes, (size_t)n, memory_order_relaxed);
            atomic_fetch_add_explicit(&manifest_reads, 1, memory_order_relaxed);
        }
    }
    return NULL;
}

static void run(void *(*work)(void *), int threads) {
    pthread_t tid[64];
    atomic_store(&next_item, 0);
    for (int t = 0; t < threads; t++) pthread_create(&tid[t], NULL, work, NULL);
    for (int t = 0; t < threads; t++) pthread_join(tid[t], NULL);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: io-floor STORE [THREADS]\n");
        return 2;
    }
    int threads = argc == 3 ? atoi(argv[2]) : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1 || threads > 64) threads = 2;
    double start = now();
    char path[4096];
    snprintf(path, sizeof path, "%s/docker/registry/v2/blobs/sha256", argv[1]);
    int blobs = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (blobs < 0) die("cannot open", path);
    for (int i = 0; i < 256; i++) {
        char name[3];
        snprintf(name, sizeof name, "%02x", i);
        shard_fd[i] = openat(blobs, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (shard_fd[i] < 0) die("cannot open shard", name);
    }
    run(list_shards, threads);
    double listed = now();
    snprintf(path, sizeof path, "%s/docker/registry/v2/repositories", argv[1]);
    int repositories = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (repositories < 0) die("cannot open", path);
    walk(repositories, path);
    double walked = now();
    run(read_manifests, threads);
    double seconds = now() - start;
    printf("blobs listed %zu, revisions listed %zu, manifests read %zu (%zu bytes), %d threads\n",
           atomic_load(&blob_entries), revision_count, atomic_load(&manifest_reads),
           atomic_load(&manifest_bytes), threads);
    printf("seconds %.3f (shards %.3f, repositories %.3f, manifests %.3f)\n", seconds, listed - start,
           walked - listed, now() - walked);
    return 0;
}
