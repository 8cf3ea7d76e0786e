// Copyright 2026 The multirun Authors.
//
// RetryStats: what a Retrier (or a WithRetry callable) has done so far.
//
// Counters are kept per retrier object (not per function), updated with
// relaxed atomics and read without stopping the calls in flight: a snapshot
// taken while calls run may count an attempt whose retry is not yet counted,
// never the reverse.
//
// Example:
//
//   multirun::RetryStats stats = retrier.stats();
//   double retries_per_call =
//       stats.calls == 0 ? 0.0 : double(stats.retries) / double(stats.calls);
//
// Thread-safety: a RetryStats is a value snapshot; stats() may be called from
// any thread, also while calls run.
//
// Defines RetryStats.

#ifndef MULTIRUN_RETRY_RETRY_STATS_H_
#define MULTIRUN_RETRY_RETRY_STATS_H_

#include <cstdint>

#include "absl/time/time.h"

namespace multirun {

// A snapshot of a retrier's counters (see the file comment).
struct RetryStats {
  // Calls started (with a valid policy and callable).
  int64_t calls = 0;
  // Attempts made: calls + retries.
  int64_t attempts = 0;
  // Attempts after the first of their call.
  int64_t retries = 0;
  // Calls that ended in a failure (retries exhausted or stopped, an error not
  // retried, a hook that threw, a cancelled async call).
  int64_t give_ups = 0;
  // The total backoff waited before retries (slept by the clock, or waited on
  // a timer by async retry; a backoff cut short by Cancel() counts in full).
  absl::Duration slept = absl::ZeroDuration();
};

}  // namespace multirun

#endif  // MULTIRUN_RETRY_RETRY_STATS_H_
