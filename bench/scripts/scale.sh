#!/usr/bin/env bash
# Scale benchmark (issue 16): timing-fidelity runs in one JVM, per scheme and device count, each
# of 2 rounds of 2 steps per device (MP-SL: epochs of 2 batches per device). Prints, per scheme and
# device count: the user+system CPU seconds and wall seconds of the run, the CPU of its second
# round per device-step, and the peak RSS in MiB and in KiB per device. A run that fails prints its
# last lines instead (an OutOfMemoryError is a result here).
#
# The round-2 figure comes from the run's own rounds.csv: cpu_time_s is the process's CPU time
# (all threads, since the JVM started) read inside the engine where each round ends, so round 2's
# CPU is its cpu_time_s less round 1's, over round 2's device-steps (2 per device that took part,
# its participants column). The JVM's start, class loading and the set-up of N devices fall before
# round 1's reading and the shutdown after round 2's; what the JIT compiler and the collector do
# while round 2 runs counts in it, as does the recorder's backlog of round 1. The kernel counts
# process CPU in clock ticks of 10 ms, so at 1,000 devices (2,000 device-steps) the figure moves
# in steps of 5 us; at 100,000 in steps of 0.05 us. (Before 2026-12-06 the figure was the 2-round
# JVM's total CPU less a separate 1-round JVM's, which at 1,000 devices was mostly the two JVMs'
# start-up difference: docs/benchmarks.md, "Round 2's CPU read in the engine".)
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
    b="$work/$scheme-$n-2"
    status=0
    run "$scheme" "$n" 2 "$b" || status=$?
    if [ "$status" -ne 0 ]; then
      printf "%-12s %9s " "$scheme" "$n"
      if [ "$status" -eq 124 ]; then
        echo "did not finish within ${limit} s (-t)"
      else
        echo "failed (status $status): $(grep -v -e WARN -e '^\s*at ' "$b.err" 2>/dev/null |
          tail -2 | tr '\n' ' ' || true)"
      fi
      continue
    fi
    # Rounds 1 and 2 of rounds.csv (no field of these rows holds a comma): cpu_time_s and
    # participants, found by name in the header.
    awk -F, -v s="$scheme" -v n="$n" -v b="$(cat "$b.time")" '
      NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
      { cpu[$1] = $(col["cpu_time_s"]); part[$1] = $(col["participants"]) }
      END {
        split(b, y, " ")
        if (!("cpu_time_s" in col) || cpu[1] == "" || cpu[2] == "" || part[2] == 0) {
          printf "%-12s %9d no cpu_time_s of rounds 1 and 2 in rounds.csv\n", s, n
          exit
        }
        printf "%-12s %9d %8.1f %8.1f %14.1f %10.0f %12.2f\n", s, n, y[1] + y[2], y[3],
          (cpu[2] - cpu[1]) * 1e6 / (2 * part[2]), y[4] / 1024, y[4] / n
      }' "$b/rounds.csv"
  done
done
