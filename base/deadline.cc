// Copyright 2026 The multirun Authors.

#include "multirun/base/deadline.h"

#include <cstdint>
#include <limits>

namespace multirun {
namespace base_internal {
namespace {

constexpr int64_t kNanosPerSecond = 1000 * 1000 * 1000;

timespec Now(clockid_t clock) {
  timespec now;
  clock_gettime(clock, &now);
  return now;
}

bool NotBefore(const timespec& a, const timespec& b) {
  return a.tv_sec != b.tv_sec ? a.tv_sec > b.tv_sec : a.tv_nsec >= b.tv_nsec;
}

}  // namespace

Deadline Deadline::After(absl::Duration timeout) {
  if (timeout <= absl::ZeroDuration()) return Passed();
  if (timeout == absl::InfiniteDuration()) return Never();
  const timespec now = Now(CLOCK_MONOTONIC);
  const int64_t seconds =
      absl::IDivDuration(timeout, absl::Seconds(1), &timeout);
  const int64_t nanos = absl::ToInt64Nanoseconds(timeout);
  // Saturate rather than overflow for absurdly long (but finite) timeouts.
  if (seconds > std::numeric_limits<time_t>::max() - now.tv_sec - 1)
    return Never();
  timespec when{now.tv_sec + static_cast<time_t>(seconds),
                now.tv_nsec + static_cast<long>(nanos)};
  if (when.tv_nsec >= kNanosPerSecond) {
    when.tv_nsec -= kNanosPerSecond;
    ++when.tv_sec;
  }
  return Deadline(Kind::kMonotonic, when);
}

Deadline Deadline::At(absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return Never();
  if (deadline == absl::InfinitePast()) return Passed();
  const timespec when = absl::ToTimespec(deadline);
  if (when.tv_sec < 0) return Passed();
  return Deadline(Kind::kRealtime, when);
}

bool Deadline::Expired() const {
  switch (kind_) {
    case Kind::kNever:
      return false;
    case Kind::kMonotonic:
      return NotBefore(Now(CLOCK_MONOTONIC), when_);
    case Kind::kRealtime:
      return NotBefore(Now(CLOCK_REALTIME), when_);
  }
  return true;
}

}  // namespace base_internal
}  // namespace multirun
