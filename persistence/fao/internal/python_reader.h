// Copyright 2026 The multirun Authors.
//
// Runs Debian's /usr/bin/python3 for the tests' independent readers (csv,
// json, zipfile, openpyxl) and returns what it printed. Test-only.

#ifndef MULTIRUN_PERSISTENCE_FAO_INTERNAL_PYTHON_READER_H_
#define MULTIRUN_PERSISTENCE_FAO_INTERNAL_PYTHON_READER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace multirun {
namespace fao_internal {

// Runs `/usr/bin/python3 -c script args...`; returns its stdout, or Internal
// with its output and wait status when it fails.
absl::StatusOr<std::string> RunPython(absl::string_view script,
                                      const std::vector<std::string>& args);

}  // namespace fao_internal
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_FAO_INTERNAL_PYTHON_READER_H_
