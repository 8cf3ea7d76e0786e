// Copyright 2026 The multirun Authors.
//
// Outcome unknown: an error after which nobody knows whether the operation
// took effect, so repeating it may apply it twice.
//
// A write whose connection was lost after the request left the client is the
// classic case: the server may have executed (and committed) it before the
// connection went, or not. Such an error keeps its canonical code (usually
// Unavailable) and carries a payload under kOutcomeUnknownTypeUrl (empty
// content). RetryPolicy never retries an error that carries it, whatever its
// code: only the caller can know that the operation is idempotent, and it
// says so by clearing the mark (persistence/dao's DatabaseOperator does, for
// statements marked Idempotency::kIdempotent). The payload survives copies
// and process boundaries like the rest of the status; a status rebuilt from
// its code and message alone loses it.
//
// Example:
//
//   absl::Status lost = multirun::MarkOutcomeUnknown(
//       absl::UnavailableError("connection lost during INSERT"));
//   multirun::IsOutcomeUnknown(lost);                         // true
//   multirun::RetryPolicy().IsRetryable(lost);                // false
//   multirun::IsOutcomeUnknown(multirun::ClearOutcomeUnknown(lost));  // false
//
// Thread-safety: the functions are pure; call them from any thread.
//
// Defines kOutcomeUnknownTypeUrl, MarkOutcomeUnknown(), IsOutcomeUnknown()
// and ClearOutcomeUnknown().

#ifndef MULTIRUN_RETRY_OUTCOME_UNKNOWN_H_
#define MULTIRUN_RETRY_OUTCOME_UNKNOWN_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace multirun {

// The payload type URL that marks an error whose outcome is unknown.
inline constexpr absl::string_view kOutcomeUnknownTypeUrl =
    "type.googleapis.com/multirun.retry.OutcomeUnknown";

// `status` marked as having an unknown outcome. An OK status is returned
// unchanged (an operation that succeeded has a known outcome).
absl::Status MarkOutcomeUnknown(absl::Status status);

// Whether `status` carries the mark.
bool IsOutcomeUnknown(const absl::Status& status);

// `status` without the mark (the caller knows a repeat is harmless).
absl::Status ClearOutcomeUnknown(absl::Status status);

}  // namespace multirun

#endif  // MULTIRUN_RETRY_OUTCOME_UNKNOWN_H_
