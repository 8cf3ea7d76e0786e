// Copyright 2026 The multirun Authors.
//
// Python beside C++ in tests and benchmarks. The benchmarks of the fork
// executor, the process pool, fao and the MySQL driver compare with the same
// work done in Python (a fork per call, concurrent.futures.ProcessPoolExecutor,
// csv, PyMySQL): they run a small python3 script in the same benchmark run and
// compare with what it measures. The script times its own work (not the
// interpreter's start) and prints the elapsed seconds as its last line. fao's
// tests read what they wrote with Python's own readers (csv, json, zipfile,
// openpyxl). Test-only.

#ifndef MULTIRUN_TESTING_PYTHON_PEER_H_
#define MULTIRUN_TESTING_PYTHON_PEER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace multirun {
namespace testing_internal {

// Runs `python3 -c script args...` and returns what it printed on stdout.
// The interpreter is Debian's /usr/bin/python3 when it exists (the same peer
// on every machine, whatever PATH holds), else python3 from PATH.
// Unavailable when it cannot run; Internal, with its output and wait status,
// when the script fails.
absl::StatusOr<std::string> RunPython(absl::string_view script,
                                      const std::vector<std::string>& args);

// RunPython for a peer that prints its seconds last: returns those seconds;
// Internal also when the last line is not a number.
absl::StatusOr<double> RunPythonPeer(absl::string_view script,
                                     const std::vector<std::string>& args);

}  // namespace testing_internal
}  // namespace multirun

#endif  // MULTIRUN_TESTING_PYTHON_PEER_H_
