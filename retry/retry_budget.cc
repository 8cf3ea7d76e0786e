// Copyright 2026 The multirun Authors.

#include "multirun/retry/retry_budget.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace multirun {

absl::StatusOr<std::shared_ptr<RetryBudget>> RetryBudget::Create(
    double max_tokens, double token_ratio) {
  if (!(max_tokens > 0 && max_tokens <= 1000)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "RetryBudget: max_tokens must be in (0, 1000], got ", max_tokens));
  }
  if (!(token_ratio > 0 && token_ratio <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "RetryBudget: token_ratio must be in (0, 1], got ", token_ratio));
  }
  const int64_t max_milli = static_cast<int64_t>(std::floor(max_tokens * 1000));
  const int64_t ratio_milli =
      static_cast<int64_t>(std::floor(token_ratio * 1000 + 1e-9));
  if (max_milli <= 0 || ratio_milli <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "RetryBudget: max_tokens (", max_tokens, ") and token_ratio (",
        token_ratio, ") must be at least 0.001"));
  }
  return std::shared_ptr<RetryBudget>(new RetryBudget(max_milli, ratio_milli));
}

void RetryBudget::RecordFailure() {
  int64_t now = milli_.load(std::memory_order_relaxed);
  while (now > 0 &&
         !milli_.compare_exchange_weak(now, std::max<int64_t>(0, now - 1000),
                                       std::memory_order_relaxed)) {
  }
}

void RetryBudget::RecordSuccess() {
  int64_t now = milli_.load(std::memory_order_relaxed);
  while (now < max_milli_ && !milli_.compare_exchange_weak(
                                 now, std::min(max_milli_, now + ratio_milli_),
                                 std::memory_order_relaxed)) {
  }
}

bool RetryBudget::AllowRetry() const {
  return milli_.load(std::memory_order_relaxed) * 2 > max_milli_;
}

double RetryBudget::tokens() const {
  return milli_.load(std::memory_order_relaxed) / 1000.0;
}

}  // namespace multirun
