// Copyright 2026 The multirun Authors.
//
// Deadline: when a blocking call gives up, on the clock its caller meant.
//
// A timeout given as a Duration (`AcquireFor`) is measured on CLOCK_MONOTONIC,
// so a step of the wall clock (NTP, settimeofday) neither stretches nor cuts
// it. A deadline given as an absl::Time (`AcquireUntil`) is a wall-clock
// instant and is measured on CLOCK_REALTIME, as its caller asked. The futex
// sleeps on the same clock, with an absolute time, so a wake-up that comes
// early does not shift it.

#ifndef MULTIRUN_BASE_DEADLINE_H_
#define MULTIRUN_BASE_DEADLINE_H_

#include <time.h>

#include "absl/time/time.h"

namespace multirun {
namespace base_internal {

class Deadline {
 public:
  // No limit: wait as long as it takes.
  static Deadline Never() { return Deadline(Kind::kNever, timespec{0, 0}); }

  // Already passed: try without waiting.
  static Deadline Passed() {
    return Deadline(Kind::kMonotonic, timespec{0, 0});
  }

  // `timeout` from now, on the monotonic clock. Zero or negative: Passed();
  // infinite: Never().
  static Deadline After(absl::Duration timeout);

  // The wall-clock instant `deadline`. InfinitePast: Passed(); InfiniteFuture:
  // Never().
  static Deadline At(absl::Time deadline);

  bool IsNever() const { return kind_ == Kind::kNever; }
  bool OnRealtimeClock() const { return kind_ == Kind::kRealtime; }

  // Whether the deadline has passed (never true for Never()).
  bool Expired() const;

  // The absolute time on its clock; not meaningful for Never().
  const timespec& When() const { return when_; }

 private:
  enum class Kind { kNever, kMonotonic, kRealtime };

  Deadline(Kind kind, timespec when) : kind_(kind), when_(when) {}

  Kind kind_;
  timespec when_;
};

}  // namespace base_internal
}  // namespace multirun

#endif  // MULTIRUN_BASE_DEADLINE_H_
