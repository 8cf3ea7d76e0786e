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
# Open MPI 6 does not start without a HOME, and Bazel's tests have none.
export HOME="${HOME:-${TMPDIR}}"
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
# Under ThreadSanitizer: Open MPI is not instrumented, and what its own
# threads and locks do among themselves is its business; reports whose frames
# are all Open MPI's are left out. A report with a frame of multirun's stays.
under_tsan="${TSAN_OPTIONS:-}"  # Set by .bazelrc's tsan config.
tsan_suppressions="${TMPDIR}/multirun_mpi_tsan_suppressions.txt"
cat >"${tsan_suppressions}" <<'SUPPRESSIONS'
deadlock:mca_btl_
deadlock:mca_pml_
deadlock:libopen-pal.so
deadlock:libmpi.so
race_top:libopen-pal.so
race_top:libmpi.so
race_top:mca_
thread:libopen-pal.so
thread:libpmix.so
SUPPRESSIONS
export TSAN_OPTIONS="${TSAN_OPTIONS:+${TSAN_OPTIONS}:}suppressions=${tsan_suppressions}"
if [[ -n "${under_tsan}" ]]; then
  # Open MPI's crash handler (a backtrace on SIGABRT, SIGSEGV, ...), which the
  # ranks' forked task processes inherit, allocates inside the signal
  # handler: ThreadSanitizer reports that, and exits 66 instead of dying by
  # the signal the tests expect. Under TSAN the ranks run without it.
  export OMPI_MCA_opal_signal=""
fi
export LSAN_OPTIONS="${LSAN_OPTIONS:+${LSAN_OPTIONS}:}suppressions=${suppressions}"
exec timeout --kill-after=10 "${MULTIRUN_MPI_TIMEOUT:-600}" \
  mpirun -np "${ranks}" --oversubscribe --stdin none "${program}" "$@"
