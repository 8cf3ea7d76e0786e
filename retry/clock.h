// Copyright 2026 The multirun Authors.
//
// RetryClock: where retry reads the time and how it waits between attempts.
//
// A retry loop needs two things from time: "now" (to enforce a total time
// budget, RetryPolicy::WithTimeBudget) and "wait this long" (the backoff delay
// between attempts). Both go through a RetryClock so that tests can inject a
// fake one (fake_clock.h) and run a sequence of backoffs instantly, checking
// the exact delays. Production code uses RetryClock::Real(): absl::Now() and
// absl::SleepFor().
//
// Example:
//
//   // A clock that logs every backoff wait.
//   class LoggingClock : public multirun::RetryClock {
//    public:
//     absl::Time Now() override { return absl::Now(); }
//     void Sleep(absl::Duration delay) override {
//       std::fprintf(stderr, "retrying in %s\n",
//                    absl::FormatDuration(delay).c_str());
//       absl::SleepFor(delay);
//     }
//   };
//   LoggingClock clock;  // must outlive every retry made with the policy
//   multirun::RetryPolicy policy = multirun::RetryPolicy().WithClock(&clock);
//
// Async retry (retry_async.h) reads Now() from the policy's clock but never
// calls Sleep(): it waits on a TimerQueue, so no thread sleeps during backoff.
//
// Thread-safety: an implementation's Now() and Sleep() must be safe to call
// from any thread; RetryClock::Real()'s are.
//
// Defines RetryClock.

#ifndef MULTIRUN_RETRY_CLOCK_H_
#define MULTIRUN_RETRY_CLOCK_H_

#include "absl/time/time.h"

namespace multirun {

// Where retry reads the time and how it waits (see the file comment).
class RetryClock {
 public:
  virtual ~RetryClock() = default;

  // The current time. Must be safe to call from any thread.
  virtual absl::Time Now() = 0;

  // Blocks the calling thread for `delay` (>= 0). Must be safe to call from
  // any thread.
  virtual void Sleep(absl::Duration delay) = 0;

  // The real clock: absl::Now() and absl::SleepFor(). Never destroyed.
  static RetryClock& Real();
};

}  // namespace multirun

#endif  // MULTIRUN_RETRY_CLOCK_H_
