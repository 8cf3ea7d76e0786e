// Copyright 2026 The multirun Authors.
//
// std::chrono arguments (try_lock_for, try_lock_until) as Durations and
// Deadlines: a steady_clock time point becomes a monotonic deadline, a
// system_clock one a wall-clock deadline, any other clock a timeout from now.

#ifndef MULTIRUN_SYNC_INTERNAL_CHRONO_H_
#define MULTIRUN_SYNC_INTERNAL_CHRONO_H_

#include <chrono>
#include <type_traits>

#include "absl/time/time.h"
#include "multirun/sync/internal/deadline.h"

namespace multirun {
namespace sync_internal {

template <typename Rep, typename Period>
absl::Duration FromChronoDuration(
    const std::chrono::duration<Rep, Period>& duration) {
  return absl::FromChrono(
      std::chrono::duration_cast<std::chrono::nanoseconds>(duration));
}

template <typename Clock, typename Duration>
Deadline ChronoDeadline(const std::chrono::time_point<Clock, Duration>& when) {
  if constexpr (std::is_same_v<Clock, std::chrono::system_clock>) {
    return Deadline::At(absl::FromChrono(
        std::chrono::time_point_cast<std::chrono::system_clock::duration>(
            when)));
  } else {
    return Deadline::After(FromChronoDuration(when - Clock::now()));
  }
}

}  // namespace sync_internal
}  // namespace multirun

#endif  // MULTIRUN_SYNC_INTERNAL_CHRONO_H_
