// Copyright 2026 The multirun Authors.
//
// The untyped part of a retry loop, shared by sync and async retry: the
// validated policy, the statistics, the jitter's generator, and the decision
// taken after a failed attempt (retry after which delay, or give up with
// which status). Users must not depend on it.

#ifndef MULTIRUN_RETRY_INTERNAL_RETRY_CORE_H_
#define MULTIRUN_RETRY_INTERNAL_RETRY_CORE_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "multirun/retry/retry_policy.h"
#include "multirun/retry/retry_stats.h"
#include "multirun/sync/lock.h"

namespace multirun {
namespace retry_internal {

// One call's progress.
struct CallState {
  int attempt = 0;  // attempts made so far (the current one included)
  absl::Time start = absl::InfinitePast();
  absl::Duration previous_delay = absl::ZeroDuration();
};

// What to do after a failed attempt.
struct Decision {
  bool retry = false;
  absl::Duration delay = absl::ZeroDuration();  // when retrying
  absl::Status final_status;                    // when giving up
};

class RetryCore {
 public:
  // `precondition`, when not OK, is returned by every call instead of
  // running (for example "null callable").
  explicit RetryCore(RetryPolicy policy,
                     absl::Status precondition = absl::OkStatus());
  RetryCore(const RetryCore&) = delete;
  RetryCore& operator=(const RetryCore&) = delete;

  // OK, or why no call may run.
  const absl::Status& status() const { return status_; }
  const RetryPolicy& policy() const { return policy_; }

  // A call starts.
  void BeginCall(CallState& call) {
    calls_.fetch_add(1, std::memory_order_relaxed);
    if (has_deadline_) call.start = policy_.clock().Now();
  }
  // A call succeeded.
  void RecordSuccess() {
    if (budget_ != nullptr) budget_->RecordSuccess();
  }
  // A call ended in a failure (counted once per call, by whoever completes
  // it).
  void RecordGiveUp() { give_ups_.fetch_add(1, std::memory_order_relaxed); }
  // A retry is made after waiting `delay`.
  void RecordRetry(CallState& call, absl::Duration delay);

  // Attempt call.attempt failed with `error`. `force_retry`: retry whatever
  // the code (a result the result predicate rejected). Never throws.
  Decision OnFailure(CallState& call, const absl::Status& error,
                     bool force_retry);

  // Sleeps `delay` on the policy's clock and records the retry.
  void Sleep(CallState& call, absl::Duration delay) {
    policy_.clock().Sleep(delay);
    RecordRetry(call, delay);
  }

  RetryStats stats() const;

 private:
  absl::Duration BackoffDelay(const CallState& call);

  const RetryPolicy policy_;
  const absl::Status status_;
  RetryBudget* const budget_;
  const bool has_deadline_;
  std::atomic<int64_t> calls_{0};
  std::atomic<int64_t> retries_{0};
  std::atomic<int64_t> give_ups_{0};
  std::atomic<int64_t> slept_ns_{0};
  Lock rng_lock_;
  std::optional<std::mt19937_64> rng_ ABSL_GUARDED_BY(rng_lock_);
};

// `error` with " (retry gave up after N attempts: <reason>)" appended to its
// message; code and payloads unchanged.
absl::Status GiveUpStatus(const absl::Status& error, int attempts,
                          absl::string_view reason);

// The status a call ends with when `hook` (a hook or predicate) threw during
// attempt `attempt`: Unknown("<type>: <what>"), the error model's form for
// any user callable that throws, with " (retry gave up after N attempts:
// <hook> threw)" appended. Call only inside a catch block.
absl::Status HookThrew(absl::string_view hook, int attempt);

// `first` (the error a call ends with) with "; then <hook> also threw <type>:
// <what>" appended, so that a second exception is reported too. Call only
// inside a catch block.
absl::Status AlsoThrew(const absl::Status& first, absl::string_view hook);

}  // namespace retry_internal
}  // namespace multirun

#endif  // MULTIRUN_RETRY_INTERNAL_RETRY_CORE_H_
