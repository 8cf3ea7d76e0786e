// Copyright 2026 The multirun Authors.

#include "multirun/executors/internal/event_count.h"

#include <cstdint>
#include <memory>

#include "absl/strings/str_cat.h"
#include "multirun/base/check.h"
#include "multirun/base/deadline.h"
#include "multirun/base/futex.h"

namespace multirun {
namespace executors_internal {

namespace {

int CheckedWaiters(int waiters) {
  if (waiters < 1 || waiters > EventCount::kMaxWaiters) {
    base_internal::Fatal(absl::StrCat("EventCount: waiters must be in [1, ",
                                      EventCount::kMaxWaiters, "], got ",
                                      waiters));
  }
  return waiters;
}

}  // namespace

EventCount::EventCount(int waiters)
    : waiter_count_(CheckedWaiters(waiters)),
      waiters_(std::make_unique<Waiter[]>(waiter_count_)) {}

void EventCount::CancelWait() {
  uint64_t state = state_.load(std::memory_order_relaxed);
  for (;;) {
    uint64_t next = state - kPrewaiterOne;
    // A signal is addressed to "some pre-waiter", not to this one. Only when
    // every pre-waiter has one must this thread take one with it; otherwise
    // the remaining pre-waiters still have enough.
    if (Prewaiters(state) == Signals(state)) next -= kSignalOne;
    if (state_.compare_exchange_weak(state, next, std::memory_order_seq_cst,
                                     std::memory_order_relaxed)) {
      return;
    }
  }
}

void EventCount::CommitWait(Waiter* waiter) {
  const uint64_t index = static_cast<uint64_t>(waiter - waiters_.get());
  // Reset before the push publishes this waiter: a notifier that pops it
  // writes kSignaled afterwards, and Park() must see only that write.
  waiter->futex_.store(Waiter::kNotSignaled, std::memory_order_relaxed);
  uint64_t state = state_.load(std::memory_order_seq_cst);
  for (;;) {
    uint64_t next;
    if (Signals(state) > 0) {
      // A notification arrived since PrepareWait(): consume it, do not sleep.
      next = state - kPrewaiterOne - kSignalOne;
    } else {
      // Leave the pre-waiters and push this waiter on the sleepers' stack.
      waiter->next_.store(state & (kStackMask | kTagMask),
                          std::memory_order_relaxed);
      next = ((state & (kPrewaiterMask | kSignalMask)) - kPrewaiterOne) |
             index | waiter->tag_;
    }
    if (state_.compare_exchange_weak(state, next, std::memory_order_seq_cst,
                                     std::memory_order_seq_cst)) {
      if (Signals(state) > 0) return;
      waiter->tag_ += kTagOne;  // Wraps within the tag bits by overflow.
      Park(waiter);
      return;
    }
  }
}

bool EventCount::NotifySlow(uint64_t state, bool all) {
  for (;;) {
    const uint64_t prewaiters = Prewaiters(state);
    const uint64_t signals = Signals(state);
    const bool stack_empty = (state & kStackMask) == kEmptyStack;
    if (stack_empty && prewaiters == signals) return false;
    uint64_t next;
    if (all) {
      // Every pre-waiter gets a signal; the whole stack is taken.
      next = (state & (kPrewaiterMask | kTagMask)) |
             (prewaiters << kSignalShift) | kEmptyStack;
    } else if (signals < prewaiters) {
      // A thread that has not slept yet is cheaper to stop than one to wake.
      next = state + kSignalOne;
    } else {
      Waiter* top = &waiters_[state & kStackMask];
      next = (state & (kPrewaiterMask | kSignalMask)) |
             top->next_.load(std::memory_order_relaxed);
    }
    if (state_.compare_exchange_weak(state, next, std::memory_order_seq_cst,
                                     std::memory_order_seq_cst)) {
      if (!all && signals < prewaiters) return true;
      if (stack_empty) return true;
      Waiter* waiter = &waiters_[state & kStackMask];
      if (!all) {
        Unpark(waiter);
        return true;
      }
      // The popped waiters stay asleep, and their links unchanged, until each
      // is unparked: read the link first.
      for (;;) {
        const uint64_t below =
            waiter->next_.load(std::memory_order_relaxed) & kStackMask;
        Unpark(waiter);
        if (below == kEmptyStack) break;
        waiter = &waiters_[below];
      }
      return true;
    }
  }
}

void EventCount::Park(Waiter* waiter) {
  uint32_t expected = Waiter::kNotSignaled;
  if (!waiter->futex_.compare_exchange_strong(expected, Waiter::kParked,
                                              std::memory_order_acq_rel,
                                              std::memory_order_acquire)) {
    return;  // Already unparked.
  }
  while (waiter->futex_.load(std::memory_order_acquire) == Waiter::kParked) {
    base_internal::FutexWait(&waiter->futex_, Waiter::kParked,
                             base_internal::Deadline::Never());
  }
}

void EventCount::Unpark(Waiter* waiter) {
  if (waiter->futex_.exchange(Waiter::kSignaled, std::memory_order_acq_rel) ==
      Waiter::kParked) {
    base_internal::FutexWake(&waiter->futex_, 1);
  }
}

int EventCount::WaitingForTests() const {
  const uint64_t state = state_.load(std::memory_order_seq_cst);
  int count = static_cast<int>(Prewaiters(state) - Signals(state));
  // Bounded: a racing push or pop may make the walk see a stale link.
  uint64_t index = state & kStackMask;
  for (int i = 0; index != kEmptyStack && i < waiter_count_; ++i) {
    ++count;
    index = waiters_[index].next_.load(std::memory_order_relaxed) & kStackMask;
  }
  return count;
}

}  // namespace executors_internal
}  // namespace multirun
