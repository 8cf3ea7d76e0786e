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
# Under AddressSanitizer: Open MPI does not free everything it allocates before
# the process exits; its leaks are not the program's. Its plugins stay loaded
# so that their frames have names to match.
export OMPI_MCA_mca_base_component_disable_dlclose=1
export PMIX_MCA_mca_base_component_disable_dlclose=1
if [[ -n "${ASAN_OPTIONS:-}" ]]; then
  # Open MPI is built without frame pointers: the slow unwinder reaches its
  # frames.
  export ASAN_OPTIONS="${ASAN_OPTIONS}:fast_unwind_on_malloc=0"
fi
suppressions="${TMPDIR}/multirun_mpi_lsan_suppressions.txt"
cat >"${suppressions}" <<'SUPPRESSIONS'
leak:libmpi.so
leak:libopen-pal.so
leak:libopen-rte.so
leak:libpmix.so
leak:libhwloc.so
leak:libevent
leak:mca_
leak:ompi_
leak:opal_
leak:orte_
SUPPRESSIONS
export LSAN_OPTIONS="${LSAN_OPTIONS:+${LSAN_OPTIONS}:}suppressions=${suppressions}"
exec timeout --kill-after=10 "${MULTIRUN_MPI_TIMEOUT:-600}" \
  mpirun -np "${ranks}" --oversubscribe --stdin none "${program}" "$@"
