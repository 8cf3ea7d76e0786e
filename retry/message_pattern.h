// Copyright 2026 The multirun Authors.
//
// MessageMatches: retry the failures whose message matches a regular
// expression.
//
// Codes say little about some failures: a driver may return Unknown for both
// "connection reset by peer" (worth retrying) and "syntax error" (never).
// `MessageMatches(pattern)` compiles `pattern` once with RE2 and returns a
// StatusPredicate that is true when the pattern matches anywhere in a status's
// message (RE2::PartialMatch; anchor with ^ and $ for a whole match). Use it
// with RetryPolicy::RetryIf, usually together with RetryOn({}) so that only
// the pattern decides.
//
// Example:
//
//   absl::StatusOr<multirun::StatusPredicate> transient =
//       multirun::MessageMatches("connection (reset|refused)|timed out");
//   if (!transient.ok()) return transient.status();
//   multirun::RetryPolicy policy =
//       multirun::RetryPolicy().RetryOn({}).RetryIf(*transient);
//
// This is its own target (//retry:message_pattern) so that the core retry
// target does not link RE2 into programs that do not need it.
//
// Thread-safety: the predicate may be called from any number of threads at
// once (RE2 matching is thread-safe); copies share the compiled pattern.

#ifndef MULTIRUN_RETRY_MESSAGE_PATTERN_H_
#define MULTIRUN_RETRY_MESSAGE_PATTERN_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "multirun/retry/retry_policy.h"

namespace multirun {

// A predicate true when `pattern` matches in a status's message (see the file
// comment), or InvalidArgument, with RE2's error text, when `pattern` does not
// compile.
absl::StatusOr<StatusPredicate> MessageMatches(absl::string_view pattern);

}  // namespace multirun

#endif  // MULTIRUN_RETRY_MESSAGE_PATTERN_H_
