#!/usr/bin/env bash
# Scale benchmark (issue 16): timing-fidelity runs in one JVM, per scheme and device count, each
# at 1 and at 2 rounds of 2 steps per device (MP-SL: epochs of 2 batches per device). The
# difference between the two is the CPU of one round without the JVM's start and the set-up
# (class loading, JIT compilation, building N devices), which dominates short runs. Prints, per
# scheme and device count: the user+system CPU seconds and wall seconds of the 2-round run, the CPU
# of its second round per device-step, and the peak RSS in MiB and in KiB per device. A run that
# fails prints its last lines instead (an OutOfMemoryError is a result here).
#
# Caveat: at small N (1,000) round 2 is tens of milliseconds of CPU, less than the two JVMs'
# start-up differs by, so its per-device-step figure swings by hundreds of microseconds between
# runs (docs/benchmarks.md, "Caveat on this verdict"); at 100,000 devices the round dominates.
#
# Each run goes through the launcher (./splitemu, which execs java): its default settings, the
# JVM's default heap (a quarter of the machine's memory) and on a host of 2 cores or fewer the
# serial collector; SPLITEMU_JAVA_OPTS overrides them as it does for ./splitemu. Needs the shared
# data beside the project (trace and model files of the scenarios) and GNU time at /usr/bin/time.
#
# Usage: bench/scripts/scale.sh [-s psl,sl,...] [-t TIMEOUT_S] 1000 10000 100000
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
schemes="psl,sl,sfl-v1,sfl-v2,cpsl,edgesplit,sfl-compute,dag-mincut,mpsl"
limit=3600
while getopts "s:t:" o; do
  case "$o" in
    s) schemes="$OPTARG" ;;
    t) limit="$OPTARG" ;;
    *) echo "usage: $0 [-s schemes] [-t timeout-s] N..." >&2 && exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ "$#" -gt 0 ] || { echo "usage: $0 [-s schemes] [-t timeout-s] N..." >&2 && exit 2; }
"$root/splitemu" --version >/dev/null # builds the jar when missing or older than a source
work="$(mktemp -d "${TMPDIR:-/tmp}/splitemu-scale.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Each scheme on the committed scenario of its family, made a timing run of N devices.
scenario() {
  case "$1" in
    psl | sl | sfl-v1 | sfl-v2 | cpsl) echo "$root/scenarios/quickstart.conf" ;;
    edgesplit) echo "$root/scenarios/edgesplit.conf" ;;
    sfl-compute) echo "$root/scenarios/sfl-compute-norway.conf" ;;
    dag-mincut) echo "$root/scenarios/dag-split.conf" ;;
    mpsl) echo "$root/scenarios/mpsl-cost-effective.conf" ;;
    *) echo "unknown scheme $1" >&2 && exit 2 ;;
  esac
}

# run SCHEME N ROUNDS OUT: one run under GNU time ("user system wall maxrss-KB" in OUT.time).
run() {
  local scheme="$1" n="$2" rounds="$3" out="$4"
  local sets=(--set scheme="$scheme" --set fidelity=timing --set devices.count="$n"
    --set rounds="$rounds" --set output.plots=false)
  if [ "$scheme" = mpsl ]; then # 2 batches of 32 per device and epoch
    # (batches of 32: 64 samples a device, under data.train-samples' limit of 10^8 in timing)
    # Hops with room for every device's instance of the middle units (the scenario's 8 GB hold
    # fewer than 1,000 devices' ResNet-101 instances).
    local node="{type = jetson-gpu, memory-bytes = 1e15, price-per-hour = 0.0175}"
    sets+=(--set batch-size=32 --set data.train-samples=$((64 * n))
      --set "mpsl.nodes=[$node, $node, $node, $node, $node]" --set mpsl.hop-memory-bytes=1e15)
  else
    sets+=(--set local-steps=2 --set data.train-samples=$((20 * n)))
  fi
  rm -rf "$out"
  OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1 timeout "$limit" \
    /usr/bin/time -f "%U %S %e %M" -o "$out.time" \
    "$root/splitemu" run "$(scenario "$scheme")" "${sets[@]}" --out "$out" \
    >"$out.log" 2>"$out.err"
}

printf "%-12s %9s %8s %8s %14s %10s %12s\n" scheme devices "CPU s" "wall s" \
  "us/dev-step" "RSS MiB" "KiB/device"
IFS=, read -r -a list <<<"$schemes"
for scheme in "${list[@]}"; do
  for n in "$@"; do
    a="$work/$scheme-$n-1" b="$work/$scheme-$n-2"
    status=0
    run "$scheme" "$n" 1 "$a" && run "$scheme" "$n" 2 "$b" || status=$?
    if [ "$status" -ne 0 ]; then
      printf "%-12s %9s " "$scheme" "$n"
      if [ "$status" -eq 124 ]; then
        echo "did not finish within ${limit} s (-t)"
      else
        echo "failed (status $status): $(cat "$a.err" "$b.err" 2>/dev/null |
          grep -v -e WARN -e '^\s*at ' | tail -2 | tr '\n' ' ' || true)"
      fi
      continue
    fi
    awk -v s="$scheme" -v n="$n" -v a="$(cat "$a.time")" -v b="$(cat "$b.time")" 'BEGIN {
      split(a, x, " "); split(b, y, " ")
      cpu1 = x[1] + x[2]; cpu2 = y[1] + y[2]
      printf "%-12s %9d %8.1f %8.1f %14.1f %10.0f %12.2f\n", s, n, cpu2, y[3],
        (cpu2 - cpu1) * 1e6 / (2 * n), y[4] / 1024, y[4] / n
    }'
  done
done
