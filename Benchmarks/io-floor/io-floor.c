// io-floor: the least file-system work any mark-and-sweep of a registry store must do, for
// Benchmarks/compare.sh to put regsweep's time next to.
//
// Usage: io-floor [--links] STORE [THREADS]
//
// What it does (and nothing else): lists the 256 blob shards; walks the repository tree
// (d_type only, no stat) to find every repository; lists each one's
// `_manifests/revisions/sha256`; opens and reads each listed revision's manifest
// `blobs/sha256/XX/HEX/data` once, relative to an open shard descriptor. No parsing, no
// link files, no tags, no layers.
//
// --links adds the reads a collector that never deletes unproven garbage also makes (the
// "safe floor"): each revision's `link` (the registry serves the digest the link names),
// each tag's `current/link`, a listing of each tag's `index/sha256` (tag history), and of
// `_layers/sha256` (layer links), all relative to open directory descriptors.
//
// THREADS workers (default: online CPUs) share the shard listings, the repositories and the
// manifest reads. Prints counts so a run can be checked against the store, and the wall time.
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
static char **repositories;  // paths of repository directories
static size_t repository_count, repository_capacity;
static pthread_mutex_t revisions_lock = PTHREAD_MUTEX_INITIALIZER;
static int with_links;
static atomic_size_t next_item;
static atomic_size_t blob_entries, manifest_bytes, manifest_reads, link_reads, tag_entries, layer_entries;

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

// Appends to a growing array of strings.
static void append(char ***array, size_t *count, size_t *capacity, const char *text) {
    if (*count == *capacity) {
        *capacity = *capacity ? *capacity * 2 : 4096;
        *array = realloc(*array, *capacity * sizeof **array);
        if (!*array) die("out of memory", "");
    }
    (*array)[(*count)++] = strdup(text);
}

// Reads a small file below the open directory fd (one read: links are 71 bytes).
static void read_small(int dirfd, const char *path) {
    char buffer[128];
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    if (read(fd, buffer, sizeof buffer) > 0) atomic_fetch_add_explicit(&link_reads, 1, memory_order_relaxed);
    close(fd);
}

// Per revision: records its name; with --links reads its link (arg: the listed directory's fd).
static void add_revision(const char *name, unsigned char type, void *arg) {
    (void)type;
    if (strlen(name) != 64) return;
    if (with_links) {
        char path[80];
        snprintf(path, sizeof path, "%s/link", name);
        read_small(*(int *)arg, path);
    }
    pthread_mutex_lock(&revisions_lock);
    append(&revisions, &revision_count, &revision_capacity, name);
    pthread_mutex_unlock(&revisions_lock);
}

static void count_entry(const char *name, unsigned char type, void *arg) {
    (void)name, (void)type;
    atomic_fetch_add_explicit((atomic_size_t *)arg, 1, memory_order_relaxed);
}

// Per tag (--links): reads current/link and lists index/sha256 (arg: the tags directory's fd).
static void visit_tag(const char *name, unsigned char type, void *arg) {
    if (type != DT_DIR) return;
    int tags = *(int *)arg;
    char path[512];
    snprintf(path, sizeof path, "%s/current/link", name);
    read_small(tags, path);
    snprintf(path, sizeof path, "%s/index/sha256", name);
    int history = openat(tags, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (history >= 0) list(history, count_entry, &tag_entries);
}

// Lists `sub` below the open directory `parent`, calling visit with the listed directory's fd.
static void list_below(int parent, const char *sub, void (*visit)(const char *, unsigned char, void *)) {
    int fd = openat(parent, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    int keep = dup(fd);
    list(fd, visit, &keep);
    close(keep);
}

static void *scan_repositories(void *unused) {
    (void)unused;
    for (size_t i; (i = atomic_fetch_add(&next_item, 1)) < repository_count;) {
        int repository = open(repositories[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (repository < 0) die("cannot open", repositories[i]);
        list_below(repository, "_manifests/revisions/sha256", add_revision);
        if (with_links) {
            list_below(repository, "_manifests/tags", visit_tag);
            int layers = openat(repository, "_layers/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (layers >= 0) list(layers, count_entry, &layer_entries);
        }
        close(repository);
    }
    return NULL;
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
        append(&repositories, &repository_count, &repository_capacity, parent->path);
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
    if (argc > 1 && strcmp(argv[1], "--links") == 0) {
        with_links = 1;
        argv++, argc--;
    }
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: io-floor [--links] STORE [THREADS]\n");
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
    int tree = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (tree < 0) die("cannot open", path);
    walk(tree, path);
    run(scan_repositories, threads);
    double walked = now();
    run(read_manifests, threads);
    double seconds = now() - start;
    printf("blobs listed %zu, repositories %zu, revisions listed %zu, manifests read %zu (%zu bytes), %d threads\n",
           atomic_load(&blob_entries), repository_count, revision_count, atomic_load(&manifest_reads),
           atomic_load(&manifest_bytes), threads);
    if (with_links)
        printf("links read %zu, tag history entries %zu, layer links %zu\n", atomic_load(&link_reads),
               atomic_load(&tag_entries), atomic_load(&layer_entries));
    printf("seconds %.3f (shards %.3f, repositories %.3f, manifests %.3f)\n", seconds, listed - start,
           walked - listed, now() - walked);
    return 0;
}
