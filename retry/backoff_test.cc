// Copyright 2026 The multirun Authors.

#include "multirun/retry/backoff.h"

#include <algorithm>
#include <random>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace multirun {
namespace {

constexpr int kSamples = 10000;
const absl::Duration kMs = absl::Milliseconds(1);

TEST(BackoffTest, BaseDelays) {
  EXPECT_EQ(Backoff::None().BaseDelay(5), absl::ZeroDuration());
  EXPECT_EQ(Backoff::Constant(3 * kMs).BaseDelay(9), 3 * kMs);
  const Backoff linear = Backoff::Linear(10 * kMs, 5 * kMs, 22 * kMs);
  EXPECT_EQ(linear.BaseDelay(1), 10 * kMs);
  EXPECT_EQ(linear.BaseDelay(2), 15 * kMs);
  EXPECT_EQ(linear.BaseDelay(3), 20 * kMs);
  EXPECT_EQ(linear.BaseDelay(4), 22 * kMs);
  const Backoff exp = Backoff::Exponential(kMs, 3.0, 100 * kMs);
  EXPECT_EQ(exp.BaseDelay(1), kMs);
  EXPECT_EQ(exp.BaseDelay(2), 3 * kMs);
  EXPECT_EQ(exp.BaseDelay(4), 27 * kMs);
  EXPECT_EQ(exp.BaseDelay(5), 81 * kMs);
  EXPECT_EQ(exp.BaseDelay(6), 100 * kMs);
}

TEST(BackoffTest, HugeExponentsSaturateInsteadOfOverflowing) {
  const Backoff exp = Backoff::Exponential(absl::Seconds(1), 10.0);
  const absl::Duration d = exp.BaseDelay(100000);
  EXPECT_GT(d, absl::Hours(24 * 365));
  EXPECT_NE(d, absl::InfiniteDuration());
  EXPECT_EQ(Backoff::Exponential(absl::Seconds(1), 1.5).BaseDelay(1 << 30), d);
  EXPECT_EQ(Backoff::Linear(absl::Seconds(1), absl::Hours(1000000))
                .BaseDelay(1 << 30),
            d);
}

TEST(BackoffTest, FullJitterStaysWithinZeroAndBase) {
  const Backoff b = Backoff::Exponential(100 * kMs, 2.0, absl::Seconds(10))
                        .WithJitter(Jitter::kFull);
  std::mt19937_64 rng(1);
  for (int retry = 1; retry <= 4; ++retry) {
    const absl::Duration base = b.BaseDelay(retry);
    absl::Duration lo = absl::InfiniteDuration(), hi = absl::ZeroDuration();
    for (int i = 0; i < kSamples; ++i) {
      const absl::Duration d = b.Delay(retry, absl::ZeroDuration(), rng);
      ASSERT_GE(d, absl::ZeroDuration());
      ASSERT_LE(d, base);
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    // Spread over the whole range, not stuck at one end.
    EXPECT_LT(lo, base / 100) << retry;
    EXPECT_GT(hi, base * 99 / 100) << retry;
  }
}

TEST(BackoffTest, EqualJitterStaysWithinHalfAndBase) {
  const Backoff b =
      Backoff::Exponential(100 * kMs, 2.0).WithJitter(Jitter::kEqual);
  std::mt19937_64 rng(2);
  for (int retry = 1; retry <= 4; ++retry) {
    const absl::Duration base = b.BaseDelay(retry);
    absl::Duration lo = absl::InfiniteDuration(), hi = absl::ZeroDuration();
    for (int i = 0; i < kSamples; ++i) {
      const absl::Duration d = b.Delay(retry, absl::ZeroDuration(), rng);
      ASSERT_GE(d, base / 2);
      ASSERT_LE(d, base);
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    EXPECT_LT(lo, base / 2 + base / 100) << retry;
    EXPECT_GT(hi, base * 99 / 100) << retry;
  }
}

TEST(BackoffTest, DecorrelatedJitterFollowsThePreviousDelay) {
  const absl::Duration cap = absl::Seconds(2);
  const Backoff b = Backoff::Exponential(100 * kMs, 2.0, cap)
                        .WithJitter(Jitter::kDecorrelated);
  std::mt19937_64 rng(3);
  absl::Duration previous = absl::ZeroDuration();
  bool reached_cap_region = false;
  for (int i = 0; i < kSamples; ++i) {
    const int retry = i % 20 + 1;  // sequences of 20 retries
    const absl::Duration d = b.Delay(retry, previous, rng);
    const absl::Duration last = retry == 1 ? 100 * kMs : previous;
    ASSERT_GE(d, 100 * kMs);
    ASSERT_LE(d, std::min(cap, 3 * last));
    if (d > cap / 2) reached_cap_region = true;
    previous = d;
  }
  EXPECT_TRUE(reached_cap_region);
}

// AWS's formula caps the draw after making it: once 3 * previous is past the
// cap, the cap is the likeliest delay (here with previous = cap = 2s and base
// 100ms: P(cap) = (6s - 2s) / (6s - 0.1s) ~ 0.68).
TEST(BackoffTest, DecorrelatedJitterCapsTheDrawAfterMakingIt) {
  const absl::Duration cap = absl::Seconds(2);
  const Backoff b = Backoff::Exponential(100 * kMs, 2.0, cap)
                        .WithJitter(Jitter::kDecorrelated);
  std::mt19937_64 rng(4);
  int at_cap = 0;
  for (int i = 0; i < kSamples; ++i) {
    const absl::Duration d = b.Delay(5, cap, rng);
    ASSERT_GE(d, 100 * kMs);
    ASSERT_LE(d, cap);
    if (d == cap) ++at_cap;
  }
  EXPECT_GT(at_cap, kSamples * 60 / 100);
  EXPECT_LT(at_cap, kSamples * 76 / 100);
  // Below the cap the draw is uniform in [base, 3 * previous].
  const absl::Duration previous = 300 * kMs;
  absl::Duration lo = absl::InfiniteDuration(), hi = absl::ZeroDuration();
  for (int i = 0; i < kSamples; ++i) {
    const absl::Duration d = b.Delay(3, previous, rng);
    ASSERT_GE(d, 100 * kMs);
    ASSERT_LE(d, 900 * kMs);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  EXPECT_LT(lo, 110 * kMs);
  EXPECT_GT(hi, 890 * kMs);
}

TEST(BackoffTest, LinearDelaysAreExact) {
  // Steps that are not exact in binary floating point.
  const Backoff linear =
      Backoff::Linear(absl::Milliseconds(100), absl::Milliseconds(100));
  for (int k = 1; k <= 1000; ++k) {
    ASSERT_EQ(linear.BaseDelay(k), absl::Milliseconds(100) * k) << k;
  }
  const Backoff odd =
      Backoff::Linear(absl::Nanoseconds(7), absl::Nanoseconds(3));
  EXPECT_EQ(odd.BaseDelay(1000000), absl::Nanoseconds(7 + 3 * 999999));
}

TEST(BackoffTest, MultiplierOneIsConstantAndCheapForHugeRetryNumbers) {
  const Backoff flat = Backoff::Exponential(absl::Milliseconds(5), 1.0);
  EXPECT_EQ(flat.BaseDelay(1), absl::Milliseconds(5));
  EXPECT_EQ(flat.BaseDelay(1 << 30), absl::Milliseconds(5));
}

TEST(BackoffTest, ValidateRejectsBadParameters) {
  const absl::Duration neg = absl::Milliseconds(-1);
  const Backoff bad[] = {
      Backoff::Constant(neg),
      Backoff::Constant(absl::InfiniteDuration()),
      Backoff::Linear(neg, kMs),
      Backoff::Linear(kMs, neg),
      Backoff::Linear(10 * kMs, kMs, 5 * kMs),  // cap below initial
      Backoff::Exponential(absl::ZeroDuration()),
      Backoff::Exponential(neg),
      Backoff::Exponential(kMs, 0.5),
      Backoff::Exponential(kMs, -2),
      Backoff::Exponential(kMs, std::numeric_limits<double>::infinity()),
      Backoff::Exponential(kMs, std::numeric_limits<double>::quiet_NaN()),
      Backoff::Exponential(10 * kMs, 2.0, kMs),
      Backoff::None().WithJitter(Jitter::kFull),
      Backoff::Constant(absl::ZeroDuration()).WithJitter(Jitter::kEqual),
      Backoff::Linear(absl::ZeroDuration(), kMs)
          .WithJitter(Jitter::kDecorrelated),
  };
  for (const Backoff& b : bad) {
    absl::Status s = b.Validate();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_FALSE(s.message().empty());
  }
  EXPECT_TRUE(Backoff::None().Validate().ok());
  EXPECT_TRUE(Backoff::Constant(absl::ZeroDuration()).Validate().ok());
  EXPECT_TRUE(Backoff::Exponential(kMs, 1.0).Validate().ok());
  EXPECT_TRUE(
      Backoff::Linear(kMs, kMs).WithJitter(Jitter::kFull).Validate().ok());
}

TEST(BackoffTest, ErrorMessagesNameTheValue) {
  EXPECT_EQ(Backoff::Exponential(kMs, 0.5).Validate().message(),
            "Backoff::Exponential: the multiplier must be finite and >= 1, "
            "got 0.5");
}

}  // namespace
}  // namespace multirun
