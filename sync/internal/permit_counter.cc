// Copyright 2026 The multirun Authors.

#include "multirun/sync/internal/permit_counter.h"

#include "absl/strings/str_cat.h"
#include "multirun/base/check.h"
#include "multirun/base/futex.h"

namespace multirun {
namespace sync_internal {

absl::Status ValidateInitialPermits(absl::string_view owner, int64_t initial) {
  if (initial < 0 || initial > kMaxPermits) {
    return absl::InvalidArgumentError(
        absl::StrCat(owner, ": the initial value must be in [0, ", kMaxPermits,
                     "], got ", initial));
  }
  return absl::OkStatus();
}

uint32_t CheckedInitialPermits(absl::string_view owner, int64_t initial) {
  base_internal::CheckOk(ValidateInitialPermits(owner, initial));
  return static_cast<uint32_t>(initial);
}

PermitCounter::~PermitCounter() {
  if (sleepers_.load(std::memory_order_relaxed) != 0 && !IsProcessShared()) {
    base_internal::DestroyedWhileInUse(
        this, "semaphore destroyed while threads wait for a permit");
  }
}

bool PermitCounter::TakeWaiting(const base_internal::Deadline& deadline) {
  if (deadline.Expired()) return false;
  for (int attempt = 0; base_internal::SpinPause(attempt); ++attempt) {
    if (permits_.load(std::memory_order_relaxed) > 0 && TryAcquire())
      return true;
  }
  sleepers_.fetch_add(1, std::memory_order_seq_cst);
  bool taken = false;
  while (true) {
    uint32_t observed = permits_.load(std::memory_order_seq_cst);
    if (observed > 0) {
      if (permits_.compare_exchange_weak(observed, observed - 1,
                                         std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
        taken = true;
        break;
      }
      continue;
    }
    if (base_internal::FutexWait(&permits_, 0, deadline, sharing_) ==
        base_internal::WaitResult::kTimedOut) {
      // A permit may have arrived together with the timeout: take it if so.
      taken = TryAcquire();
      break;
    }
  }
  sleepers_.fetch_sub(1, std::memory_order_relaxed);
  return taken;
}

absl::Status PermitCounter::Give(int64_t count, absl::string_view owner,
                                 absl::StatusCode over_limit_code) {
  if (count < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        owner, "::Release: count must be at least 1, got ", count));
  }
  // Read before the release: a taker may destroy the counter at once.
  const base_internal::Sharing sharing = sharing_;
  uint32_t observed = permits_.load(std::memory_order_relaxed);
  do {
    if (count > static_cast<int64_t>(limit_) - observed) {
      return absl::Status(
          over_limit_code,
          absl::StrCat(owner, "::Release(", count, ") with ", observed,
                       " permits free would exceed the limit of ", limit_));
    }
  } while (!permits_.compare_exchange_weak(
      observed, observed + static_cast<uint32_t>(count),
      std::memory_order_seq_cst, std::memory_order_relaxed));
  if (sleepers_.load(std::memory_order_seq_cst) > 0) {
    base_internal::FutexWake(
        &permits_, count > INT32_MAX ? INT32_MAX : static_cast<int>(count),
        sharing);
  }
  return absl::OkStatus();
}

}  // namespace sync_internal
}  // namespace multirun
