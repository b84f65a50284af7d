#!/bin/sh
# The image's `splitemu` command (deploy/Dockerfile): the CLI jar on the image's JDK, with the same
# OpenMP settings as the repository's launcher (see ../splitemu for why) and the heap sized from
# the container's memory limit unless SPLITEMU_JAVA_OPTS says otherwise.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
# One OpenBLAS kernel family on every host with AVX2 and FMA, as the launcher sets it (see
# ../splitemu): full-fidelity losses then do not depend on the node's CPU.
if [ -z "${OPENBLAS_CORETYPE+set}" ] && grep -qw avx2 /proc/cpuinfo 2>/dev/null \
  && grep -qw fma /proc/cpuinfo 2>/dev/null; then
  export OPENBLAS_CORETYPE=Haswell
fi
# shellcheck disable=SC2086 # SPLITEMU_JAVA_OPTS is a list of JVM options, split on purpose
exec java ${SPLITEMU_JAVA_OPTS:--XX:MaxRAMPercentage=75} -jar /opt/splitemu/splitemu-cli.jar "$@"
