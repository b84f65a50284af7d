#!/usr/bin/env bash
# Runs one emulation on a cluster of N JVMs on this machine (127.0.0.1 only): N-1 `splitemu node`
# members and the supervisor (`splitemu run SCENARIO --cluster`), which is also the seed. Prints
# what `run` prints, exits with its status and stops every JVM it started, also on failure, Ctrl-C
# or SIGTERM. See deploy/README.md.
set -uo pipefail

me="local-cluster.sh"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
launcher="${SPLITEMU_LAUNCHER:-$root/splitemu}"
# Seconds a JVM has to leave after SIGTERM before it is killed.
grace="${LOCAL_CLUSTER_GRACE:-20}"
usage="usage: $me --nodes N SCENARIO [run options]"

die_usage() {
  echo "$me: $1 ($usage)" >&2
  exit 2
}

nodes=""
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes)
      [ $# -ge 2 ] || die_usage "--nodes needs a number"
      nodes="$2"
      shift 2
      ;;
    --nodes=*)
      nodes="${1#--nodes=}"
      shift
      ;;
    -h | --help)
      echo "$usage"
      echo "Starts N-1 'splitemu node' members and the supervisor ('splitemu run --cluster') on"
      echo "127.0.0.1 and passes the run options to 'splitemu run'. Member logs go to a temporary"
      echo "folder, named on failure. LOCAL_CLUSTER_GRACE: seconds a JVM gets after SIGTERM (20)."
      exit 0
      ;;
    --)
      shift
      break
      ;;
    -*)
      die_usage "unknown option $1 before SCENARIO"
      ;;
    *)
      break
      ;;
  esac
done

[ -n "$nodes" ] || die_usage "--nodes N is required"
case "$nodes" in
  '' | *[!0-9]*) die_usage "--nodes must be a whole number >= 1, got '$nodes'" ;;
esac
# Strip leading zeros so that "08" is not read as octal.
nodes=$((10#$nodes))
[ "$nodes" -ge 1 ] || die_usage "--nodes must be a whole number >= 1, got $nodes"
[ $# -ge 1 ] || die_usage "SCENARIO is required"
scenario="$1"
shift
[ -f "$scenario" ] || die_usage "scenario file not found: $scenario"
# The script owns the cluster's wiring; a run option that changes it would break the cluster.
for arg in "$@"; do
  case "$arg" in
    --cluster | --seed-nodes | --seed-nodes=* | --port | --port=* | --min-members | --min-members=*)
      die_usage "$arg is set by $me, leave it out"
      ;;
  esac
done

# One JVM is the plain run: its supervisor holds every role.
if [ "$nodes" -eq 1 ]; then
  exec "$launcher" run "$scenario" "$@"
fi

# Roles of member i (1 .. N-1). Edge and hops share one member; devices go on at least two members
# when N >= 3, so that sharding spreads them.
roles_of() {
  local i="$1" members=$((nodes - 1))
  if [ "$members" -eq 1 ]; then
    echo "edge,hops,devices"
  elif [ "$members" -eq 2 ]; then
    if [ "$i" -eq 1 ]; then echo "edge,hops,devices"; else echo "devices"; fi
  else
    if [ "$i" -eq 1 ]; then echo "edge,hops"; else echo "devices"; fi
  fi
}

# A TCP port on 127.0.0.1 that nothing listens on now. The members pick their own (--port 0);
# only the seed's must be known before it starts. It is drawn below the kernel's ephemeral range,
# so that no outgoing connection (another member's, say) takes it before the seed binds it.
free_port() {
  local p tries=0 low=32768 span
  if [ -r /proc/sys/net/ipv4/ip_local_port_range ]; then
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range || low=32768
  fi
  span=$((low - 10000))
  [ "$span" -gt 1000 ] || span=1000
  while [ $tries -lt 200 ]; do
    p=$((10000 + RANDOM % span))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
    tries=$((tries + 1))
  done
  return 1
}

logs="$(mktemp -d "${TMPDIR:-/tmp}/splitemu-cluster.XXXXXX")" || {
  echo "$me: cannot create a temporary folder for the member logs" >&2
  exit 1
}
pids=()
names=()
supervisor=""
stopping=0

# Stops every JVM started here: SIGTERM (every member leaves the cluster), then SIGKILL after the
# grace, then waits for each.
stop_all() {
  local pid deadline alive
  for pid in ${supervisor:+"$supervisor"} "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null
  done
  deadline=$((SECONDS + grace))
  while :; do
    alive=0
    for pid in ${supervisor:+"$supervisor"} "${pids[@]}"; do
      if kill -0 "$pid" 2>/dev/null; then alive=1; fi
    done
    if [ "$alive" -eq 0 ] || [ "$SECONDS" -ge "$deadline" ]; then break; fi
    sleep 0.2
  done
  for pid in ${supervisor:+"$supervisor"} "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      echo "$me: pid $pid still up ${grace}s after SIGTERM, killing it" >&2
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  for pid in ${supervisor:+"$supervisor"} "${pids[@]}"; do
    wait "$pid" 2>/dev/null
  done
}

# shellcheck disable=SC2317 # called from the traps below
on_signal() {
  local code="$1"
  [ "$stopping" -eq 0 ] || return
  stopping=1
  trap '' INT TERM HUP
  echo "$me: stopping the cluster" >&2
  stop_all
  echo "$me: member logs in $logs" >&2
  exit "$code"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

fail() {
  echo "$me: $1; member logs in $logs" >&2
  stopping=1
  trap '' INT TERM HUP
  stop_all
  exit 1
}

# Build the jar once, here, so that the JVMs below do not race to build it (the launcher says on
# stderr when it builds, which takes minutes the first time).
if ! "$launcher" --version >"$logs/build.log"; then
  fail "building or starting the CLI failed (see the lines above)"
fi

seed_port="$(free_port)" || fail "no free port found on 127.0.0.1"
seed="127.0.0.1:$seed_port"

# The supervisor: the seed, and the JVM whose output is the run's. Its stdin is not the terminal,
# so that Ctrl-C reaches this script, which stops everyone in order.
"$launcher" run "$scenario" --cluster --port "$seed_port" --min-members "$nodes" "$@" \
  </dev/null &
supervisor=$!

for ((i = 1; i < nodes; i++)); do
  roles="$(roles_of "$i")"
  "$launcher" node --roles "$roles" --seed-nodes "$seed" --bind 127.0.0.1 --port 0 \
    </dev/null >"$logs/node-$i.log" 2>&1 &
  pids+=("$!")
  names+=("node-$i ($roles)")
done

# Until the run ends: a member that exits before it joined is a failed start (the supervisor would
# wait for it forever); one that exits later is a node loss, which the run is meant to survive.
up=()
while kill -0 "$supervisor" 2>/dev/null; do
  for ((i = 0; i < ${#pids[@]}; i++)); do
    if [ "${up[$i]:-}" = 1 ]; then
      if ! kill -0 "${pids[$i]}" 2>/dev/null; then
        wait "${pids[$i]}"
        echo "$me: ${names[$i]} left during the run (status $?, node-$((i + 1)).log)" >&2
        up[i]=gone
      fi
      continue
    fi
    [ -z "${up[$i]:-}" ] || continue
    if grep -q "^splitemu node: up at" "$logs/node-$((i + 1)).log" 2>/dev/null; then
      up[i]=1
    elif ! kill -0 "${pids[$i]}" 2>/dev/null; then
      wait "${pids[$i]}"
      fail "${names[$i]} exited with status $? before it joined (node-$((i + 1)).log)"
    fi
  done
  sleep 0.3 &
  wait $! 2>/dev/null
done

wait "$supervisor"
status=$?
supervisor=""
stopping=1
trap '' INT TERM HUP
stop_all
for ((i = 0; i < ${#pids[@]}; i++)); do
  if [ -z "${up[$i]:-}" ] && ! grep -q "^splitemu node: up at" "$logs/node-$((i + 1)).log"; then
    echo "$me: warning: ${names[$i]} never printed 'splitemu node: up at' (node-$((i + 1)).log)" >&2
  fi
done
if [ "$status" -ne 0 ]; then
  echo "$me: run exited with status $status; member logs in $logs" >&2
else
  rm -rf "$logs"
fi
exit "$status"
