#!/usr/bin/env bash
# Side-by-side timing of regsweep's dry-run GC against the reference registry's, and find(1).
#
# Usage: Benchmarks/compare.sh STORE [RUNS]
#   STORE  a registry storage rootdirectory (holding docker/registry/v2), e.g. one written by
#          `regsweep generate`; it is only read (every command is a dry run).
#   RUNS   measured runs per command (default 5), after one warm-up run each (warm page cache).
#
# Runs, interleaved round by round so that all three see the same cache state:
#   regsweep gc STORE --dry-run --grace 0 --format distribution   (release build of this checkout)
#   docker-registry garbage-collect --dry-run CONFIG               (CONFIG: temp config.yml on STORE)
#   find STORE -type f | wc -l
#   io-floor STORE   (Benchmarks/io-floor/io-floor.c: only the listings and manifest reads that
#                     any mark must do, in C with raw getdents64, on all cores)
#   io-floor --links STORE   (the "safe floor": also every read a collector that deletes nothing
#                     unproven must make: revision links, tag current links, tag-history and
#                     layer-link listings)
# and prints median wall time and median peak RSS (GNU time's %M) of each, the ratios
# regsweep/reference, regsweep/find, regsweep/io-floor and regsweep/safe-floor, and whether
# regsweep's eligible blob set equals the reference's. regsweep is built in release mode with
# the Swift runtime linked statically (--static-swift-stdlib, as a deployed CLI would be),
# under .build/static. Needs: docker-registry (Debian: docker-registry), GNU time (Debian:
# time), cc (gcc). Environment: REGSWEEP=path to a regsweep binary (skips the build);
# REFERENCE=reference binary.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 STORE [RUNS]" >&2
    exit 2
fi
store=$(cd "$1" && pwd)
runs=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
reference=${REFERENCE:-$(command -v docker-registry || command -v registry || true)}
[[ -d "$store/docker/registry/v2" ]] || { echo "$store holds no docker/registry/v2" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "GNU time is missing: apt-get install time" >&2; exit 2; }
[[ -n "$reference" ]] || { echo "docker-registry is missing: apt-get install docker-registry" >&2; exit 2; }

if [[ -z "${REGSWEEP:-}" ]]; then
    echo "building regsweep (release, static Swift runtime)..." >&2
    (cd "$here/.." && swift build -c release --static-swift-stdlib --scratch-path .build/static --product regsweep >&2)
    REGSWEEP="$(cd "$here/.." && swift build -c release --static-swift-stdlib --scratch-path .build/static --show-bin-path)/regsweep"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -pthread -o "$work/io-floor" "$here/io-floor/io-floor.c"
cat > "$work/config.yml" <<YAML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $store
  delete:
    enabled: true
http:
  addr: 127.0.0.1:5999
YAML

run_regsweep()  { "$REGSWEEP" gc "$store" --dry-run --grace 0 --format distribution; }
run_reference() { "$reference" garbage-collect --dry-run "$work/config.yml"; }
run_find()      { find "$store" -type f | wc -l; }
run_floor()     { "$work/io-floor" "$store"; }
run_safefloor() { "$work/io-floor" --links "$store"; }
export -f run_regsweep run_reference run_find run_floor run_safefloor
export REGSWEEP reference store work

# measure NAME: runs run_NAME once under GNU time; appends "seconds rss_kb" to $work/NAME.times.
measure() {
    local name=$1 start end
    start=$(date +%s.%N)
    /usr/bin/time -f "%M" -o "$work/$name.rss" bash -c "run_$name" > "$work/$name.out" 2> "$work/$name.err" || {
        echo "$name failed:" >&2
        tail -5 "$work/$name.err" >&2
        exit 1
    }
    end=$(date +%s.%N)
    echo "$(echo "$end - $start" | bc -l) $(tail -1 "$work/$name.rss")" >> "$work/$name.times"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

names=(regsweep reference find floor safefloor)
for name in "${names[@]}"; do measure "$name"; rm -f "$work/$name.times"; done   # warm-up
for ((round = 1; round <= runs; round++)); do
    for name in "${names[@]}"; do measure "$name"; done
    echo "round $round/$runs done" >&2
done

declare -A secs rss
for name in "${names[@]}"; do
    secs[$name]=$(cut -d' ' -f1 "$work/$name.times" | median)
    rss[$name]=$(cut -d' ' -f2 "$work/$name.times" | median)
done

files=$(tr -d ' ' < "$work/find.out")
grep -o 'blob eligible for deletion: sha256:[0-9a-f]*' "$work/regsweep.out" | sort > "$work/regsweep.eligible" || true
grep -o 'blob eligible for deletion: sha256:[0-9a-f]*' "$work/reference.out" | sort > "$work/reference.eligible" || true
eligible=$(wc -l < "$work/reference.eligible")
summary=$(grep -m1 'blobs marked' "$work/reference.out" || echo "(no reference summary)")

echo
echo "store: $store ($files files; reference: $summary)"
echo "runs: $runs measured after 1 warm-up each, medians"
printf '%-34s %10s %12s\n' "command" "seconds" "peak RSS MB"
printf '%-34s %10.3f %12.1f\n' "regsweep gc --dry-run --grace 0" "${secs[regsweep]}" "$(echo "${rss[regsweep]} / 1024" | bc -l)"
printf '%-34s %10.3f %12.1f\n' "docker-registry garbage-collect -d" "${secs[reference]}" "$(echo "${rss[reference]} / 1024" | bc -l)"
printf '%-34s %10.3f %12.1f\n' "find -type f | wc -l" "${secs[find]}" "$(echo "${rss[find]} / 1024" | bc -l)"
printf '%-34s %10.3f %12.1f\n' "io-floor (listings + manifest reads)" "${secs[floor]}" "$(echo "${rss[floor]} / 1024" | bc -l)"
printf '%-34s %10.3f %12.1f\n' "io-floor --links (safe floor)" "${secs[safefloor]}" "$(echo "${rss[safefloor]} / 1024" | bc -l)"
echo
printf 'time  regsweep/reference: %.4f (%.1fx faster)\n' \
    "$(echo "${secs[regsweep]} / ${secs[reference]}" | bc -l)" "$(echo "${secs[reference]} / ${secs[regsweep]}" | bc -l)"
printf 'time  regsweep/find:      %.4f\n' "$(echo "${secs[regsweep]} / ${secs[find]}" | bc -l)"
printf 'time  regsweep/io-floor:  %.4f\n' "$(echo "${secs[regsweep]} / ${secs[floor]}" | bc -l)"
printf 'time  regsweep/safe-floor: %.4f\n' "$(echo "${secs[regsweep]} / ${secs[safefloor]}" | bc -l)"
printf 'RSS   regsweep/reference: %.4f\n' "$(echo "${rss[regsweep]} / ${rss[reference]}" | bc -l)"
if cmp -s "$work/regsweep.eligible" "$work/reference.eligible"; then
    echo "eligible blobs: identical sets ($eligible blobs)"
else
    echo "eligible blobs: DIFFERENT (regsweep $(wc -l < "$work/regsweep.eligible"), reference $eligible):"
    diff "$work/regsweep.eligible" "$work/reference.eligible" | head -20
    exit 1
fi
