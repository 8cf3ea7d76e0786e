// Copyright 2026 The multirun Authors.
//
// RetryPolicy: when to retry, how long to wait, and when to stop.
//
// A RetryPolicy is a copyable value built by chaining With* calls onto a
// default; a policy derived from another is a copy with more settings, so a
// service-wide base policy can be refined per call site. The retry functions
// (retrier.h, retry_async.h) take one by value.
//
// Example:
//
//   multirun::RetryPolicy policy =
//       multirun::RetryPolicy()
//           .WithMaxAttempts(5)
//           .WithTimeBudget(absl::Seconds(30))
//           .WithBackoff(multirun::Backoff::Exponential(
//                            absl::Milliseconds(50), 2.0, absl::Seconds(2))
//                            .WithJitter(multirun::Jitter::kFull))
//           .NeverRetry({absl::StatusCode::kResourceExhausted});
//
// The default policy retries: at most 3 attempts, exponential backoff from
// 100 ms doubling up to 10 s, no jitter, no time budget, and it retries the
// status codes that usually mean "try again": Unavailable, DeadlineExceeded,
// Aborted, ResourceExhausted and Unknown (Unknown is what an exception thrown
// by the callable becomes).
//
// Which failures are retried. A failure marked outcome-unknown
// (outcome_unknown.h: it may have taken effect, e.g. a write whose connection
// was lost) is never retried. Any other failure is retried when its code is
// not in the NeverRetry() set and either its code is in the RetryOn() set or
// one of the RetryIf() predicates returns true for it. (A message pattern is
// such a predicate: see message_pattern.h.) A result predicate (Retrier's
// RetryIfResult) retries a success whose value is not yet acceptable.
//
// When to stop. After max attempts; when the next wait would end past the
// total time budget (WithTimeBudget, measured on the policy's clock from the
// start of the call); when the failure is not retried; when a server pushback
// (pushback.h) asks for a wait longer than WithMaxPushback allows; or when the
// shared RetryBudget (retry_budget.h) is below half. The caller then gets the
// last error, its code and payloads unchanged and its message extended with
// " (retry gave up after N attempts: <reason>)".
//
// Bad settings are not reported by the With* calls (they return a policy, to
// keep chaining), but by Validate() and by every retry call made with the
// policy, as InvalidArgument naming the setting and its value: max attempts
// below 1, a time budget that is not positive, an invalid Backoff, a negative
// max pushback, OK in a code set, and a null predicate, clock or budget.
//
// Thread-safety: a RetryPolicy is a value; copies are independent. The
// predicates, the clock and the budget it refers to are shared by its copies
// and must be safe to call from every thread that retries.
//
// Defines StatusPredicate and RetryPolicy.

#ifndef MULTIRUN_RETRY_RETRY_POLICY_H_
#define MULTIRUN_RETRY_RETRY_POLICY_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "multirun/retry/backoff.h"
#include "multirun/retry/clock.h"
#include "multirun/retry/retry_budget.h"

namespace multirun {

// Decides whether a failure is worth retrying.
using StatusPredicate = std::function<bool(const absl::Status&)>;

// When to retry, how long to wait, and when to stop (see the file comment).
class RetryPolicy {
 public:
  // The default policy (see the file comment).
  RetryPolicy();

  // Stops after `attempts` attempts in all (the first call included); >= 1.
  RetryPolicy WithMaxAttempts(int attempts) const;
  // Gives up when the next attempt could not start within `budget` of the
  // start of the call; > 0, InfiniteDuration (the default) for none.
  RetryPolicy WithTimeBudget(absl::Duration budget) const;
  RetryPolicy WithBackoff(Backoff backoff) const;
  // Replaces the set of retried codes (an empty list retries no code; the
  // RetryIf predicates still apply).
  RetryPolicy RetryOn(std::initializer_list<absl::StatusCode> codes) const;
  // Adds a predicate: a failure it returns true for is retried (unless its
  // code is in NeverRetry). Called on the retrying thread; an exception it
  // throws ends the call with that error.
  RetryPolicy RetryIf(StatusPredicate predicate) const;
  // Adds codes that are never retried, whatever RetryOn and RetryIf say.
  RetryPolicy NeverRetry(std::initializer_list<absl::StatusCode> codes) const;
  // Gives up at once when an error asks (pushback.h) for a wait longer than
  // `cap` (>= 0). The default accepts any wait.
  RetryPolicy WithMaxPushback(absl::Duration cap) const;
  // Throttles retries through `budget`, shared with other policies.
  RetryPolicy WithBudget(std::shared_ptr<RetryBudget> budget) const;
  // Reads the time from, and sleeps on, `clock` (not owned; must outlive every
  // retry made with the policy). The default is RetryClock::Real().
  RetryPolicy WithClock(RetryClock* clock) const;
  // Seeds the jitter's random generator (each Retrier or wrapped callable gets
  // its own generator, seeded with this). The default seed is random.
  RetryPolicy WithSeed(uint64_t seed) const;

  // OK, or InvalidArgument describing the first bad setting.
  absl::Status Validate() const;

  // Whether `error` (not OK) is retried by the code sets and predicates. May
  // throw what a predicate throws.
  bool IsRetryable(const absl::Status& error) const;

  int max_attempts() const { return max_attempts_; }
  absl::Duration time_budget() const { return time_budget_; }
  const Backoff& backoff() const { return backoff_; }
  absl::Duration max_pushback() const { return max_pushback_; }
  const std::shared_ptr<RetryBudget>& budget() const { return budget_; }
  RetryClock& clock() const { return *clock_; }
  std::optional<uint64_t> seed() const { return seed_; }

 private:
  static uint32_t Mask(absl::StatusCode code);
  RetryPolicy WithError(absl::Status error) const;

  int max_attempts_ = 3;
  absl::Duration time_budget_ = absl::InfiniteDuration();
  Backoff backoff_;
  uint32_t retry_codes_ = 0;
  uint32_t never_codes_ = 0;
  std::vector<StatusPredicate> predicates_;
  absl::Duration max_pushback_ = absl::InfiniteDuration();
  std::shared_ptr<RetryBudget> budget_;
  RetryClock* clock_;
  std::optional<uint64_t> seed_;
  // The first bad argument a With* call was given.
  absl::Status setting_error_;
};

}  // namespace multirun

#endif  // MULTIRUN_RETRY_RETRY_POLICY_H_
