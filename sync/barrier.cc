// Copyright 2026 The multirun Authors.

#include "multirun/sync/barrier.h"

#include "absl/strings/str_cat.h"
#include "multirun/base/check.h"
#include "multirun/base/futex.h"

namespace multirun {
namespace {

absl::Status ValidateParties(int64_t parties) {
  if (parties < 1 || parties > Barrier::kMaxParties) {
    return absl::InvalidArgumentError(
        absl::StrCat("Barrier: parties must be in [1, ", Barrier::kMaxParties,
                     "], got ", parties));
  }
  return absl::OkStatus();
}

}  // namespace

Barrier::Barrier(int64_t parties) : parties_(static_cast<uint32_t>(parties)) {
  base_internal::CheckOk(ValidateParties(parties));
}

Barrier::Barrier(ProcessShared, int64_t parties)
    : parties_(static_cast<uint32_t>(parties)),
      sharing_(base_internal::Sharing::kProcess) {
  base_internal::CheckOk(ValidateParties(parties));
}

absl::StatusOr<size_t> Barrier::SharedRegionBytes(int64_t parties) {
  absl::Status status = ValidateParties(parties);
  if (!status.ok()) return status;
  return sizeof(Barrier);
}

Barrier::~Barrier() {
  const uint32_t state = state_.load(std::memory_order_relaxed);
  if (!(state & kBroken) && (state & kArrivalMask) != 0 && !IsProcessShared()) {
    base_internal::DestroyedWhileInUse(
        this, "Barrier destroyed while parties wait in it");
  }
}

absl::StatusOr<std::unique_ptr<Barrier>> Barrier::Create(int64_t parties) {
  absl::Status status = ValidateParties(parties);
  if (!status.ok()) return status;
  return std::make_unique<Barrier>(parties);
}

absl::StatusOr<bool> Barrier::WaitImpl(
    const base_internal::Deadline& deadline) {
  // Read before any release: the others may return and destroy the barrier
  // as soon as the round ends or the barrier breaks.
  const base_internal::Sharing sharing = sharing_;
  // Arrive.
  uint32_t observed = state_.load(std::memory_order_relaxed);
  uint32_t round;
  while (true) {
    if (observed & kBroken) {
      return absl::FailedPreconditionError(
          "Barrier::Wait: the barrier is broken");
    }
    round = observed & kRoundMask;
    const uint32_t arrived = (observed & kArrivalMask) + 1;
    if (arrived == parties_) {
      // Last to arrive: start the next round with no arrivals, wake the others.
      const uint32_t next = (round + kOneRound) & kRoundMask;
      if (state_.compare_exchange_weak(observed, next,
                                       std::memory_order_acq_rel,
                                       std::memory_order_relaxed)) {
        base_internal::FutexWakeAll(&state_, sharing);
        return true;
      }
    } else if (state_.compare_exchange_weak(observed, observed + 1,
                                            std::memory_order_acq_rel,
                                            std::memory_order_relaxed)) {
      break;
    }
  }
  // Wait for the round to end or the barrier to break.
  while (true) {
    observed = state_.load(std::memory_order_acquire);
    if ((observed & kRoundMask) != round) return false;  // The round completed.
    if (observed & kBroken) {
      return absl::AbortedError(
          "Barrier::Wait: the barrier broke while waiting");
    }
    if (base_internal::FutexWait(&state_, observed, deadline, sharing_) ==
        base_internal::WaitResult::kTimedOut) {
      // Break the round unless it completed (or broke) meanwhile.
      if (state_.compare_exchange_strong(observed, observed | kBroken,
                                         std::memory_order_acq_rel)) {
        base_internal::FutexWakeAll(&state_, sharing);
        return absl::DeadlineExceededError(
            "Barrier::Wait: timed out; the barrier is now broken");
      }
    }
  }
}

void Barrier::Abort() {
  const base_internal::Sharing sharing = sharing_;  // See Wait().
  state_.fetch_or(kBroken, std::memory_order_acq_rel);
  base_internal::FutexWakeAll(&state_, sharing);
}

bool Barrier::IsBroken() const {
  return state_.load(std::memory_order_acquire) & kBroken;
}

}  // namespace multirun
