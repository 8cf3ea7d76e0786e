#!/usr/bin/env bash
# How a cluster ends, each ending a real MPI job of 4 ranks (mpirun.sh):
# the driver throwing or failing with tasks in flight, ShutdownNow() with work
# queued and running, a rank killed, ranks whose programs differ. Each job
# must end promptly with the expected exit code and messages, never hang.
#   lifecycle_test.sh MPIRUN_SH PROGRAM
set -uo pipefail

mpirun_sh="$1"
program="$2"
failures=0

# expect MODE CODE SECONDS PATTERN...: runs MODE; its exit code must match CODE
# (an extended regular expression, e.g. "137|1"),
# it must take at most SECONDS, and its output must match every PATTERN
# (extended regular expressions).
expect() {
  local mode="$1" code="$2" seconds="$3" started rc=0 took pattern
  shift 3
  started=${SECONDS}
  output="$(MULTIRUN_MPI_TIMEOUT=120 "${mpirun_sh}" 4 "${program}" "${mode}" 2>&1)" || rc=$?
  took=$((SECONDS - started))
  echo "=== ${mode}: exit ${rc} in ${took}s"
  echo "${output}"
  if ! [[ "${rc}" =~ ^(${code})$ ]]; then
    echo "FAIL ${mode}: exit code ${rc}, expected ${code}"
    failures=$((failures + 1))
  fi
  if ((took > seconds)); then
    echo "FAIL ${mode}: took ${took}s, more than ${seconds}s"
    failures=$((failures + 1))
  fi
  for pattern in "$@"; do
    if ! grep -Eq -- "${pattern}" <<<"${output}"; then
      echo "FAIL ${mode}: no line matches: ${pattern}"
      failures=$((failures + 1))
    fi
  done
}

# The in-flight tasks sleep 60 s: ending within 30 s shows that ShutdownNow()
# killed them rather than waiting. (When rank 0 exits non-zero, mpirun stops
# the other ranks, finalised or not, so only rank 0's line is certain.)
expect throw 3 30 "UNKNOWN: std::logic_error: driver bug" \
  "rank 0 exits 3"
expect error 4 30 "driver gave up" "rank 0 exits 4"
expect shutdown_now 0 60 "shutdown_now: [0-9]+ answered, [0-9]+ cancelled" \
  "rank 0 exits 0" "rank 1 exits 0" "rank 2 exits 0" "rank 3 exits 0"
# The driver notices that a rank of its host is gone and ends the job (MPI_Abort,
# exit 1), naming the rank and its tasks in flight; or mpirun, noticing first,
# names the rank and exits 137 (SIGKILL), and the driver reports on mpirun's
# SIGTERM. Either way the rank and its oldest task are named.
expect kill_rank "137|1" 60 \
  "(process rank [1-3] with PID [0-9]+ .*exited on signal 9|rank [1-3] \(pid [0-9]+\) is gone)" \
  "task\(s\) in flight, the oldest 'KillMyRank'"
# Each rank names the first rank that differs from it (rank 2 names rank 0),
# and mpirun may stop the others before they print: any rank's line will do.
expect mismatch 5 30 "rank [0-3] registered other tasks than rank [0-3]" \
  "ExtraOnRankTwo" "rank [0-3] exits 5"
expect options 6 30 "rank [0-3] has other options than rank [0-3]" \
  "name \"lifecycle-other\"" "rank [0-3] exits 6"

if ((failures > 0)); then
  echo "${failures} check(s) failed"
  exit 1
fi
echo "every ending as expected"
