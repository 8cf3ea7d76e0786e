#!/usr/bin/env bash
# Runs a program as an MPI job on this machine, for Bazel's tests:
#   mpirun.sh RANKS PROGRAM [ARGS...]
# Open MPI's mpirun with RANKS processes (--oversubscribe: more ranks than
# cores is fine), stdin closed (mpirun can hang after a rank dies while it
# forwards a pipe to rank 0), allowed as root (CI runs as root), and a bound
# on the whole run. Exits with the job's status.
set -euo pipefail

ranks="$1"
program="$2"
shift 2
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Bazel's sandbox has no writable home: Open MPI's session files go to the
# test's temporary directory.
export TMPDIR="${TEST_TMPDIR:-${TMPDIR:-/tmp}}"
exec timeout --kill-after=10 "${MULTIRUN_MPI_TIMEOUT:-600}" \
  mpirun -np "${ranks}" --oversubscribe --stdin none "${program}" "$@"
