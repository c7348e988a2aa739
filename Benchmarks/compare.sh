#!/usr/bin/env bash
# Side-by-side timing of regsweep's dry-run GC against the reference registry's, and find(1).
#
# Usage: Benchmarks/compare.sh STORE [RUNS]
#   STORE  a registry storage rootdirectory (holding docker/registry/v2), e.g. one written by
#          `regsweep generate`; it is only read (every command is a dry run).
#   RUNS   measured rounds (default 5).
#
# Method (no program is measured right after one that changes the cache state it sees):
#   phase 1, walkers: `find` and the reference GC walk and stat every file; each is run once to
#     warm, then measured REFERENCE_RUNS times (default 3) back to back, in their own phase.
#   phase 2, rounds: each round rotates the order of the fast programs (regsweep, the floors,
#     and BASELINE if given); each program runs once unmeasured right before its measured run.
#   Reported: median wall and CPU (user+sys) per program, per-round paired ratios (median, min,
#   max, and each round's) of regsweep against each floor and BASELINE, the reference's median over regsweep's,
#   and the machine's load before and after.
#
# Programs:
#   regsweep gc STORE --dry-run --grace 0 --format distribution   (release build of this checkout)
#   regsweep gc STORE --dry-run -m --grace 0                       (delete-untagged, text summary)
#   regsweep retain STORE --keep-last 3 --collect --dry-run --grace 0   (one scan: the issue's
#                     target is at most 1.2x `gc --dry-run -m`; printed as "retain / gc -m")
#   regsweep scan STORE                                            (inventory: every blob stat'ed)
#   regsweep du STORE --top 0                                      (one scan with blob sizes, then
#                     the per-repository attribution; printed as "du / scan")
#   docker-registry garbage-collect --dry-run CONFIG               (CONFIG: temp config.yml on STORE)
#   find STORE -type f | wc -l
#   io-floor STORE   (Benchmarks/io-floor/io-floor.c: only the listings and manifest reads that
#                     any mark must do, in C with raw getdents64, on all cores)
#   io-floor --links STORE   (the "safe floor": also every read a collector that deletes nothing
#                     unproven must make: revision links, tag current links, tag-history and
#                     layer-link listings)
# and whether regsweep's eligible blob set equals the reference's (exit 1 if not). regsweep is built in release mode with
# the Swift runtime linked statically (--static-swift-stdlib, as a deployed CLI would be),
# under .build/static. Needs: docker-registry (Debian: docker-registry), GNU time (Debian:
# time), cc (gcc). Environment: REGSWEEP=path to a regsweep binary (skips the build);
# REFERENCE=reference binary; BASELINE=another regsweep binary to compare with (before/after a
# change; same command line); REFERENCE_RUNS (default 3; 0 skips the reference and find);
# PROGRAMS: the rotated programs (default "regsweep floor safefloor gcm retain scan du"; a
# ratio whose two programs were not both run prints as n/a).
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
run_gcm()       { "$REGSWEEP" gc "$store" --dry-run -m --grace 0; }
run_retain()    { "$REGSWEEP" retain "$store" --keep-last 3 --collect --dry-run --grace 0; }
run_scan()      { "$REGSWEEP" scan "$store"; }
run_du()        { "$REGSWEEP" du "$store" --top 0; }
run_baseline()  { "$BASELINE" gc "$store" --dry-run --grace 0 --format distribution; }
run_reference() { "$reference" garbage-collect --dry-run "$work/config.yml"; }
run_find()      { find "$store" -type f | wc -l; }
run_floor()     { "$work/io-floor" "$store"; }
run_safefloor() { "$work/io-floor" --links "$store"; }
export -f run_regsweep run_gcm run_retain run_scan run_du run_baseline run_reference run_find run_floor run_safefloor
export REGSWEEP BASELINE reference store work

# measure NAME: runs run_NAME once under GNU time; appends "wall cpu rss_kb" to $work/NAME.times.
measure() {
    local name=$1
    /usr/bin/time -f "%e %U %S %M" -o "$work/$name.time" bash -c "run_$name" > "$work/$name.out" 2> "$work/$name.err" || {
        echo "$name failed:" >&2
        tail -5 "$work/$name.err" >&2
        exit 1
    }
    awk '{ printf "%s %.3f %s\n", $1, $2 + $3, $4 }' "$work/$name.time" >> "$work/$name.times"
}
# warm NAME: one unmeasured run.
warm() { bash -c "run_$1" > /dev/null 2>&1 || true; }

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
column() { cut -d' ' -f"$2" "$work/$1.times"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

reference_runs=${REFERENCE_RUNS:-3}
load_before=$(load)
walkers=()
if ((reference_runs > 0)); then walkers=(find reference); fi
for name in "${walkers[@]}"; do
    warm "$name"
    for ((run = 1; run <= reference_runs; run++)); do measure "$name"; done
    echo "$name: $reference_runs runs done" >&2
done

read -r -a fast <<< "${PROGRAMS:-regsweep floor safefloor gcm retain scan du}"
[[ -n "${BASELINE:-}" ]] && fast+=(baseline)
for ((round = 0; round < runs; round++)); do
    count=${#fast[@]}
    for ((k = 0; k < count; k++)); do
        name=${fast[$(((round + k) % count))]}
        warm "$name"
        measure "$name"
    done
    echo "round $((round + 1))/$runs done" >&2
done
load_after=$(load)

# Per-round paired ratio of column 1 (wall) of A over B: median min max, then each round's.
paired() {
    [[ -s "$work/$1.times" && -s "$work/$2.times" ]] || { echo "n/a"; return 0; }
    local ratios
    ratios=$(paste -d' ' <(column "$1" 1) <(column "$2" 1) | awk '{ printf "%.3f\n", $1 / $2 }')
    sort -g <<< "$ratios" \
        | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f (min %.3f, max %.3f)", m, v[1], v[NR] }'
    printf '; by round: %s' "$(tr '\n' ' ' <<< "$ratios" | sed 's/ $//')"
}

echo
files=unknown
[[ -s "$work/find.out" ]] && files=$(tr -d ' ' < "$work/find.out")
summary=$(grep -m1 'blobs marked' "$work/reference.out" 2>/dev/null || echo "(reference not run)")
echo "store: $store ($files files; reference: $summary)"
echo "load average before: $load_before; after: $load_after ($(nproc) cores)"
echo "rounds: $runs (fast programs, rotated, each warmed right before); walkers: $reference_runs runs each, own phase"
printf '%-36s %10s %10s %12s\n' "command (medians)" "wall s" "CPU s" "peak RSS MB"
row() {
    [[ -s "$work/$2.times" ]] || return 0
    printf '%-36s %10.3f %10.3f %12.1f\n' "$1" "$(column "$2" 1 | median)" "$(column "$2" 2 | median)" \
        "$(echo "$(column "$2" 3 | median) / 1024" | bc -l)"
}
row "regsweep gc --dry-run --grace 0" regsweep
row "regsweep gc --dry-run -m" gcm
row "retain --keep-last 3 --collect -d" retain
row "regsweep scan" scan
row "regsweep du --top 0" du
row "baseline regsweep (BASELINE)" baseline
row "io-floor (listings + manifest reads)" floor
row "io-floor --links (safe floor)" safefloor
row "find -type f | wc -l" find
row "docker-registry garbage-collect -d" reference
echo
echo "per-round paired wall ratios (median, min, max):"
echo "  regsweep / io-floor:   $(paired regsweep floor)"
echo "  regsweep / safe floor: $(paired regsweep safefloor)"
[[ -n "${BASELINE:-}" ]] && echo "  regsweep / baseline:   $(paired regsweep baseline)"
echo "  retain / gc -m:        $(paired retain gcm)   (target: at most 1.2)"
echo "  du / scan:             $(paired du scan)   (target: at most 1.3)"
if [[ -s "$work/du.times" && -s "$work/regsweep.times" ]]; then
    printf '  peak RSS, du / gc --dry-run (medians): %.3f   (target: at most 1.3)\n' \
        "$(echo "$(column du 3 | median) / $(column regsweep 3 | median)" | bc -l)"
fi
if [[ -s "$work/reference.times" ]]; then
    ref=$(column reference 1 | median)
    ours=$(column regsweep 1 | median)
    printf '  reference / regsweep (medians): %.1fx faster; CPU %.1fx less\n' "$(echo "$ref / $ours" | bc -l)" \
        "$(echo "$(column reference 2 | median) / $(column regsweep 2 | median)" | bc -l)"
    grep -o 'blob eligible for deletion: sha256:[0-9a-f]*' "$work/regsweep.out" | sort > "$work/regsweep.eligible" || true
    grep -o 'blob eligible for deletion: sha256:[0-9a-f]*' "$work/reference.out" | sort > "$work/reference.eligible" || true
    eligible=$(wc -l < "$work/reference.eligible")
    if cmp -s "$work/regsweep.eligible" "$work/reference.eligible"; then
        echo "eligible blobs: identical sets ($eligible blobs)"
    else
        echo "eligible blobs: DIFFERENT (regsweep $(wc -l < "$work/regsweep.eligible"), reference $eligible):"
        diff "$work/regsweep.eligible" "$work/reference.eligible" | head -20
        exit 1
    fi
fi
