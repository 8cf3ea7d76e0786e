// Copyright 2026 The multirun Authors.
//
// Queue: a blocking multi-producer, multi-consumer queue, with the orders of
// Python's `queue.Queue`, `LifoQueue` and `PriorityQueue`.
//
// Producers Push() values and consumers Pop() them, from any number of threads.
// A bounded queue (constructed with a capacity) makes Push() wait while it is
// full, which is how a fast producer is slowed to the pace of its consumers; an
// unbounded queue (default constructed) never blocks a producer. Every blocking
// call has a Try form that never blocks and For/Until forms with a time limit.
//
// Close() ends the stream: later pushes fail, every waiter wakes, and consumers
// drain what is left, after which Pop() returns OutOfRange. That makes
// `for (auto v = q.Pop(); v.ok(); v = q.Pop())` a complete consumer loop.
//
// Orders: `Queue<T>` is first in, first out; `LifoQueue<T>` last in, first out;
// `PriorityQueue<T, Compare>` pops the smallest value under Compare first (as
// Python's PriorityQueue), and values that compare equal in push order.
//
// Nothing is lost: a push that fails (closed, full, timed out) leaves the value
// in the caller's hands, unmoved; a value is popped by exactly one consumer.
//
// Example:
//
//   multirun::Queue<std::string> lines(1024);  // bounded
//   std::thread reader([&] {
//     for (absl::StatusOr<std::string> line = lines.Pop(); line.ok();
//          line = lines.Pop()) {
//       Print(*line);
//     }
//   });
//   for (const std::string& line : input) {
//     if (absl::Status s = lines.Push(line); !s.ok()) break;
//   }
//   absl::Status closed = lines.Close();  // the reader drains, then stops
//   reader.join();
//
// State: a Lock, two wait lists and a standard container. (The container lives
// on the heap, so this type is for threads; SharedQueue, shared_queue.h, is
// the process-shared queue.)
//
// Thread-safety: every method may be called from any number of threads at
// once.
//
// Memory ordering: a push happens before the pop that returns its value.

#ifndef MULTIRUN_SYNC_QUEUE_H_
#define MULTIRUN_SYNC_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "multirun/base/check.h"
#include "multirun/base/deadline.h"
#include "multirun/sync/internal/queue_order.h"
#include "multirun/sync/internal/wait_list.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {

// First in, first out.
using FifoOrder = sync_internal::DequeOrder<false>;

// Last in, first out.
using LifoOrder = sync_internal::DequeOrder<true>;

// Smallest under `Compare` first; equal values in push order.
template <typename Compare = std::less<>>
struct PriorityOrder {
  template <typename T>
  using Container = sync_internal::PriorityContainer<T, Compare>;
};

// A blocking queue of T, popped in `Order` (see the file comment).
template <typename T, typename Order = FifoOrder>
class Queue {
 public:
  // An unbounded queue.
  Queue() : capacity_(std::numeric_limits<size_t>::max()) {}

  // A queue that holds at most `capacity` values. Aborts with a message unless
  // capacity >= 1; use Create() for a value from input.
  explicit Queue(int64_t capacity) : capacity_(static_cast<size_t>(capacity)) {
    base_internal::CheckOk(ValidateCapacity(capacity));
  }

  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  // A bounded queue, or InvalidArgument naming the capacity.
  static absl::StatusOr<std::unique_ptr<Queue>> Create(int64_t capacity) {
    absl::Status status = ValidateCapacity(capacity);
    if (!status.ok()) return status;
    return std::make_unique<Queue>(capacity);
  }

  // Adds `value`, blocking while the queue is full. Returns FailedPrecondition
  // if the queue is closed (also if it closes while waiting); `value` is then
  // not moved from.
  absl::Status Push(T&& value) {
    return PushImpl(std::move(value), base_internal::Deadline::Never(), false);
  }
  absl::Status Push(const T& value) { return Push(T(value)); }

  // Adds `value` if there is room now. Returns ResourceExhausted if full,
  // FailedPrecondition if closed; `value` is then not moved from. Never blocks.
  absl::Status TryPush(T&& value) {
    return PushImpl(std::move(value), base_internal::Deadline::Passed(), true);
  }
  absl::Status TryPush(const T& value) { return TryPush(T(value)); }

  // As Push(), for at most `timeout` (monotonic clock): DeadlineExceeded if
  // still full by then (at once for a timeout <= 0).
  absl::Status PushFor(T&& value, absl::Duration timeout) {
    return PushImpl(std::move(value), base_internal::Deadline::After(timeout),
                    false);
  }
  absl::Status PushFor(const T& value, absl::Duration timeout) {
    return PushFor(T(value), timeout);
  }

  // As Push(), until the wall-clock time `deadline`: DeadlineExceeded if still
  // full by then.
  absl::Status PushUntil(T&& value, absl::Time deadline) {
    return PushImpl(std::move(value), base_internal::Deadline::At(deadline),
                    false);
  }
  absl::Status PushUntil(const T& value, absl::Time deadline) {
    return PushUntil(T(value), deadline);
  }

  // Removes and returns the next value, blocking while the queue is empty.
  // Returns OutOfRange once the queue is closed and drained.
  absl::StatusOr<T> Pop() {
    return PopImpl(base_internal::Deadline::Never(), false);
  }

  // Removes the next value if there is one. Returns Unavailable if empty,
  // OutOfRange if closed and drained. Never blocks.
  absl::StatusOr<T> TryPop() {
    return PopImpl(base_internal::Deadline::Passed(), true);
  }

  // As Pop(), for at most `timeout` (monotonic clock): DeadlineExceeded if
  // still empty by then (at once for a timeout <= 0).
  absl::StatusOr<T> PopFor(absl::Duration timeout) {
    return PopImpl(base_internal::Deadline::After(timeout), false);
  }

  // As Pop(), until the wall-clock time `deadline`: DeadlineExceeded if still
  // empty by then.
  absl::StatusOr<T> PopUntil(absl::Time deadline) {
    return PopImpl(base_internal::Deadline::At(deadline), false);
  }

  // Stops accepting values and wakes every waiter. Values already in the queue
  // can still be popped. Idempotent. Never blocks for long. Returns OK (the
  // Status return is the one signature Close() has across multirun).
  absl::Status Close() {
    {
      LockHolder<Lock> hold(lock_);
      closed_ = true;
    }
    not_empty_.NotifyAll();
    not_full_.NotifyAll();
    return absl::OkStatus();
  }

  bool IsClosed() const {
    LockHolder<Lock> hold(lock_);
    return closed_;
  }

  // Values in the queue at this instant (a hint).
  size_t Size() const {
    LockHolder<Lock> hold(lock_);
    return items_.size();
  }

  // The capacity, or SIZE_MAX for an unbounded queue.
  size_t Capacity() const { return capacity_; }

 private:
  static absl::Status ValidateCapacity(int64_t capacity) {
    if (capacity < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Queue: capacity must be at least 1 (default-construct an unbounded "
          "queue), got ",
          capacity));
    }
    return absl::OkStatus();
  }

  // `is_try` selects the Try forms' codes for a full or empty queue.
  absl::Status PushImpl(T&& value, const base_internal::Deadline& deadline,
                        bool is_try);
  absl::StatusOr<T> PopImpl(const base_internal::Deadline& deadline,
                            bool is_try);

  mutable Lock lock_;
  typename Order::template Container<T> items_ ABSL_GUARDED_BY(lock_);
  bool closed_ ABSL_GUARDED_BY(lock_) = false;
  const size_t capacity_;
  sync_internal::WaitList not_empty_;
  sync_internal::WaitList not_full_;
};

// Last in, first out.
template <typename T>
using LifoQueue = Queue<T, LifoOrder>;

// Smallest under `Compare` first; equal values in push order.
template <typename T, typename Compare = std::less<>>
using PriorityQueue = Queue<T, PriorityOrder<Compare>>;

// Both hold the lock in a LockHolder, so that a value type, container or
// comparator that throws leaves the queue unlocked and consistent; they notify
// after unlocking, so a woken thread does not at once block on the lock.
template <typename T, typename Order>
absl::Status Queue<T, Order>::PushImpl(T&& value,
                                       const base_internal::Deadline& deadline,
                                       bool is_try) {
  LockHolder<Lock> hold(lock_);
  while (true) {
    if (closed_) {
      return absl::FailedPreconditionError("Queue::Push: the queue is closed");
    }
    if (items_.size() < capacity_) {
      items_.Push(std::move(value));
      hold.Release();
      not_empty_.NotifyOne();
      return absl::OkStatus();
    }
    if (is_try) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "Queue::TryPush: the queue is full (capacity ", capacity_, ")"));
    }
    const uint32_t ticket = not_full_.Enter();
    hold.Release();
    const bool woken = not_full_.Sleep(ticket, deadline);
    not_full_.Leave();
    hold.Reacquire();
    if (!woken && !closed_ && items_.size() >= capacity_) {
      return absl::DeadlineExceededError(
          absl::StrCat("Queue::Push: still full (capacity ", capacity_,
                       ") at the deadline"));
    }
  }
}

template <typename T, typename Order>
absl::StatusOr<T> Queue<T, Order>::PopImpl(
    const base_internal::Deadline& deadline, bool is_try) {
  LockHolder<Lock> hold(lock_);
  while (true) {
    if (items_.size() > 0) {
      T value = items_.Pop();
      hold.Release();
      not_full_.NotifyOne();
      return value;
    }
    if (closed_) {
      return absl::OutOfRangeError(
          "Queue::Pop: the queue is closed and drained");
    }
    if (is_try)
      return absl::UnavailableError("Queue::TryPop: the queue is empty");
    const uint32_t ticket = not_empty_.Enter();
    hold.Release();
    const bool woken = not_empty_.Sleep(ticket, deadline);
    not_empty_.Leave();
    hold.Reacquire();
    if (!woken && !closed_ && items_.size() == 0) {
      return absl::DeadlineExceededError(
          "Queue::Pop: still empty at the deadline");
    }
  }
}

}  // namespace multirun

#endif  // MULTIRUN_SYNC_QUEUE_H_
