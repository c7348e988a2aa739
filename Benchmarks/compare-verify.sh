#!/usr/bin/env bash
# Side-by-side timing of `regsweep verify` (full SHA-256, and --fast against a baseline)
# with sha256sum and openssl over the same blobs, and the machine's SHA-256 limit.
#
# Usage: Benchmarks/compare-verify.sh STORE [RUNS]
#   STORE  a registry storage rootdirectory; only read (the baseline goes to a temp dir).
#   RUNS   measured runs per command (default 5), after one warm-up each (warm page cache).
# Prints median wall seconds, median CPU seconds (user + sys, GNU time), MB/s over the blob
# bytes (wall and per CPU-second), `openssl speed -evp sha256 -bytes 16384` (one core) times
# the core count, and the issue #6 targets: full >= 80 % of that limit (wall; and per
# CPU-second, which a shared machine cannot spoil), full <= sha256sum, full/fast >= 5.
# Environment: REGSWEEP=path to a regsweep binary (skips the build).
# Needs GNU time (/usr/bin/time) and bc. Note the load (`uptime`) it prints: on a shared
# machine wall times measure the neighbours too.
set -euo pipefail
if [[ $# -lt 1 || $# -gt 2 ]]; then echo "usage: $0 STORE [RUNS]" >&2; exit 2; fi
store=$(cd "$1" && pwd)
runs=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
[[ -d "$store/docker/registry/v2/blobs" ]] || { echo "$store holds no docker/registry/v2/blobs" >&2; exit 2; }
if [[ -z "${REGSWEEP:-}" ]]; then
    (cd "$here/.." && swift build -c release --product regsweep >&2)
    REGSWEEP="$(cd "$here/.." && swift build -c release --show-bin-path)/regsweep"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
blobs="$store/docker/registry/v2/blobs"
bytes=$(find "$blobs" -name data -type f -printf '%s\n' | awk '{s+=$1} END {printf "%.0f\n", s}')

"$REGSWEEP" verify "$store" --baseline "$work/baseline" >/dev/null   # writes the baseline, warms the cache

full()      { "$REGSWEEP" verify "$store" >/dev/null; }
fast()      { "$REGSWEEP" verify "$store" --fast --baseline "$work/baseline" >/dev/null; }
sha256sum2() { find "$blobs" -name data -type f -print0 | xargs -0 -P2 -n 64 sha256sum >/dev/null; }

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
export -f full fast sha256sum2
export REGSWEEP store work blobs
declare -A result cpu
uptime
for name in full fast sha256sum2; do
    $name   # warm-up
    for _ in $(seq "$runs"); do
        /usr/bin/time -f '%e %U %S' -o "$work/time" bash -c "$name"
        cat "$work/time"
    done > "$work/$name.times"
    result[$name]=$(awk '{print $1}' "$work/$name.times" | median)
    cpu[$name]=$(awk '{print $2 + $3}' "$work/$name.times" | median)
done
uptime
limit=$(openssl speed -evp sha256 -bytes 16384 -seconds 2 2>/dev/null | awk '/^sha256/ {v=$NF; sub(/k$/, "", v); print v * 1000 / 1e6}')
cores=$(nproc)
printf 'store: %s (%s bytes of blob data)\n' "$store" "$bytes"
printf '%-12s %9s %9s %10s %12s\n' command wall-s cpu-s MB/s MB/cpu-s
for name in full fast sha256sum2; do
    printf '%-12s %9.3f %9.3f %10.1f %12.1f\n' "$name" "${result[$name]}" "${cpu[$name]}" \
        "$(echo "$bytes / ${result[$name]} / 1000000" | bc -l)" "$(echo "$bytes / ${cpu[$name]} / 1000000" | bc -l)"
done
printf 'openssl sha256 limit: %.1f MB/s per core x %d cores = %.1f MB/s\n' "$limit" "$cores" "$(echo "$limit * $cores" | bc -l)"
printf 'full vs limit: %.1f %% (wall), %.1f %% (per CPU-second); target 80 %%\n' \
    "$(echo "100 * $bytes / ${result[full]} / 1000000 / ($limit * $cores)" | bc -l)" \
    "$(echo "100 * $bytes / ${cpu[full]} / 1000000 / $limit" | bc -l)"
printf 'full/sha256sum: %.3f (wall; target <= 1)\n' "$(echo "${result[full]} / ${result[sha256sum2]}" | bc -l)"
printf 'full/fast: %.2fx (wall), %.2fx (CPU); target >= 5x\n' \
    "$(echo "${result[full]} / ${result[fast]}" | bc -l)" "$(echo "${cpu[full]} / ${cpu[fast]}" | bc -l)"
