// Copyright 2026 The multirun Authors.
//
// RetryBudget: a token bucket shared by many callers so that, together, they
// cannot turn a struggling service's failures into a retry storm.
//
// This is gRPC's retryThrottling (gRFC A6). The bucket starts full at
// `max_tokens`. Every failed attempt whose error is retryable costs one token
// (the count never goes below zero); every successful call gives back
// `token_ratio` of a token (the count never goes above `max_tokens`). A retry
// is allowed only while the count is above `max_tokens / 2`: when more than
// about half of the recent attempts fail, callers stop retrying (their first
// attempts still go through) until successes refill the bucket. Counts are
// kept in thousandths of a token, as gRPC does, so `token_ratio` is rounded
// down to a multiple of 0.001.
//
// Share one budget (a std::shared_ptr) between every policy that calls the
// same service: RetryPolicy::WithBudget(budget).
//
// Example:
//
//   absl::StatusOr<std::shared_ptr<multirun::RetryBudget>> budget =
//       multirun::RetryBudget::Create(/*max_tokens=*/10, /*token_ratio=*/0.1);
//   if (!budget.ok()) return budget.status();
//   multirun::RetryPolicy policy = multirun::RetryPolicy().WithBudget(*budget);
//
// Thread-safe: lock-free; any number of threads may use one budget.
//
// Memory ordering: the count is one atomic; updates are relaxed
// read-modify-writes (the count is advisory and orders nothing else).

#ifndef MULTIRUN_RETRY_RETRY_BUDGET_H_
#define MULTIRUN_RETRY_RETRY_BUDGET_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"

namespace multirun {

// A token bucket that throttles retries (see the file comment).
class RetryBudget {
 public:
  // A full bucket. InvalidArgument unless 0 < max_tokens <= 1000 and
  // 0 < token_ratio <= 1 (gRPC's limits), or when token_ratio rounds down to
  // zero thousandths.
  static absl::StatusOr<std::shared_ptr<RetryBudget>> Create(
      double max_tokens, double token_ratio);

  RetryBudget(const RetryBudget&) = delete;
  RetryBudget& operator=(const RetryBudget&) = delete;

  // A retryable attempt failed: costs one token.
  void RecordFailure();
  // A call succeeded: returns token_ratio of a token.
  void RecordSuccess();
  // Whether a retry may be made now: the count is above max_tokens / 2.
  bool AllowRetry() const;

  // The current count, in tokens.
  double tokens() const;
  double max_tokens() const { return max_milli_ / 1000.0; }
  double token_ratio() const { return ratio_milli_ / 1000.0; }

 private:
  RetryBudget(int64_t max_milli, int64_t ratio_milli)
      : max_milli_(max_milli), ratio_milli_(ratio_milli), milli_(max_milli) {}

  const int64_t max_milli_;
  const int64_t ratio_milli_;
  std::atomic<int64_t> milli_;
};

}  // namespace multirun

#endif  // MULTIRUN_RETRY_RETRY_BUDGET_H_
