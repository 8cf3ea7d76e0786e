// Copyright 2026 The multirun Authors.

#include "multirun/retry/backoff.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace multirun {
namespace {

// The longest delay ever returned: 100 years, far below int64 nanoseconds.
constexpr absl::Duration kLongest = absl::Hours(24 * 365 * 100);

bool IsFiniteNonNegative(absl::Duration d) {
  return d >= absl::ZeroDuration() && d != absl::InfiniteDuration();
}

// Uniform in [lo, hi] (nanosecond resolution); lo <= hi.
absl::Duration Uniform(absl::Duration lo, absl::Duration hi,
                       std::mt19937_64& rng) {
  const int64_t lo_ns = absl::ToInt64Nanoseconds(lo);
  const int64_t hi_ns = absl::ToInt64Nanoseconds(hi);
  if (hi_ns <= lo_ns) return lo;
  return absl::Nanoseconds(
      std::uniform_int_distribution<int64_t>(lo_ns, hi_ns)(rng));
}

}  // namespace

Backoff Backoff::Constant(absl::Duration delay) {
  Backoff b;
  b.kind_ = Kind::kConstant;
  b.initial_ = delay;
  b.cap_ = delay;
  return b;
}

Backoff Backoff::Linear(absl::Duration initial, absl::Duration step,
                        absl::Duration cap) {
  Backoff b;
  b.kind_ = Kind::kLinear;
  b.initial_ = initial;
  b.step_ = step;
  b.cap_ = cap;
  return b;
}

Backoff Backoff::Exponential(absl::Duration initial, double multiplier,
                             absl::Duration cap) {
  Backoff b;
  b.kind_ = Kind::kExponential;
  b.initial_ = initial;
  b.multiplier_ = multiplier;
  b.cap_ = cap;
  return b;
}

Backoff Backoff::WithJitter(Jitter jitter) const {
  Backoff b = *this;
  b.jitter_ = jitter;
  return b;
}

absl::Status Backoff::Validate() const {
  switch (kind_) {
    case Kind::kNone:
      break;
    case Kind::kConstant:
      if (!IsFiniteNonNegative(initial_)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "Backoff::Constant: the delay must be finite and >= 0, "
            "got ",
            absl::FormatDuration(initial_)));
      }
      break;
    case Kind::kLinear:
      if (!IsFiniteNonNegative(initial_) || !IsFiniteNonNegative(step_)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "Backoff::Linear: the initial delay and the step must be finite "
            "and >= 0, got ",
            absl::FormatDuration(initial_), " and ",
            absl::FormatDuration(step_)));
      }
      break;
    case Kind::kExponential:
      if (initial_ <= absl::ZeroDuration() ||
          initial_ == absl::InfiniteDuration()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "Backoff::Exponential: the initial delay must be finite and > 0, "
            "got ",
            absl::FormatDuration(initial_)));
      }
      if (!std::isfinite(multiplier_) || multiplier_ < 1.0) {
        return absl::InvalidArgumentError(
            absl::StrCat("Backoff::Exponential: the multiplier must be finite "
                         "and >= 1, got ",
                         multiplier_));
      }
      break;
  }
  if (kind_ == Kind::kLinear || kind_ == Kind::kExponential) {
    if (cap_ < initial_) {
      return absl::InvalidArgumentError(
          absl::StrCat("Backoff: the cap (", absl::FormatDuration(cap_),
                       ") is below the initial delay (",
                       absl::FormatDuration(initial_), ")"));
    }
  }
  if (jitter_ != Jitter::kNone && initial_ <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "Backoff::WithJitter: jitter needs a backoff whose initial delay is "
        "> 0 (jitter on a zero delay is always zero)");
  }
  return absl::OkStatus();
}

absl::Duration Backoff::BaseDelay(int retry) const {
  const int k = std::max(retry, 1);
  absl::Duration d = absl::ZeroDuration();
  switch (kind_) {
    case Kind::kNone:
      return absl::ZeroDuration();
    case Kind::kConstant:
      return initial_;
    case Kind::kLinear: {
      // initial + (k - 1) * step, exactly, saturating at kLongest: `room` is
      // how many steps fit between the initial delay and kLongest.
      const int64_t steps = k - 1;
      if (steps == 0 || step_ == absl::ZeroDuration()) {
        d = initial_;
        break;
      }
      absl::Duration unused;
      const int64_t room =
          absl::IDivDuration(kLongest - initial_, step_, &unused);
      d = steps > room ? kLongest : initial_ + step_ * steps;
      break;
    }
    case Kind::kExponential: {
      if (multiplier_ == 1.0) {  // constant; also keeps the loop below short
        d = initial_;
        break;
      }
      const double seconds =
          absl::ToDoubleSeconds(initial_) * std::pow(multiplier_, k - 1);
      d = !std::isfinite(seconds) || seconds >= absl::ToDoubleSeconds(kLongest)
              ? kLongest
              : absl::Seconds(seconds);
      // Exact multiples where the double round trip would lose a nanosecond.
      if (multiplier_ == std::floor(multiplier_) && d < kLongest) {
        absl::Duration exact = initial_;
        for (int i = 1; i < k && exact < cap_; ++i)
          exact *= static_cast<int64_t>(multiplier_);
        d = exact;
      }
      break;
    }
  }
  return std::min(d, std::min(cap_, kLongest));
}

absl::Duration Backoff::Delay(int retry, absl::Duration previous,
                              std::mt19937_64& rng) const {
  const absl::Duration base = BaseDelay(retry);
  switch (jitter_) {
    case Jitter::kNone:
      return base;
    case Jitter::kFull:
      return Uniform(absl::ZeroDuration(), base, rng);
    case Jitter::kEqual: {
      const absl::Duration half = base / 2;
      return half + Uniform(absl::ZeroDuration(), base - half, rng);
    }
    case Jitter::kDecorrelated: {
      // AWS: sleep = min(cap, random_between(base, sleep * 3)). The draw is
      // over the whole [base, 3 * previous] and only then capped, so once
      // 3 * previous passes the cap, the cap itself is the likeliest delay.
      const absl::Duration last =
          retry <= 1 ? initial_ : std::max(previous, initial_);
      const absl::Duration hi = std::min(last * 3, kLongest);
      return std::min(Uniform(initial_, hi, rng), std::min(cap_, kLongest));
    }
  }
  return base;
}

}  // namespace multirun
