// Copyright 2026 The multirun Authors.
//
// Backoff: how long a retry loop waits before each retry.
//
// A Backoff is a small copyable value describing the delay before retry
// number k (k = 1 is the wait after the first failed attempt):
//   - None():                          0
//   - Constant(d):                     d
//   - Linear(initial, step, cap):      min(cap, initial + (k - 1) * step)
//   - Exponential(initial, m, cap):    min(cap, initial * m^(k - 1))
// and optionally a jitter, with the formulas of AWS's "Exponential Backoff
// and Jitter" (base = the delay above, cap = the backoff's cap):
//   - kFull:          uniform in [0, base]
//   - kEqual:         base / 2 + uniform in [0, base / 2]
//   - kDecorrelated:  min(cap, uniform in [initial, 3 * previous]), where
//                     previous is the delay used before the previous retry
//                     (initial before the first one); the draw is capped
//                     after it is made, as AWS does, so the cap is hit with
//                     a probability that grows with previous
//
// Example:
//
//   // 100ms, 200ms, 400ms, ... never more than 5s, with full jitter.
//   multirun::Backoff backoff =
//       multirun::Backoff::Exponential(absl::Milliseconds(100), 2.0,
//                                      absl::Seconds(5))
//           .WithJitter(multirun::Jitter::kFull);
//
// Random numbers come from the caller's generator, which RetryPolicy seeds
// (WithSeed) so that a jittered sequence can be reproduced.
//
// Bad parameters are reported by Validate() (and by every retry call made
// with a policy holding the backoff) as InvalidArgument: negative or infinite
// delays, a multiplier below 1 or not finite, a cap below the initial delay,
// an exponential backoff starting at zero, and jitter on a zero delay (None(),
// or an initial delay of zero), which could only ever give zero.
//
// Thread-safety: a Backoff is a value; Delay() draws from the generator it is
// given, which the caller must not share between threads without a lock
// (RetryPolicy's retriers keep one per retrier, behind a lock).
//
// Defines Jitter and Backoff.

#ifndef MULTIRUN_RETRY_BACKOFF_H_
#define MULTIRUN_RETRY_BACKOFF_H_

#include <cstdint>
#include <random>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace multirun {

// Randomizes a backoff's delays (see the file comment).
enum class Jitter {
  kNone,
  kFull,
  kEqual,
  kDecorrelated,
};

// The delay before each retry (see the file comment).
class Backoff {
 public:
  enum class Kind { kNone, kConstant, kLinear, kExponential };

  // No delay between attempts.
  Backoff() = default;
  static Backoff None() { return Backoff(); }
  static Backoff Constant(absl::Duration delay);
  static Backoff Linear(absl::Duration initial, absl::Duration step,
                        absl::Duration cap = absl::InfiniteDuration());
  static Backoff Exponential(absl::Duration initial, double multiplier = 2.0,
                             absl::Duration cap = absl::InfiniteDuration());

  // This backoff with `jitter` applied.
  Backoff WithJitter(Jitter jitter) const;

  // OK, or InvalidArgument saying which parameter is wrong and its value.
  absl::Status Validate() const;

  // The delay before retry `retry` (>= 1) without jitter. Requires a valid
  // backoff. Never negative; saturates at the cap (and at 100 years when
  // there is none) instead of overflowing.
  absl::Duration BaseDelay(int retry) const;

  // The delay before retry `retry` (>= 1) with the jitter applied, drawing
  // from `rng`. `previous` is the delay returned for the previous retry
  // (ignored for retry 1); only kDecorrelated uses it.
  absl::Duration Delay(int retry, absl::Duration previous,
                       std::mt19937_64& rng) const;

  Kind kind() const { return kind_; }
  Jitter jitter() const { return jitter_; }
  absl::Duration initial() const { return initial_; }
  absl::Duration step() const { return step_; }
  double multiplier() const { return multiplier_; }
  absl::Duration cap() const { return cap_; }

 private:
  Kind kind_ = Kind::kNone;
  Jitter jitter_ = Jitter::kNone;
  absl::Duration initial_ = absl::ZeroDuration();
  absl::Duration step_ = absl::ZeroDuration();
  double multiplier_ = 1.0;
  absl::Duration cap_ = absl::InfiniteDuration();
};

}  // namespace multirun

#endif  // MULTIRUN_RETRY_BACKOFF_H_
