// Copyright 2026 The multirun Authors.

#include "multirun/futures/internal/future_state.h"

#include <utility>
#include <vector>

#include "multirun/base/futex.h"
#include "multirun/base/run_inline.h"
#include "multirun/base/wait_helper.h"

namespace multirun {
namespace futures_internal {
namespace {

thread_local int32_t current_origin = -1;

}  // namespace

ScopedOrigin::ScopedOrigin(int32_t origin) : previous_(current_origin) {
  current_origin = origin;
}

ScopedOrigin::~ScopedOrigin() { current_origin = previous_; }

bool StateBase::TryStart() {
  uint32_t word = word_.load(std::memory_order_relaxed);
  do {
    if (word & kClaimed) return false;
  } while (!word_.compare_exchange_weak(word, word | kStarted,
                                        std::memory_order_acq_rel,
                                        std::memory_order_relaxed));
  return true;
}

bool StateBase::TryClaim() {
  return !(word_.fetch_or(kClaimed, std::memory_order_acq_rel) & kClaimed);
}

bool StateBase::TryClaimUnstarted() {
  uint32_t word = word_.load(std::memory_order_relaxed);
  do {
    if (word & (kStarted | kClaimed)) return false;
  } while (!word_.compare_exchange_weak(word, word | kClaimed,
                                        std::memory_order_acq_rel,
                                        std::memory_order_relaxed));
  return true;
}

bool StateBase::Wait(const base_internal::Deadline& deadline) const {
  // Functions that nested inline runs queued on this thread (continuations,
  // inline tasks) may be what completes this result: run them first.
  while (!IsReady() && base_internal::RunQueuedInline()) {
  }
  if (IsReady()) return true;
  // On a worker of an executor: run its pending work meanwhile.
  if (base_internal::WaitHelper* helper = base_internal::CurrentWaitHelper()) {
    auto* self = const_cast<StateBase*>(this);
    switch (helper->HelpUntil([self] { return self->IsReady(); },
                              [self](absl::AnyInvocable<void()> wake) {
                                self->OnReady(std::move(wake));
                              },
                              deadline)) {
      case base_internal::WaitHelper::Outcome::kReady:
        return true;
      case base_internal::WaitHelper::Outcome::kExpired:
        return IsReady();
      case base_internal::WaitHelper::Outcome::kIdle:
        break;  // A timed wait with no work left: sleep below.
    }
  }
  uint32_t word = word_.load(std::memory_order_acquire);
  while (!(word & kReady)) {
    if (!(word & kWaiters)) {
      if (!word_.compare_exchange_weak(word, word | kWaiters,
                                       std::memory_order_acquire)) {
        continue;
      }
      word |= kWaiters;
    }
    if (base_internal::FutexWait(&word_, word, deadline) ==
        base_internal::WaitResult::kTimedOut) {
      return IsReady();
    }
    word = word_.load(std::memory_order_acquire);
  }
  return true;
}

void StateBase::OnReady(absl::AnyInvocable<void()> callback) {
  {
    LockHolder lock(callbacks_lock_);
    // Announced in the word before it is stored, under the lock: MarkReady()
    // takes the lock (and the callbacks) only when it sees the announcement,
    // and one that sees kReady here runs the callback itself.
    const uint32_t previous =
        word_.fetch_or(kCallbacks, std::memory_order_acq_rel);
    if (!(previous & kReady)) {
      if (!first_callback_) {
        first_callback_ = std::move(callback);
      } else {
        more_callbacks_.push_back(std::move(callback));
      }
      return;
    }
  }
  base_internal::RunInline(std::move(callback));
}

void StateBase::MarkReady() {
  const uint32_t previous = word_.fetch_or(kReady, std::memory_order_acq_rel);
  if (previous & kWaiters) base_internal::FutexWakeAll(&word_);
  if (!(previous & kCallbacks)) return;  // Nobody registered one: no lock.
  absl::AnyInvocable<void()> first;
  std::vector<absl::AnyInvocable<void()>> more;
  {
    LockHolder lock(callbacks_lock_);
    first = std::move(first_callback_);
    more.swap(more_callbacks_);
  }
  // Through RunInline: a callback that completes the next future of a chain
  // would otherwise nest one level deeper per link.
  if (first) base_internal::RunInline(std::move(first));
  for (auto& callback : more) base_internal::RunInline(std::move(callback));
}

}  // namespace futures_internal

int32_t CurrentOrigin() { return futures_internal::current_origin; }

}  // namespace multirun
