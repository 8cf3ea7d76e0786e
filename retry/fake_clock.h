// Copyright 2026 The multirun Authors.
//
// FakeRetryClock: a RetryClock for tests, whose time moves only when told.
//
// Sleep(d) does not block: it records `d` and advances the fake time by `d`,
// so a retry loop with minutes of backoff runs in microseconds and a test can
// assert the exact sequence of delays (sleeps()). Advance(d) moves the time
// without recording a sleep, for example from inside the callable to simulate
// an attempt that takes time.
//
// Example:
//
//   multirun::FakeRetryClock clock;
//   multirun::RetryPolicy policy =
//       multirun::RetryPolicy().WithClock(&clock).WithBackoff(
//           multirun::Backoff::Constant(absl::Seconds(5)));
//   absl::Status s = multirun::Retry(policy, AlwaysUnavailable);
//   // 3 attempts, at once: clock.sleeps() == {5s, 5s}
//
// Thread-safe: any number of threads may call every method at once.
//
// Memory ordering: every method takes an internal lock, so calls are totally
// ordered.

#ifndef MULTIRUN_RETRY_FAKE_CLOCK_H_
#define MULTIRUN_RETRY_FAKE_CLOCK_H_

#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "multirun/retry/clock.h"
#include "multirun/sync/lock.h"

namespace multirun {

// A RetryClock whose time moves only when told (see the file comment).
class FakeRetryClock final : public RetryClock {
 public:
  // Starts at `start` (the Unix epoch by default).
  explicit FakeRetryClock(absl::Time start = absl::UnixEpoch()) : now_(start) {}

  absl::Time Now() override;
  // Records `delay` and advances the time by it. Never blocks.
  void Sleep(absl::Duration delay) override;

  // Moves the time forward by `delay` without recording a sleep.
  void Advance(absl::Duration delay);

  // Every delay Sleep() was called with, in order.
  std::vector<absl::Duration> sleeps() const;

 private:
  mutable Lock lock_;
  absl::Time now_ ABSL_GUARDED_BY(lock_);
  std::vector<absl::Duration> sleeps_ ABSL_GUARDED_BY(lock_);
};

}  // namespace multirun

#endif  // MULTIRUN_RETRY_FAKE_CLOCK_H_
