// Copyright 2026 The multirun Authors.

#include "multirun/retry/retry_policy.h"

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "multirun/retry/backoff.h"
#include "multirun/retry/clock.h"
#include "multirun/retry/outcome_unknown.h"
#include "multirun/retry/retry_budget.h"

namespace multirun {

uint32_t RetryPolicy::Mask(absl::StatusCode code) {
  const int value = static_cast<int>(code);
  return value >= 0 && value < 32 ? uint32_t{1} << value : 0;
}

RetryPolicy::RetryPolicy()
    : backoff_(Backoff::Exponential(absl::Milliseconds(100), 2.0,
                                    absl::Seconds(10))),
      retry_codes_(Mask(absl::StatusCode::kUnavailable) |
                   Mask(absl::StatusCode::kDeadlineExceeded) |
                   Mask(absl::StatusCode::kAborted) |
                   Mask(absl::StatusCode::kResourceExhausted) |
                   Mask(absl::StatusCode::kUnknown)),
      clock_(&RetryClock::Real()) {}

RetryPolicy RetryPolicy::WithError(absl::Status error) const {
  RetryPolicy p = *this;
  if (p.setting_error_.ok()) p.setting_error_ = std::move(error);
  return p;
}

RetryPolicy RetryPolicy::WithMaxAttempts(int attempts) const {
  RetryPolicy p = *this;
  p.max_attempts_ = attempts;
  return p;
}

RetryPolicy RetryPolicy::WithTimeBudget(absl::Duration budget) const {
  RetryPolicy p = *this;
  p.time_budget_ = budget;
  return p;
}

RetryPolicy RetryPolicy::WithBackoff(Backoff backoff) const {
  RetryPolicy p = *this;
  p.backoff_ = backoff;
  return p;
}

RetryPolicy RetryPolicy::RetryOn(
    std::initializer_list<absl::StatusCode> codes) const {
  RetryPolicy p = *this;
  p.retry_codes_ = 0;
  for (absl::StatusCode code : codes) {
    if (code == absl::StatusCode::kOk || Mask(code) == 0) {
      return WithError(absl::InvalidArgumentError(absl::StrCat(
          "RetryPolicy::RetryOn: ", absl::StatusCodeToString(code), " (",
          static_cast<int>(code), ") is not an error code")));
    }
    p.retry_codes_ |= Mask(code);
  }
  return p;
}

RetryPolicy RetryPolicy::RetryIf(StatusPredicate predicate) const {
  if (!predicate) {
    return WithError(
        absl::InvalidArgumentError("RetryPolicy::RetryIf: null predicate"));
  }
  RetryPolicy p = *this;
  p.predicates_.push_back(std::move(predicate));
  return p;
}

RetryPolicy RetryPolicy::NeverRetry(
    std::initializer_list<absl::StatusCode> codes) const {
  RetryPolicy p = *this;
  for (absl::StatusCode code : codes) {
    if (code == absl::StatusCode::kOk || Mask(code) == 0) {
      return WithError(absl::InvalidArgumentError(absl::StrCat(
          "RetryPolicy::NeverRetry: ", absl::StatusCodeToString(code), " (",
          static_cast<int>(code), ") is not an error code")));
    }
    p.never_codes_ |= Mask(code);
  }
  return p;
}

RetryPolicy RetryPolicy::WithMaxPushback(absl::Duration cap) const {
  RetryPolicy p = *this;
  p.max_pushback_ = cap;
  return p;
}

RetryPolicy RetryPolicy::WithBudget(std::shared_ptr<RetryBudget> budget) const {
  if (budget == nullptr) {
    return WithError(
        absl::InvalidArgumentError("RetryPolicy::WithBudget: null budget"));
  }
  RetryPolicy p = *this;
  p.budget_ = std::move(budget);
  return p;
}

RetryPolicy RetryPolicy::WithClock(RetryClock* clock) const {
  if (clock == nullptr) {
    return WithError(
        absl::InvalidArgumentError("RetryPolicy::WithClock: null clock"));
  }
  RetryPolicy p = *this;
  p.clock_ = clock;
  return p;
}

RetryPolicy RetryPolicy::WithSeed(uint64_t seed) const {
  RetryPolicy p = *this;
  p.seed_ = seed;
  return p;
}

absl::Status RetryPolicy::Validate() const {
  if (!setting_error_.ok()) return setting_error_;
  if (max_attempts_ < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "RetryPolicy: max attempts must be >= 1, got ", max_attempts_));
  }
  if (time_budget_ <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("RetryPolicy: the deadline must be > 0, got ",
                     absl::FormatDuration(time_budget_)));
  }
  if (max_pushback_ < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("RetryPolicy: the max pushback must be >= 0, got ",
                     absl::FormatDuration(max_pushback_)));
  }
  if (absl::Status s = backoff_.Validate(); !s.ok()) return s;
  return absl::OkStatus();
}

bool RetryPolicy::IsRetryable(const absl::Status& error) const {
  if (error.ok()) return false;
  // Repeating an operation whose outcome is unknown may apply it twice.
  if (IsOutcomeUnknown(error)) return false;
  const uint32_t mask = Mask(error.code());
  if (never_codes_ & mask) return false;
  if (retry_codes_ & mask) return true;
  for (const StatusPredicate& predicate : predicates_) {
    if (predicate(error)) return true;
  }
  return false;
}

}  // namespace multirun
