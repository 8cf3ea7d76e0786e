// Copyright 2026 The multirun Authors.
//
// RetryPolicy, and the two small values it carries: pushback and the budget.

#include "multirun/retry/retry_policy.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/retry/backoff.h"
#include "multirun/retry/outcome_unknown.h"
#include "multirun/retry/pushback.h"
#include "multirun/retry/retry_budget.h"

namespace multirun {
namespace {

TEST(RetryPolicyTest, DefaultsRetryTransientCodes) {
  const RetryPolicy p;
  EXPECT_TRUE(p.Validate().ok());
  EXPECT_EQ(p.max_attempts(), 3);
  EXPECT_EQ(p.time_budget(), absl::InfiniteDuration());
  EXPECT_EQ(p.backoff().kind(), Backoff::Kind::kExponential);
  EXPECT_EQ(p.backoff().initial(), absl::Milliseconds(100));
  for (absl::Status s :
       {absl::UnavailableError(""), absl::DeadlineExceededError(""),
        absl::AbortedError(""), absl::ResourceExhaustedError(""),
        absl::UnknownError("")}) {
    EXPECT_TRUE(p.IsRetryable(s)) << s;
  }
  for (absl::Status s :
       {absl::OkStatus(), absl::InvalidArgumentError(""),
        absl::NotFoundError(""), absl::FailedPreconditionError(""),
        absl::InternalError(""), absl::CancelledError("")}) {
    EXPECT_FALSE(p.IsRetryable(s)) << s;
  }
}

TEST(RetryPolicyTest, CopiesAreIndependent) {
  const RetryPolicy base = RetryPolicy().WithMaxAttempts(5);
  const RetryPolicy strict = base.NeverRetry({absl::StatusCode::kUnknown});
  EXPECT_TRUE(base.IsRetryable(absl::UnknownError("")));
  EXPECT_FALSE(strict.IsRetryable(absl::UnknownError("")));
  EXPECT_EQ(strict.max_attempts(), 5);
}

TEST(RetryPolicyTest, OutcomeUnknownIsNeverRetried) {
  const absl::Status lost = MarkOutcomeUnknown(absl::UnavailableError("lost"));
  EXPECT_TRUE(IsOutcomeUnknown(lost));
  EXPECT_EQ(lost.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(lost.message(), "lost");
  EXPECT_FALSE(RetryPolicy().IsRetryable(lost));
  // Not by an explicit code set or a predicate either.
  EXPECT_FALSE(RetryPolicy()
                   .RetryOn({absl::StatusCode::kUnavailable})
                   .RetryIf([](const absl::Status&) { return true; })
                   .IsRetryable(lost));
  // Cleared by a caller that knows a repeat is harmless: retried again.
  const absl::Status cleared = ClearOutcomeUnknown(lost);
  EXPECT_FALSE(IsOutcomeUnknown(cleared));
  EXPECT_TRUE(RetryPolicy().IsRetryable(cleared));
  // OK has a known outcome: never marked.
  EXPECT_FALSE(IsOutcomeUnknown(MarkOutcomeUnknown(absl::OkStatus())));
}

TEST(RetryPolicyTest, ValidateNamesTheBadSetting) {
  EXPECT_EQ(RetryPolicy().WithMaxAttempts(0).Validate().message(),
            "RetryPolicy: max attempts must be >= 1, got 0");
  EXPECT_EQ(
      RetryPolicy().WithTimeBudget(absl::Seconds(-2)).Validate().message(),
      "RetryPolicy: the deadline must be > 0, got -2s");
  EXPECT_EQ(RetryPolicy().WithClock(nullptr).Validate().message(),
            "RetryPolicy::WithClock: null clock");
  // The first bad setting is the one reported.
  EXPECT_EQ(
      RetryPolicy().RetryIf(nullptr).WithBudget(nullptr).Validate().message(),
      "RetryPolicy::RetryIf: null predicate");
}

TEST(PushbackTest, RoundTrip) {
  absl::Status s =
      SetRetryAfter(absl::UnavailableError("busy"), absl::Milliseconds(1500));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "busy");
  EXPECT_EQ(RetryAfterOf(s), absl::Milliseconds(1500));
  EXPECT_EQ(std::string(*s.GetPayload(kRetryAfterTypeUrl)), "1500");
  EXPECT_EQ(RetryAfterOf(absl::UnavailableError("plain")), std::nullopt);
}

TEST(PushbackTest, BadInputIsIgnored) {
  EXPECT_TRUE(SetRetryAfter(absl::OkStatus(), absl::Seconds(1)).ok());
  EXPECT_EQ(RetryAfterOf(
                SetRetryAfter(absl::UnavailableError("x"), absl::Seconds(-1))),
            std::nullopt);
  EXPECT_EQ(RetryAfterOf(SetRetryAfter(absl::UnavailableError("x"),
                                       absl::InfiniteDuration())),
            std::nullopt);
  for (const char* bad : {"", "-5", "1.5", "12ms", "99999999999999999999"}) {
    absl::Status s = absl::UnavailableError("x");
    s.SetPayload(kRetryAfterTypeUrl, absl::Cord(bad));
    EXPECT_EQ(RetryAfterOf(s), std::nullopt) << bad;
  }
}

TEST(PushbackTest, EveryWaitSetReadsBack) {
  // Waits of 10^18 ms and more take 19 digits; the longest finite ones
  // saturate at the largest int64.
  for (absl::Duration wait :
       {absl::Milliseconds(int64_t{1000000000000000000}),
        absl::Milliseconds(std::numeric_limits<int64_t>::max()),
        absl::Seconds(std::numeric_limits<int64_t>::max())}) {
    const absl::Status s = SetRetryAfter(absl::UnavailableError("x"), wait);
    EXPECT_EQ(RetryAfterOf(s),
              absl::Milliseconds(absl::ToInt64Milliseconds(wait)))
        << *s.GetPayload(kRetryAfterTypeUrl);
  }
  for (const char* digits :
       {"7313684151629100000", "0000000000000000000001500"}) {
    absl::Status s = absl::UnavailableError("x");
    s.SetPayload(kRetryAfterTypeUrl, absl::Cord(digits));
    EXPECT_NE(RetryAfterOf(s), std::nullopt) << digits;
  }
  // One past the largest int64 does not fit.
  absl::Status s = absl::UnavailableError("x");
  s.SetPayload(kRetryAfterTypeUrl, absl::Cord("9223372036854775808"));
  EXPECT_EQ(RetryAfterOf(s), std::nullopt);
}

TEST(RetryBudgetTest, CreateRejectsBadParameters) {
  for (auto [max, ratio] : {std::pair{0.0, 0.5},
                            {-1.0, 0.5},
                            {1001.0, 0.5},
                            {10.0, 0.0},
                            {10.0, -0.1},
                            {10.0, 1.5},
                            {10.0, 0.0004},
                            {0.0001, 0.5}}) {
    EXPECT_EQ(RetryBudget::Create(max, ratio).status().code(),
              absl::StatusCode::kInvalidArgument)
        << max << " " << ratio;
  }
  EXPECT_TRUE(RetryBudget::Create(1000, 1).ok());
}

TEST(RetryBudgetTest, FailuresDrainSuccessesRefill) {
  auto budget = *RetryBudget::Create(10, 0.1);
  EXPECT_DOUBLE_EQ(budget->tokens(), 10);
  for (int i = 0; i < 4; ++i) budget->RecordFailure();
  EXPECT_DOUBLE_EQ(budget->tokens(), 6);
  EXPECT_TRUE(budget->AllowRetry());
  budget->RecordFailure();  // 5: not above half
  EXPECT_FALSE(budget->AllowRetry());
  for (int i = 0; i < 20; ++i) budget->RecordFailure();
  EXPECT_DOUBLE_EQ(budget->tokens(), 0);  // never below zero
  for (int i = 0; i < 51; ++i) budget->RecordSuccess();
  EXPECT_NEAR(budget->tokens(), 5.1, 1e-9);
  EXPECT_TRUE(budget->AllowRetry());
  for (int i = 0; i < 100; ++i) budget->RecordSuccess();
  EXPECT_DOUBLE_EQ(budget->tokens(), 10);  // never above the maximum
}

}  // namespace
}  // namespace multirun
