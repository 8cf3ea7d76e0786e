// Copyright 2026 The multirun Authors.
//
// Rewording a status without losing what it carries.
//
// A package that passes on an error with more context (the node that failed,
// the file it was appending to) builds a new status with the same code. Built
// as `absl::Status(status.code(), message)`, the new status drops the
// original's payloads, and with them what callers test for, such as
// IsOutcomeUnknown() of a write that may have been applied. WithMessage() keeps
// them:
//
//   return base_internal::WithMessage(
//       status,
//       absl::StrCat("cannot append to ", path, ": ", status.message()));
//
// Guarantees: the result has `status`'s code and every one of its payloads,
// byte for byte. An OK `status` gives OK (an OK status has no message).
//
// Defines WithMessage().

#ifndef MULTIRUN_BASE_STATUS_MESSAGE_H_
#define MULTIRUN_BASE_STATUS_MESSAGE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace multirun {
namespace base_internal {

// `status` with its message replaced by `message`.
absl::Status WithMessage(const absl::Status& status, absl::string_view message);

}  // namespace base_internal
}  // namespace multirun

#endif  // MULTIRUN_BASE_STATUS_MESSAGE_H_
