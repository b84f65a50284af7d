#!/bin/sh
# The image's `splitemu` command (deploy/Dockerfile): the CLI jar on the image's JDK, with the same
# OpenMP settings as the repository's launcher (see ../splitemu for why) and the heap sized from
# the container's memory limit unless SPLITEMU_JAVA_OPTS says otherwise.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
# shellcheck disable=SC2086 # SPLITEMU_JAVA_OPTS is a list of JVM options, split on purpose
exec java ${SPLITEMU_JAVA_OPTS:--XX:MaxRAMPercentage=75} -jar /opt/splitemu/splitemu-cli.jar "$@"
