// Copyright 2026 The multirun Authors.

#include "multirun/executors/internal/invoke.h"

#include "absl/strings/str_cat.h"
#include "multirun/executors/internal/current_exception.h"

namespace multirun {
namespace executors_internal {
absl::Status StatusFromCurrentException() {
  return absl::UnknownError(CurrentExceptionDescription());
}

absl::Status ErrorOrInternal(absl::Status status, const char* where) {
  if (!status.ok()) return status;
  return absl::InternalError(
      absl::StrCat(where, ": given an OK status where an error was required"));
}

}  // namespace executors_internal
}  // namespace multirun
