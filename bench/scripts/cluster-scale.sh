#!/usr/bin/env bash
# Cluster scale benchmark (issue 12): timing-fidelity psl runs on 1 JVM and on 3 JVMs
# (deploy/local-cluster.sh --nodes 3: the supervisor, an edge+devices member and a devices member),
# for each device count given, each at 2 and at 6 rounds. The difference between the two is the
# CPU of 4 rounds, without the JVMs' start (class loading, JIT compilation, cluster formation,
# placement), which dominates short runs. Prints, per device count and JVM count: the summed
# user+system CPU seconds of every JVM at 2 and at 6 rounds, the CPU per emulated device-round of
# the rounds alone, the largest JVM's peak RSS, and whether rounds.csv's emulated columns and
# devices.csv are identical to the one JVM's. Needs the CLI jar (./splitemu builds it) and GNU time
# at /usr/bin/time.
# Usage: bench/scripts/cluster-scale.sh 1000 10000 30000
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jar="$root/actors/target/splitemu-cli.jar"
[ -f "$jar" ] || "$root/splitemu" --version >/dev/null
work="$(mktemp -d "${TMPDIR:-/tmp}/splitemu-scale.XXXXXX")"
trap 'rm -rf "$work"' EXIT
short=2
long=6

# The launcher local-cluster.sh starts each JVM with: java itself (exec), so each JVM is a child
# of the script, gets its signals, and its CPU time is added to the script's when it is waited for.
cat >"$work/launcher" <<LAUNCH
#!/bin/sh
export OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1
exec java -jar "$jar" "\$@"
LAUNCH
chmod +x "$work/launcher"

# run JVMS N ROUNDS OUT: one run under GNU time ("user system maxrss-KB" in OUT.time).
run() {
  local jvms="$1" n="$2" rounds="$3" out="$4"
  local sets=(--set fidelity=timing --set devices.count="$n" --set data.train-samples=$((20 * n))
    --set rounds="$rounds" --set local-steps=2 --set output.plots=false)
  rm -rf "$out"
  if [ "$jvms" -eq 1 ]; then
    /usr/bin/time -f "%U %S %M" -o "$out.time" \
      "$work/launcher" run "$root/scenarios/quickstart.conf" "${sets[@]}" --out "$out" \
      >/dev/null 2>"$out.err"
  else
    SPLITEMU_LAUNCHER="$work/launcher" /usr/bin/time -f "%U %S %M" -o "$out.time" \
      "$root/deploy/local-cluster.sh" --nodes "$jvms" "$root/scenarios/quickstart.conf" \
      "${sets[@]}" --out "$out" >/dev/null 2>"$out.err"
  fi
}

cpu() { awk '{ printf "%.1f", $1 + $2 }' "$1.time"; }
rss() { awk '{ printf "%.0f", $3 / 1024 }' "$1.time"; }

printf "%8s %4s %10s %10s %22s %14s %s\n" devices JVMs "CPU 2 r" "CPU 6 r" \
  "us per device-round" "peak RSS MB" "rows"
for n in "$@"; do
  for jvms in 1 3; do
    a="$work/$n-$jvms-$short" b="$work/$n-$jvms-$long"
    if ! run "$jvms" "$n" "$short" "$a" || ! run "$jvms" "$n" "$long" "$b"; then
      echo "$n devices, $jvms JVMs: failed:" && grep -v WARN "$a.err" "$b.err" | tail -5
      continue
    fi
    per=$(awk -v a="$(cpu "$a")" -v b="$(cpu "$b")" -v n="$n" -v r=$((long - short)) \
      'BEGIN { printf "%.1f", (b - a) * 1e6 / (n * r) }')
    same="-"
    if [ "$jvms" -ne 1 ]; then
      one="$work/$n-1-$long"
      if cmp -s <(cut -d, -f1-14 "$one/rounds.csv") <(cut -d, -f1-14 "$b/rounds.csv") &&
        cmp -s "$one/devices.csv" "$b/devices.csv"; then
        same="identical to 1 JVM"
      else
        same="DIFFER from 1 JVM"
      fi
    fi
    printf "%8d %4d %10s %10s %22s %14s %s\n" "$n" "$jvms" "$(cpu "$a")" "$(cpu "$b")" "$per" \
      "$(rss "$b")" "$same"
  done
done
