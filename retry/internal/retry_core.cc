// Copyright 2026 The multirun Authors.

#include "multirun/retry/internal/retry_core.h"

#include <cstdint>
#include <optional>
#include <random>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "multirun/base/invoke.h"
#include "multirun/base/status_message.h"
#include "multirun/retry/pushback.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {
namespace retry_internal {

RetryCore::RetryCore(RetryPolicy policy, absl::Status precondition)
    : policy_(std::move(policy)),
      status_(precondition.ok() ? policy_.Validate() : std::move(precondition)),
      budget_(policy_.budget().get()),
      has_deadline_(policy_.time_budget() != absl::InfiniteDuration()) {}

void RetryCore::RecordRetry(CallState& call, absl::Duration delay) {
  retries_.fetch_add(1, std::memory_order_relaxed);
  slept_ns_.fetch_add(absl::ToInt64Nanoseconds(delay),
                      std::memory_order_relaxed);
  call.previous_delay = delay;
}

absl::Duration RetryCore::BackoffDelay(const CallState& call) {
  const Backoff& backoff = policy_.backoff();
  if (backoff.jitter() == Jitter::kNone) {
    return backoff.BaseDelay(call.attempt);
  }
  LockHolder hold(rng_lock_);
  if (!rng_.has_value()) {
    const std::optional<uint64_t> seed = policy_.seed();
    rng_.emplace(seed.has_value() ? *seed
                                  : (uint64_t{std::random_device{}()} << 32) ^
                                        std::random_device{}());
  }
  return backoff.Delay(call.attempt, call.previous_delay, *rng_);
}

Decision RetryCore::OnFailure(CallState& call, const absl::Status& error,
                              bool force_retry) {
  Decision d;
  bool retryable = force_retry;
  if (!retryable) {
    try {
      retryable = policy_.IsRetryable(error);
    } catch (...) {
      d.final_status = HookThrew("RetryIf", call.attempt);
      return d;
    }
  }
  if (!retryable) {
    d.final_status =
        GiveUpStatus(error, call.attempt,
                     absl::StrCat(absl::StatusCodeToString(error.code()),
                                  " is not retried"));
    return d;
  }
  if (budget_ != nullptr) budget_->RecordFailure();
  if (call.attempt >= policy_.max_attempts()) {
    d.final_status = GiveUpStatus(error, call.attempt, "no attempts left");
    return d;
  }
  if (budget_ != nullptr && !budget_->AllowRetry()) {
    d.final_status = GiveUpStatus(
        error, call.attempt,
        absl::StrCat("the retry budget is exhausted (", budget_->tokens(),
                     " of ", budget_->max_tokens(), " tokens)"));
    return d;
  }
  absl::Duration delay;
  if (std::optional<absl::Duration> pushback = RetryAfterOf(error)) {
    if (*pushback > policy_.max_pushback()) {
      d.final_status = GiveUpStatus(
          error, call.attempt,
          absl::StrCat("the error asks for a wait of ",
                       absl::FormatDuration(*pushback),
                       ", more than the allowed ",
                       absl::FormatDuration(policy_.max_pushback())));
      return d;
    }
    delay = *pushback;
  } else {
    delay = BackoffDelay(call);
  }
  if (has_deadline_) {
    const absl::Time end = call.start + policy_.time_budget();
    if (policy_.clock().Now() + delay >= end) {
      d.final_status = GiveUpStatus(
          error, call.attempt,
          absl::StrCat("the next attempt, after a wait of ",
                       absl::FormatDuration(delay),
                       ", would start past the deadline of ",
                       absl::FormatDuration(policy_.time_budget())));
      return d;
    }
  }
  d.retry = true;
  d.delay = delay;
  return d;
}

RetryStats RetryCore::stats() const {
  RetryStats s;
  s.calls = calls_.load(std::memory_order_relaxed);
  s.retries = retries_.load(std::memory_order_relaxed);
  s.attempts = s.calls + s.retries;
  s.give_ups = give_ups_.load(std::memory_order_relaxed);
  s.slept = absl::Nanoseconds(slept_ns_.load(std::memory_order_relaxed));
  return s;
}

absl::Status GiveUpStatus(const absl::Status& error, int attempts,
                          absl::string_view reason) {
  return base_internal::WithMessage(
      error,
      absl::StrCat(error.message(), " (retry gave up after ", attempts,
                   attempts == 1 ? " attempt: " : " attempts: ", reason, ")"));
}

absl::Status HookThrew(absl::string_view hook, int attempt) {
  return GiveUpStatus(base_internal::StatusFromCurrentException(), attempt,
                      absl::StrCat(hook, " threw"));
}

absl::Status AlsoThrew(const absl::Status& first, absl::string_view hook) {
  const absl::Status thrown = base_internal::StatusFromCurrentException();
  return base_internal::WithMessage(
      first, absl::StrCat(first.message(), "; then ", hook, " also threw ",
                          thrown.message()));
}

}  // namespace retry_internal
}  // namespace multirun
