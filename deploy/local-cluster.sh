#!/usr/bin/env bash
# Runs one emulation on a cluster of N JVMs on this machine (127.0.0.1 only): N-1 `splitemu node`
# members and the supervisor (`splitemu run SCENARIO --cluster`), which is also the seed; TLS
# options go to every one of them. Prints
# what `run` prints, exits with its status and stops every JVM it started, also on failure, Ctrl-C
# or SIGTERM: the supervisor first (it stops the run at a round boundary with a checkpoint when
# checkpoint.every is set), then the members: the devices members one at a time, the edge member
# (from 4 JVMs on) alongside them. With --metrics-base-port P every JVM
# serves metrics on 127.0.0.1: the supervisor at P, member i at P+i. See deploy/README.md.
set -uo pipefail

me="local-cluster.sh"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
launcher="${SPLITEMU_LAUNCHER:-$root/splitemu}"
# Seconds a member has to leave after SIGTERM before it is killed.
grace="${LOCAL_CLUSTER_GRACE:-20}"
# Seconds the supervisor has after SIGTERM before it is killed: it ends the round under way and
# checkpoints, which may take up to barrier.timeout plus a minute (120 s by default) for a round that
# shows no progress, and then leaves the cluster.
supervisor_grace="${LOCAL_CLUSTER_SUPERVISOR_GRACE:-150}"
usage="usage: $me --nodes N [--metrics-base-port P] SCENARIO [run options]"

die_usage() {
  echo "$me: $1 ($usage)" >&2
  exit 2
}

nodes=""
metrics_base=""
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
    --metrics-base-port)
      [ $# -ge 2 ] || die_usage "--metrics-base-port needs a port"
      metrics_base="$2"
      [ -n "$metrics_base" ] || die_usage "--metrics-base-port needs a port"
      shift 2
      ;;
    --metrics-base-port=*)
      metrics_base="${1#--metrics-base-port=}"
      [ -n "$metrics_base" ] || die_usage "--metrics-base-port needs a port"
      shift
      ;;
    -h | --help)
      echo "$usage"
      echo "Starts N-1 'splitemu node' members and the supervisor ('splitemu run --cluster') on"
      echo "127.0.0.1 and passes the run options to 'splitemu run'. Member logs go to a temporary"
      echo "folder, named on failure. Ctrl-C or SIGTERM stops the supervisor first (with a"
      echo "checkpoint at the end of the round under way if checkpoint.every is set), then the"
      echo "members (the devices members one at a time, the edge member alongside; so does the"
      echo "end of the run); a second Ctrl-C stops the supervisor without it and kills the members."
      echo "The resume line it prints then is this script's command, with --resume DIR."
      echo "--tls-keystore, --tls-truststore and --tls-password-file go to every member too."
      echo "--metrics-base-port P: every JVM serves Prometheus metrics on 127.0.0.1, the supervisor"
      echo "at P (the run gets --set metrics.enabled=true --set metrics.port=P), member i at P+i"
      echo "(node --metrics-port P+i); the targets are printed in one line at start."
      echo "LOCAL_CLUSTER_SUPERVISOR_GRACE: seconds the supervisor gets after SIGTERM (150)."
      echo "LOCAL_CLUSTER_GRACE: seconds a member gets after SIGTERM (20) before it is killed."
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
seconds() {
  case "$2" in
    '' | *[!0-9]*) die_usage "$1 must be a whole number of seconds, got '$2'" ;;
  esac
}
seconds LOCAL_CLUSTER_GRACE "$grace"
seconds LOCAL_CLUSTER_SUPERVISOR_GRACE "$supervisor_grace"
grace=$((10#$grace))
supervisor_grace=$((10#$supervisor_grace))
# --metrics-base-port P: the supervisor's endpoint at P, member i's at P+i, all on 127.0.0.1.
if [ -n "$metrics_base" ]; then
  case "$metrics_base" in
    *[!0-9]*) die_usage "--metrics-base-port must be a port number, got '$metrics_base'" ;;
  esac
  [ "${#metrics_base}" -le 5 ] || die_usage "--metrics-base-port must be 1 to 65535, got $metrics_base"
  metrics_base=$((10#$metrics_base))
  if [ "$metrics_base" -lt 1 ] || [ $((metrics_base + nodes - 1)) -gt 65535 ]; then
    die_usage "--metrics-base-port $metrics_base: its ports, to $((metrics_base + nodes - 1)), must lie in 1 to 65535"
  fi
fi
# The script owns the cluster's wiring; a run option that changes it would break the cluster (a
# supervisor bound elsewhere than 127.0.0.1, where the members reach it, drops their handshakes).
for arg in "$@"; do
  case "$arg" in
    --cluster | --seed-nodes | --seed-nodes=* | --port | --port=* | --min-members | --min-members=* \
      | --bind | --bind=*)
      die_usage "$arg is set by $me, leave it out"
      ;;
  esac
done
# The TLS options go to every member as well as to the supervisor: a TLS cluster needs TLS on all of
# its members (a member without it cannot connect, docs/cluster.md "TLS"). SPLITEMU_TLS_PASSWORD,
# if set, is in every JVM's environment.
tls=()
args=("$@")
for ((k = 0; k < ${#args[@]}; k++)); do
  case "${args[$k]}" in
    --tls-keystore | --tls-truststore | --tls-password-file)
      [ $((k + 1)) -lt ${#args[@]} ] || die_usage "${args[$k]} needs a FILE"
      tls+=("${args[$k]}" "${args[$((k + 1))]}")
      k=$((k + 1))
      ;;
    --tls-keystore=* | --tls-truststore=* | --tls-password-file=*)
      tls+=("${args[$k]}")
      ;;
  esac
done

# The supervisor's metrics settings, after the run options so that they win; left out when the run
# options hold them already (a resume line printed by this script's supervisor carries them).
metrics_sets=()
if [ -n "$metrics_base" ]; then
  has_enabled=0
  has_port=0
  for ((k = 0; k + 1 < ${#args[@]}; k++)); do
    if [ "${args[$k]}" = --set ]; then
      case "${args[$((k + 1))]}" in
        metrics.enabled=true) has_enabled=1 ;;
        "metrics.port=$metrics_base") has_port=1 ;;
      esac
    fi
  done
  [ "$has_enabled" -eq 1 ] || metrics_sets+=(--set metrics.enabled=true)
  [ "$has_port" -eq 1 ] || metrics_sets+=(--set "metrics.port=$metrics_base")
  targets="'127.0.0.1:$metrics_base'"
  for ((i = 1; i < nodes; i++)); do
    targets+=", '127.0.0.1:$((metrics_base + i))'"
  done
  # A port in use would end that JVM at start; say which before starting any.
  for ((i = 0; i < nodes; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$((metrics_base + i))") 2>/dev/null; then
      echo "$me: 127.0.0.1:$((metrics_base + i)) is in use; choose another --metrics-base-port" >&2
      exit 1
    fi
  done
  if [ "$nodes" -eq 1 ]; then
    echo "$me: Prometheus targets (the run): [$targets]" >&2
  else
    echo "$me: Prometheus targets (the supervisor, then node-1 to node-$((nodes - 1))): [$targets]" >&2
  fi
fi

# One JVM is the plain run: its supervisor holds every role.
if [ "$nodes" -eq 1 ]; then
  exec "$launcher" run "$scenario" "$@" ${metrics_sets[@]+"${metrics_sets[@]}"}
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
# Per member: 1 if stop_all signalled it (it was still up then), when it did (SECONDS), and its exit
# status.
stopped=()
term_at=()
exits=()
supervisor=""
stopping=0
# Signals received while stopping (a second Ctrl-C), and what the stop waits for (supervisor,
# members).
forced=0
phase=""
stop_started=0

# Whether any of the pids given is still up.
any_up() {
  local pid
  for pid in "$@"; do
    if kill -0 "$pid" 2>/dev/null; then return 0; fi
  done
  return 1
}

# Waits until none of the pids after the first two arguments is up, `seconds` ($1) have passed or
# `forced` has gone above `level` ($2).
wait_for() {
  local seconds="$1" level="$2" deadline
  shift 2
  deadline=$((SECONDS + seconds))
  while any_up "$@" && [ "$SECONDS" -lt "$deadline" ] && [ "$forced" -le "$level" ]; do
    sleep 0.2
  done
}

# SIGTERM to member $1 (an index into pids) if it is up: it leaves the cluster. False if it is not.
term_member() {
  any_up "${pids[$1]}" || return 1
  stopped[$1]=1
  term_at[$1]=$SECONDS
  kill -TERM "${pids[$1]}" 2>/dev/null
}

# Waits until none of the member pids given is up or `forced` is set, killing every member that is
# still up LOCAL_CLUSTER_GRACE seconds after its SIGTERM (whether or not it is among those given).
wait_members() {
  local i
  while any_up "$@" && [ "$forced" -eq 0 ]; do
    for ((i = 0; i < ${#pids[@]}; i++)); do
      if [ -n "${term_at[$i]:-}" ] && [ $((SECONDS - term_at[i])) -ge "$grace" ] \
        && any_up "${pids[$i]}"; then
        echo "$me: pid ${pids[$i]} still up ${grace}s after SIGTERM, killing it (LOCAL_CLUSTER_GRACE)" >&2
        kill -KILL "${pids[$i]}" 2>/dev/null
        term_at[i]=""
      fi
    done
    sleep 0.2
  done
}

# Stops every JVM started here, in order, then waits for each. First the supervisor: on SIGTERM it
# ends the round under way and checkpoints (checkpoint.every), which needs the members (edge, hops
# and the devices) still in the cluster; SIGKILL after its grace. Then the members: SIGTERM (it
# leaves the cluster), SIGKILL once it has had its grace; the devices members one after another,
# each once the one before has exited, the others at once (below). A signal during
# the stop does not wait: the supervisor gets a second SIGTERM, on which it exits at once without a
# checkpoint (saying what was kept), and the members are killed (they hold nothing of the run's,
# and could not leave in order while the supervisor, gone without leaving, is unreachable); a
# further signal kills the supervisor too.
stop_all() {
  local i
  if [ -n "$supervisor" ] && any_up "$supervisor"; then
    phase=supervisor
    kill -TERM "$supervisor" 2>/dev/null
    wait_for "$supervisor_grace" 0 "$supervisor"
    if any_up "$supervisor" && [ "$forced" -gt 0 ]; then
      kill -TERM "$supervisor" 2>/dev/null
      wait_for "$grace" 1 "$supervisor"
    elif any_up "$supervisor"; then
      echo "$me: the supervisor (pid $supervisor) still up ${supervisor_grace}s after SIGTERM," \
        "killing it (LOCAL_CLUSTER_SUPERVISOR_GRACE)" >&2
    fi
    kill -KILL "$supervisor" 2>/dev/null
  fi
  phase=members
  # The `devices` members one at a time: members that leave together stall. The oldest `devices`
  # member holds the shard coordinator (a cluster singleton) and hands it to the next oldest it
  # sees; if that one is leaving too, it never takes the coordinator over, and the oldest asks again
  # until its `cluster-exiting` phase of coordinated shutdown times out (Pekko's 10 s): 11 s instead
  # of 3.5 s for this script's stop of 3 JVMs. Alone, each leaves in about 2 s: the next oldest,
  # still up, takes the coordinator over, and the last one has nobody to hand it to
  # (docs/cluster.md). Which one is the oldest the script cannot tell, so none leaves with another.
  # A member without the role (edge and hops, from 4 JVMs on) holds no coordinator and is never
  # handed it: it leaves at once, alongside the first `devices` member, and is waited for at the end.
  local chain=() others=()
  for ((i = 0; i < ${#pids[@]}; i++)); do
    case "$(roles_of "$((i + 1))")" in
      *devices*) chain+=("$i") ;;
      *) others+=("$i") ;;
    esac
  done
  for i in ${others[@]+"${others[@]}"}; do
    [ "$forced" -eq 0 ] || break
    term_member "$i"
  done
  for i in ${chain[@]+"${chain[@]}"}; do
    [ "$forced" -eq 0 ] || break
    term_member "$i" && wait_members "${pids[$i]}"
  done
  wait_members ${pids[@]+"${pids[@]}"}
  for ((i = 0; i < ${#pids[@]}; i++)); do
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      stopped[i]=1
      kill -KILL "${pids[$i]}" 2>/dev/null
    fi
  done
  [ -z "$supervisor" ] || wait "$supervisor" 2>/dev/null
  for ((i = 0; i < ${#pids[@]}; i++)); do
    wait "${pids[$i]}" 2>/dev/null
    exits[i]=$?
  done
}

# A signal while the cluster is being stopped: do not wait (above).
# shellcheck disable=SC2317 # called from the traps
on_another_signal() {
  # GNU timeout, and a kill of the whole process group, deliver one stop twice: a repeat within
  # about a second of the first signal is that, not a second Ctrl-C.
  if [ "$forced" -eq 0 ] && [ $((SECONDS - stop_started)) -le 1 ]; then
    return
  fi
  forced=$((forced + 1))
  if [ "$phase" = supervisor ] && [ "$forced" -eq 1 ]; then
    echo "$me: stopping the supervisor without its checkpoint and killing the members" >&2
  else
    echo "$me: killing every JVM" >&2
  fi
}

# shellcheck disable=SC2317 # called from the traps below
on_signal() {
  local code="$1"
  [ "$stopping" -eq 0 ] || return
  stopping=1
  stop_started=$SECONDS
  trap on_another_signal INT TERM HUP
  if [ -n "$supervisor" ]; then
    echo "$me: stopping the supervisor (up to ${supervisor_grace}s for its checkpoint; Ctrl-C again" \
      "not to wait), then the members" >&2
  else
    echo "$me: stopping the cluster" >&2
  fi
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
  trap on_another_signal INT TERM HUP
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

# Runs "$@" (a JVM, through the launcher, which execs it) as this background process, out of the
# reach of the terminal's signals: Ctrl-C (SIGINT) and a hangup (SIGHUP) go to the terminal's
# foreground process group, this script's, and a JVM given one would exit at once (the supervisor
# without its checkpoint, a member leaving under the supervisor's round). Only this script gets them,
# and stops the JVMs in order (stop_all). In a session of its own (setsid) the JVM also misses a
# signal sent to this script's whole process group (`kill -- -PGID`, `timeout`); where there is no
# setsid, it ignores SIGINT and SIGHUP, which the JVM then leaves ignored.
detached() {
  trap '' INT HUP
  if command -v setsid >/dev/null 2>&1; then
    exec setsid "$@"
  fi
  exec "$@"
}

# $1 as one word for a POSIX shell: as it is where it needs no quotes, else in single quotes (a
# quote inside as '\''). Not printf %q: in some locales its $'...' words are bash's, not POSIX's.
shell_word() {
  case "$1" in
    '' | *[!A-Za-z0-9_./:=@%+,-]*) printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
    *) printf '%s' "$1" ;;
  esac
}

# The supervisor: the seed, and the JVM whose output is the run's. Its stdin is not the terminal.
# SPLITEMU_LOCAL_CLUSTER makes the resume line it prints when stopped name this script (with its
# --nodes), not `run ... --cluster --port P`: its members stop with it.
detached env SPLITEMU_LOCAL_CLUSTER="$(shell_word "$0") --nodes $nodes${metrics_base:+ --metrics-base-port $metrics_base}" \
  "$launcher" run "$scenario" --cluster --port "$seed_port" --min-members "$nodes" "$@" \
  ${metrics_sets[@]+"${metrics_sets[@]}"} </dev/null &
supervisor=$!

for ((i = 1; i < nodes; i++)); do
  roles="$(roles_of "$i")"
  metrics=()
  [ -z "$metrics_base" ] || metrics=(--metrics-port "$((metrics_base + i))")
  detached "$launcher" node --roles "$roles" --seed-nodes "$seed" --bind 127.0.0.1 --port 0 \
    ${metrics[@]+"${metrics[@]}"} ${tls[@]+"${tls[@]}"} </dev/null >"$logs/node-$i.log" 2>&1 &
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
trap on_another_signal INT TERM HUP
stop_all
# A member that never came up and that nobody stopped ended on its own before it joined. One stopped
# here while it was still starting (the run ended first, refused at start, say) failed at nothing.
for ((i = 0; i < ${#pids[@]}; i++)); do
  if [ -z "${up[$i]:-}" ] && [ "${stopped[$i]:-}" != 1 ] \
    && ! grep -q "^splitemu node: up at" "$logs/node-$((i + 1)).log"; then
    echo "$me: warning: ${names[$i]} exited with status ${exits[$i]:-?} before it joined" \
      "(node-$((i + 1)).log)" >&2
  fi
done
if [ "$status" -ne 0 ]; then
  echo "$me: run exited with status $status; member logs in $logs" >&2
else
  rm -rf "$logs"
fi
exit "$status"
