// Copyright 2026 The multirun Authors.
//
// Server pushback: an error that says how long to wait before retrying.
//
// A service that is overloaded can tell its callers when to come back (HTTP's
// Retry-After, gRPC's grpc-retry-pushback-ms). In multirun such an error is an
// absl::Status carrying a payload under kRetryAfterTypeUrl whose content is the
// wait in whole milliseconds as ASCII decimal digits (for example "1500"), so
// it survives a process boundary like the rest of the status. A retry loop
// that sees it waits exactly that long instead of its backoff delay (the
// time budget still applies); RetryPolicy::WithMaxPushback(cap) gives up at
// once when the requested wait is longer than `cap`.
//
// Example:
//
//   // The server side: ask the caller to come back in 2 s.
//   absl::Status Reply(bool overloaded) {
//     if (overloaded) {
//       return multirun::SetRetryAfter(absl::UnavailableError("busy"),
//                                      absl::Seconds(2));
//     }
//     return absl::OkStatus();
//   }
//   // Any reader of the status:
//   std::optional<absl::Duration> wait = multirun::RetryAfterOf(Reply(true));
//
// Thread-safety: the functions are pure; call them from any thread.
//
// Defines kRetryAfterTypeUrl, SetRetryAfter() and RetryAfterOf().

#ifndef MULTIRUN_RETRY_PUSHBACK_H_
#define MULTIRUN_RETRY_PUSHBACK_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace multirun {

// The payload type URL of a retry-after wait.
inline constexpr absl::string_view kRetryAfterTypeUrl =
    "type.googleapis.com/multirun.retry.RetryAfter";

// `status` with a retry-after of `wait` (rounded down to whole milliseconds).
// An OK status, or a negative or infinite `wait`, returns `status` unchanged.
absl::Status SetRetryAfter(absl::Status status, absl::Duration wait);

// The retry-after wait `status` carries, or nullopt when it carries none or
// the payload is not a non-negative decimal number of milliseconds (ASCII
// digits only) that fits in an int64.
std::optional<absl::Duration> RetryAfterOf(const absl::Status& status);

}  // namespace multirun

#endif  // MULTIRUN_RETRY_PUSHBACK_H_
