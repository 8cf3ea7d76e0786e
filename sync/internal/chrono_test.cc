// Copyright 2026 The multirun Authors.

#include "multirun/sync/internal/chrono.h"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <ratio>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace multirun {
namespace sync_internal {
namespace {

using Samples = std::chrono::duration<int64_t, std::ratio<1, 44100>>;
using Sevenths = std::chrono::duration<int64_t, std::ratio<1, 7>>;
using Hours = std::chrono::hours;
using DoubleSeconds = std::chrono::duration<double>;

TEST(FromChronoDurationTest, ExactForOrdinaryValues) {
  EXPECT_EQ(FromChronoDuration(std::chrono::milliseconds(1500)),
            absl::Milliseconds(1500));
  EXPECT_EQ(FromChronoDuration(std::chrono::nanoseconds(1)),
            absl::Nanoseconds(1));
  EXPECT_EQ(FromChronoDuration(Samples(44100)), absl::Seconds(1));
  EXPECT_EQ(FromChronoDuration(DoubleSeconds(0.25)), absl::Milliseconds(250));
}

TEST(FromChronoDurationTest, LargeValuesOfOddPeriodsDoNotOverflow) {
  // 1e8 s in 1/44100 s ticks: an int64 nanoseconds cast would overflow.
  EXPECT_EQ(FromChronoDuration(Samples(int64_t{44100} * 100000000)),
            absl::Seconds(100000000));
  EXPECT_EQ(FromChronoDuration(Hours(24 * 365 * 20)),
            absl::Hours(24 * 365 * 20));
}

TEST(FromChronoDurationTest, ExtremesSaturate) {
  EXPECT_EQ(FromChronoDuration(Hours::min()), absl::ZeroDuration());
  EXPECT_EQ(FromChronoDuration(Hours::max()), absl::InfiniteDuration());
  EXPECT_EQ(FromChronoDuration(Samples::max()), absl::InfiniteDuration());
  EXPECT_EQ(FromChronoDuration(std::chrono::nanoseconds::min()),
            absl::ZeroDuration());
  EXPECT_EQ(FromChronoDuration(DoubleSeconds(-1e300)), absl::ZeroDuration());
  EXPECT_EQ(FromChronoDuration(DoubleSeconds(1e300)), absl::InfiniteDuration());
  EXPECT_EQ(FromChronoDuration(
                DoubleSeconds(std::numeric_limits<double>::infinity())),
            absl::InfiniteDuration());
  EXPECT_EQ(FromChronoDuration(
                DoubleSeconds(std::numeric_limits<double>::quiet_NaN())),
            absl::ZeroDuration());
}

TEST(ChronoDeadlineTest, SystemClockBecomesTheSameWallClockInstant) {
  const auto when = std::chrono::system_clock::now() + std::chrono::seconds(5);
  const base_internal::Deadline deadline = ChronoDeadline(when);
  ASSERT_TRUE(deadline.OnRealtimeClock());
  const absl::Time expected = absl::FromChrono(when);
  const absl::Time actual = absl::TimeFromTimespec(deadline.When());
  EXPECT_LE(absl::AbsDuration(actual - expected), absl::Microseconds(1));
}

TEST(ChronoDeadlineTest, OddPeriodsOfTheSystemClockDoNotOverflow) {
  // Today's date in 1/7 s ticks overflows an int64 nanoseconds cast.
  const int64_t now_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  const std::chrono::time_point<std::chrono::system_clock, Sevenths> when(
      Sevenths((now_seconds + 60) * 7));
  const base_internal::Deadline deadline = ChronoDeadline(when);
  ASSERT_TRUE(deadline.OnRealtimeClock());
  const absl::Duration from_now =
      absl::TimeFromTimespec(deadline.When()) - absl::Now();
  EXPECT_GT(from_now, absl::Seconds(50));
  EXPECT_LT(from_now, absl::Seconds(61));
}

TEST(ChronoDeadlineTest, SteadyClockBecomesAMonotonicTimeout) {
  const base_internal::Deadline deadline = ChronoDeadline(
      std::chrono::steady_clock::now() + std::chrono::seconds(60));
  EXPECT_FALSE(deadline.OnRealtimeClock());
  EXPECT_FALSE(deadline.IsNever());
  EXPECT_FALSE(deadline.Expired());
}

TEST(ChronoDeadlineTest, ExtremesArePassedOrNever) {
  EXPECT_TRUE(
      ChronoDeadline(std::chrono::steady_clock::time_point::min()).Expired());
  EXPECT_TRUE(
      ChronoDeadline(std::chrono::steady_clock::time_point::max()).IsNever());
  using SystemHours = std::chrono::time_point<std::chrono::system_clock, Hours>;
  EXPECT_TRUE(ChronoDeadline(SystemHours::min()).Expired());
  EXPECT_TRUE(ChronoDeadline(SystemHours::max()).IsNever());
  using SystemSamples =
      std::chrono::time_point<std::chrono::system_clock, Samples>;
  EXPECT_TRUE(ChronoDeadline(SystemSamples::max()).IsNever());
  EXPECT_TRUE(ChronoDeadline(SystemSamples::min()).Expired());
}

}  // namespace
}  // namespace sync_internal
}  // namespace multirun
