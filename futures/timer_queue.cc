// Copyright 2026 The multirun Authors.

#include "multirun/futures/timer_queue.h"

#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "multirun/base/deadline.h"
#include "multirun/base/drop_reason.h"
#include "multirun/base/futex.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {
namespace {

int64_t MonotonicNowNs() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

// `delay` from now in monotonic nanoseconds, saturating.
int64_t DueNs(absl::Duration delay) {
  const int64_t now = MonotonicNowNs();
  if (delay <= absl::ZeroDuration()) return now;
  const int64_t max_delay = INT64_MAX - now;
  if (delay >= absl::Nanoseconds(max_delay)) return INT64_MAX;
  return now + absl::ToInt64Nanoseconds(delay);
}

}  // namespace

TimerQueue::TimerQueue() : thread_([this] { Loop(); }) {}

TimerQueue::~TimerQueue() {
  {
    LockHolder hold(lock_);
    stopping_ = true;
  }
  wake_.fetch_add(1, std::memory_order_release);
  base_internal::FutexWakeAll(&wake_);
  thread_.join();
  std::vector<Timer> unfired;
  {
    LockHolder hold(lock_);
    unfired.swap(heap_);
  }
  base_internal::ScopedDropReason reason(
      absl::CancelledError("TimerQueue destroyed before the timer fired"));
  unfired.clear();
}

TimerQueue& TimerQueue::Default() {
  // Never destroyed: timers may be scheduled from static destructors and
  // from threads still running at exit.
  static TimerQueue* const queue = new TimerQueue();
  return *queue;
}

size_t TimerQueue::pending() const {
  LockHolder hold(lock_);
  return heap_.size();
}

void TimerQueue::Add(absl::Duration delay, absl::AnyInvocable<void()> fire,
                     std::shared_ptr<futures_internal::StateBase> state) {
  const int64_t due_ns = DueNs(delay);
  bool earliest;
  {
    LockHolder hold(lock_);
    const uint64_t sequence = next_sequence_++;
    heap_.push_back(Timer{due_ns, sequence, std::move(fire), std::move(state)});
    std::push_heap(heap_.begin(), heap_.end(), Later());
    earliest = heap_.front().sequence == sequence;
  }
  if (earliest) {
    wake_.fetch_add(1, std::memory_order_release);
    base_internal::FutexWake(&wake_, 1);
  }
}

void TimerQueue::Loop() {
  pthread_setname_np(pthread_self(), "multirun-timer");
  std::vector<Timer> due;
  while (true) {
    // Read the wake word before looking at the heap: an Add() after the look
    // changes it, and the sleep below then returns at once.
    const uint32_t seen = wake_.load(std::memory_order_acquire);
    base_internal::Deadline deadline = base_internal::Deadline::Never();
    {
      LockHolder hold(lock_);
      if (stopping_) return;
      const int64_t now = MonotonicNowNs();
      while (!heap_.empty() && heap_.front().due_ns <= now) {
        std::pop_heap(heap_.begin(), heap_.end(), Later());
        due.push_back(std::move(heap_.back()));
        heap_.pop_back();
      }
      if (!heap_.empty()) {
        deadline = base_internal::Deadline::After(
            absl::Nanoseconds(heap_.front().due_ns - now));
      }
    }
    if (!due.empty()) {
      for (Timer& timer : due) {
        // Marking the work started closes the window in which a Cancel()
        // could succeed while the executor is already being handed the task.
        if (timer.state->TryStart()) std::move(timer.fire)();
      }
      due.clear();  // outside the lock: destroying work may run callbacks
      continue;
    }
    base_internal::FutexWait(&wake_, seen, deadline);
  }
}

}  // namespace multirun
