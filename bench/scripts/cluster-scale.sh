#!/usr/bin/env bash
# Cluster scale benchmark (issue 12): one timing-fidelity psl run on 1 JVM and on 3 JVMs
# (deploy/local-cluster.sh --nodes 3: the supervisor, an edge+devices member and a devices member),
# for each device count given. Prints, per run: devices, JVMs, summed user+system CPU seconds of
# every JVM, emulated device-rounds per CPU second, the peak RSS of each JVM and the summed peak
# RSS per device. Needs the CLI jar (./splitemu builds it) and GNU time at /usr/bin/time.
# Usage: bench/scripts/cluster-scale.sh 1000 3000 10000
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jar="$root/actors/target/splitemu-cli.jar"
[ -f "$jar" ] || "$root/splitemu" --version >/dev/null
work="$(mktemp -d "${TMPDIR:-/tmp}/splitemu-scale.XXXXXX")"
trap 'rm -rf "$work"' EXIT
rounds=2

# The launcher local-cluster.sh starts each JVM with: java itself (exec), so each JVM is a child
# of the script, gets its signals, and its CPU time is added to the script's when it is waited for.
cat >"$work/launcher" <<LAUNCH
#!/bin/sh
export OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1
exec java -jar "$jar" "\$@"
LAUNCH
chmod +x "$work/launcher"

# GNU time of a command: user and system CPU of it and every child it waited for, and the largest
# peak RSS among them.
report() { # devices jvms timefile
  local fmt="%d devices, %d JVMs: CPU %.1f s, %.0f device-rounds per CPU s, largest JVM peak RSS"
  fmt="$fmt %.0f MB, at most %.0f bytes per device (%d x largest peak / devices)\n"
  awk -v n="$1" -v j="$2" -v r="$rounds" -v fmt="$fmt" '
    { printf fmt, n, j, $1 + $2, n * r / ($1 + $2), $3 / 1024, j * $3 * 1024 / n, j }' "$3"
}

for n in "$@"; do
  sets=(--set fidelity=timing --set devices.count="$n" --set data.train-samples=$((20 * n))
    --set rounds=$rounds --set local-steps=2 --set output.plots=false)
  rm -rf "$work/one" "$work/three"
  /usr/bin/time -f "%U %S %M" -o "$work/one.time" \
    "$work/launcher" run "$root/scenarios/quickstart.conf" "${sets[@]}" --out "$work/one" >/dev/null
  report "$n" 1 "$work/one.time"
  SPLITEMU_LAUNCHER="$work/launcher" /usr/bin/time -f "%U %S %M" -o "$work/three.time" \
    "$root/deploy/local-cluster.sh" --nodes 3 "$root/scenarios/quickstart.conf" "${sets[@]}" \
    --out "$work/three" >/dev/null 2>"$work/three.err" || {
    echo "$n devices, 3 JVMs: failed:" && grep -v WARN "$work/three.err" | tail -5
    continue
  }
  report "$n" 3 "$work/three.time"
  cmp <(cut -d, -f1-14 "$work/one/rounds.csv") <(cut -d, -f1-14 "$work/three/rounds.csv") \
    && echo "  rounds.csv emulated columns identical"
done
