// Copyright 2026 The multirun Authors.

#include "multirun/base/invoke.h"

#include "absl/strings/str_cat.h"
#include "multirun/base/current_exception.h"

namespace multirun {
namespace base_internal {
absl::Status StatusFromCurrentException() {
  return absl::UnknownError(CurrentExceptionDescription());
}

absl::Status ErrorOrInternal(absl::Status status, const char* where) {
  if (!status.ok()) return status;
  return absl::InternalError(
      absl::StrCat(where, ": given an OK status where an error was required"));
}

}  // namespace base_internal
}  // namespace multirun
