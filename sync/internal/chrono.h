// Copyright 2026 The multirun Authors.
//
// std::chrono arguments (try_lock_for, try_lock_until) as Durations and
// Deadlines: a system_clock time point becomes a wall-clock deadline, any
// other clock's (steady_clock) a monotonic timeout from now.
//
// Every value is defined, whatever its representation and period (even
// ratio<1, 44100> ticks, min(), max(), NaN): the arithmetic happens in long
// double seconds, and only a result known to fit becomes integer nanoseconds.
// A timeout longer than kLongestTimeoutSeconds (about 31 years) waits without
// limit.

#ifndef MULTIRUN_SYNC_INTERNAL_CHRONO_H_
#define MULTIRUN_SYNC_INTERNAL_CHRONO_H_

#include <chrono>
#include <cstdint>
#include <type_traits>

#include "absl/time/time.h"
#include "multirun/base/deadline.h"

namespace multirun {
namespace sync_internal {

inline constexpr long double kLongestTimeoutSeconds = 1e9L;

// `duration` in seconds, computed in long double (no integer overflow).
template <typename Rep, typename Period>
long double ChronoSeconds(const std::chrono::duration<Rep, Period>& duration) {
  return static_cast<long double>(duration.count()) * Period::num / Period::den;
}

// Whole nanoseconds of `seconds`; the caller ensures |seconds| fits (below
// about 292 years).
inline int64_t ToNanoseconds(long double seconds) {
  return static_cast<int64_t>(seconds * 1e9L);
}

template <typename Rep, typename Period>
absl::Duration FromChronoDuration(
    const std::chrono::duration<Rep, Period>& duration) {
  const long double seconds = ChronoSeconds(duration);
  if (!(seconds > 0)) return absl::ZeroDuration();  // Also NaN.
  if (seconds > kLongestTimeoutSeconds) return absl::InfiniteDuration();
  return absl::Nanoseconds(ToNanoseconds(seconds));
}

template <typename Clock, typename Duration>
base_internal::Deadline ChronoDeadline(
    const std::chrono::time_point<Clock, Duration>& when) {
  const long double when_seconds = ChronoSeconds(when.time_since_epoch());
  const long double now_seconds =
      ChronoSeconds(Clock::now().time_since_epoch());
  const long double remaining = when_seconds - now_seconds;
  if (!(remaining > 0)) return base_internal::Deadline::Passed();  // Also NaN.
  if (remaining > kLongestTimeoutSeconds)
    return base_internal::Deadline::Never();
  if constexpr (std::is_same_v<Clock, std::chrono::system_clock>) {
    // Within 31 years of now: the Unix time in nanoseconds fits.
    return base_internal::Deadline::At(
        absl::FromUnixNanos(ToNanoseconds(when_seconds)));
  } else {
    return base_internal::Deadline::After(
        absl::Nanoseconds(ToNanoseconds(remaining)));
  }
}

}  // namespace sync_internal
}  // namespace multirun

#endif  // MULTIRUN_SYNC_INTERNAL_CHRONO_H_
