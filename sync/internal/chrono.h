// Copyright 2026 The multirun Authors.
//
// std::chrono arguments (try_lock_for, try_lock_until) as Durations and
// Deadlines: a system_clock time point becomes a wall-clock deadline, any
// other clock's (steady_clock) a monotonic timeout from now.
//
// Every value is defined: the conversions go through long double seconds
// first, so no duration or time point (not even min() or max() of any
// representation) overflows. A timeout longer than kLongestTimeout waits
// without limit.

#ifndef MULTIRUN_SYNC_INTERNAL_CHRONO_H_
#define MULTIRUN_SYNC_INTERNAL_CHRONO_H_

#include <chrono>
#include <type_traits>

#include "absl/time/time.h"
#include "multirun/sync/internal/deadline.h"

namespace multirun {
namespace sync_internal {

// About 31 years: beyond this a timeout is treated as infinite. Within it,
// nanoseconds fit an int64_t with room to spare.
inline constexpr long double kLongestTimeoutSeconds = 1e9L;

template <typename Rep, typename Period>
long double ChronoSeconds(const std::chrono::duration<Rep, Period>& duration) {
  return std::chrono::duration_cast<std::chrono::duration<long double>>(
             duration)
      .count();
}

template <typename Rep, typename Period>
absl::Duration FromChronoDuration(
    const std::chrono::duration<Rep, Period>& duration) {
  const long double seconds = ChronoSeconds(duration);
  if (!(seconds > 0)) return absl::ZeroDuration();  // Also NaN.
  if (seconds > kLongestTimeoutSeconds) return absl::InfiniteDuration();
  return absl::FromChrono(
      std::chrono::duration_cast<std::chrono::nanoseconds>(duration));
}

template <typename Clock, typename Duration>
Deadline ChronoDeadline(const std::chrono::time_point<Clock, Duration>& when) {
  const typename Clock::time_point now = Clock::now();
  const long double remaining = ChronoSeconds(when.time_since_epoch()) -
                                ChronoSeconds(now.time_since_epoch());
  if (!(remaining > 0)) return Deadline::Passed();
  if (remaining > kLongestTimeoutSeconds) return Deadline::Never();
  // `when` is within kLongestTimeoutSeconds of now: the casts below are exact
  // and cannot overflow.
  if constexpr (std::is_same_v<Clock, std::chrono::system_clock>) {
    return Deadline::At(absl::FromChrono(
        std::chrono::time_point_cast<std::chrono::system_clock::duration>(
            when)));
  } else {
    return Deadline::After(
        absl::FromChrono(std::chrono::duration_cast<std::chrono::nanoseconds>(
            when.time_since_epoch() - now.time_since_epoch())));
  }
}

}  // namespace sync_internal
}  // namespace multirun

#endif  // MULTIRUN_SYNC_INTERNAL_CHRONO_H_
