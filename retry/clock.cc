// Copyright 2026 The multirun Authors.

#include "multirun/retry/clock.h"

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace multirun {
namespace {

class RealRetryClock final : public RetryClock {
 public:
  absl::Time Now() override { return absl::Now(); }
  void Sleep(absl::Duration delay) override { absl::SleepFor(delay); }
};

}  // namespace

RetryClock& RetryClock::Real() {
  static RealRetryClock* const clock = new RealRetryClock();
  return *clock;
}

}  // namespace multirun
