// Copyright 2026 The multirun Authors.
//
// Python peers for the process benchmarks: the reference libraries of the
// fork executor and the process pool are Python (inparallel's fork per call,
// concurrent.futures.ProcessPoolExecutor), so their benchmarks run a small
// python3 script in the same benchmark run and compare with what it
// measures. The script times its own work (not the interpreter's start) and
// prints the elapsed seconds as its last line.

#ifndef MULTIRUN_EXECUTORS_INTERNAL_PYTHON_PEER_H_
#define MULTIRUN_EXECUTORS_INTERNAL_PYTHON_PEER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace multirun {
namespace executors_internal {

// Runs `python3 -c script args...` and returns the seconds it printed last.
// The interpreter is Debian's /usr/bin/python3 when it exists (the same peer
// on every machine, whatever PATH holds), else python3 from PATH.
// Unavailable when it cannot run; Internal when the script fails or prints no
// number.
absl::StatusOr<double> RunPythonPeer(absl::string_view script,
                                     const std::vector<std::string>& args);

}  // namespace executors_internal
}  // namespace multirun

#endif  // MULTIRUN_EXECUTORS_INTERNAL_PYTHON_PEER_H_
