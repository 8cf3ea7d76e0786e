// Copyright 2026 The multirun Authors.
//
// SharedQueue<T>: a bounded first-in-first-out queue between processes.
//
// Queue<T> (queue.h) keeps its values in a std::deque on one process's heap.
// A SharedQueue keeps them in a fixed ring inside a SharedRegion
// (shared_region.h), so producers and consumers can be different processes
// forked after the region was made.
//
// Example:
//
//   struct Job {
//     int64_t id;
//     double weight;
//   };
//   multirun::SharedQueue<Job>* jobs =
//       *region->New<multirun::SharedQueue<Job>>(/*capacity=*/128);
//   if (fork() == 0) {  // the consumer
//     for (absl::StatusOr<Job> job = jobs->Pop(); job.ok();
//          job = jobs->Pop()) {
//       Run(*job);
//     }
//     _exit(0);
//   }
//   for (int64_t i = 0; i < 1000; ++i) {
//     if (!jobs->Push(Job{i, 1.0}).ok()) break;
//   }
//   absl::Status closed = jobs->Close();  // the consumer drains, then stops
//
// It has Queue's operations and codes: Push() blocks while the queue is full,
// Pop() while it is empty; TryPush/TryPop never block; PushFor/PopFor and
// PushUntil/PopUntil wait at most that long; Close() ends the stream (later
// pushes fail with FailedPrecondition, every waiter wakes, consumers drain
// what is left and then get OutOfRange). A value is popped by exactly one
// consumer, and the values of one producer are popped in the order it pushed
// them.
//
// T must be trivially copyable: a value is copied into the ring byte for byte
// and out again in another process (a std::string would point into the
// producer's heap). Send an index into region memory rather than a pointer to
// private memory.
//
// A process killed at any point inside a call (SIGKILL included) neither
// deadlocks nor corrupts the queue: the lock is a RobustLock and each change
// commits with a single store, so the next caller takes the lock over and goes
// on. A push the victim had not committed did not happen; a value it had
// popped is gone with it. Sleepers killed while waiting are harmless.
//
// Capacity: 1 to kMaxCapacity values, fixed when placed. Only
// SharedRegion::New makes a SharedQueue (the ring follows the object there);
// nobody destroys it (see SharedRegion).
//
// Thread-safety: every method may be called from any thread of any process
// that maps the queue, at once.
//
// Memory ordering: a push happens before the pop that returns its value.

#ifndef MULTIRUN_SYNC_SHARED_QUEUE_H_
#define MULTIRUN_SYNC_SHARED_QUEUE_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <type_traits>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "multirun/base/check.h"
#include "multirun/base/deadline.h"
#include "multirun/base/futex.h"
#include "multirun/sync/internal/wait_list.h"
#include "multirun/sync/process_shared.h"
#include "multirun/sync/robust_lock.h"

namespace multirun {

class SharedRegion;

// A bounded FIFO queue of T between processes (see the file comment).
template <typename T>
class alignas(std::max(alignof(T), alignof(std::max_align_t))) SharedQueue {
  static_assert(std::is_trivially_copyable_v<T> &&
                    std::is_copy_constructible_v<T>,
                "SharedQueue<T>: T must be trivially copyable (its bytes are "
                "copied between processes); use Queue<T> between threads");

 public:
  static constexpr int64_t kMaxCapacity = int64_t{1} << 32;

  // For SharedRegion::New: the bytes a queue of `capacity` values takes in a
  // region (the object and its ring), or InvalidArgument unless
  // 1 <= capacity <= kMaxCapacity.
  static absl::StatusOr<size_t> SharedRegionBytes(int64_t capacity) {
    if (capacity < 1 || capacity > kMaxCapacity) {
      return absl::InvalidArgumentError(
          absl::StrCat("SharedQueue: capacity must be in [1, ", kMaxCapacity,
                       "], got ", capacity));
    }
    const size_t count = static_cast<size_t>(capacity);
    if (count > (std::numeric_limits<size_t>::max() - sizeof(SharedQueue)) /
                    sizeof(T)) {
      return absl::InvalidArgumentError(
          absl::StrCat("SharedQueue: ", capacity, " values of ", sizeof(T),
                       " bytes do not fit in memory"));
    }
    return sizeof(SharedQueue) + count * sizeof(T);
  }

  SharedQueue(const SharedQueue&) = delete;
  SharedQueue& operator=(const SharedQueue&) = delete;

  // Adds a copy of `value`, blocking while the queue is full. Returns
  // FailedPrecondition if the queue is closed (also if it closes while
  // waiting).
  absl::Status Push(const T& value) {
    return PushImpl(value, base_internal::Deadline::Never(), false);
  }

  // Adds a copy of `value` if there is room now. Returns ResourceExhausted if
  // full, FailedPrecondition if closed. Never blocks.
  absl::Status TryPush(const T& value) {
    return PushImpl(value, base_internal::Deadline::Passed(), true);
  }

  // As Push(), for at most `timeout` (monotonic clock): DeadlineExceeded if
  // still full by then (at once for a timeout <= 0).
  absl::Status PushFor(const T& value, absl::Duration timeout) {
    return PushImpl(value, base_internal::Deadline::After(timeout), false);
  }

  // As Push(), until the wall-clock time `deadline`.
  absl::Status PushUntil(const T& value, absl::Time deadline) {
    return PushImpl(value, base_internal::Deadline::At(deadline), false);
  }

  // Removes and returns the oldest value, blocking while the queue is empty.
  // Returns OutOfRange once the queue is closed and drained.
  absl::StatusOr<T> Pop() {
    return PopImpl(base_internal::Deadline::Never(), false);
  }

  // Removes the oldest value if there is one. Returns Unavailable if empty,
  // OutOfRange if closed and drained. Never blocks.
  absl::StatusOr<T> TryPop() {
    return PopImpl(base_internal::Deadline::Passed(), true);
  }

  // As Pop(), for at most `timeout` (monotonic clock): DeadlineExceeded if
  // still empty by then (at once for a timeout <= 0).
  absl::StatusOr<T> PopFor(absl::Duration timeout) {
    return PopImpl(base_internal::Deadline::After(timeout), false);
  }

  // As Pop(), until the wall-clock time `deadline`.
  absl::StatusOr<T> PopUntil(absl::Time deadline) {
    return PopImpl(base_internal::Deadline::At(deadline), false);
  }

  // Stops accepting values and wakes every waiter, in every process. Values
  // already in the queue can still be popped. Idempotent. Returns OK (the
  // Status return is the one signature Close() has across multirun).
  absl::Status Close() {
    LockRepairing();
    closed_.store(true, std::memory_order_relaxed);
    Unlock();
    not_empty_.NotifyAll();
    not_full_.NotifyAll();
    return absl::OkStatus();
  }

  bool IsClosed() const { return closed_.load(std::memory_order_relaxed); }

  // Values in the queue at this instant (a hint).
  size_t Size() {
    LockRepairing();
    const uint64_t size = tail_.load(std::memory_order_relaxed) -
                          head_.load(std::memory_order_relaxed);
    Unlock();
    return static_cast<size_t>(size);
  }

  size_t Capacity() const { return static_cast<size_t>(capacity_); }

 private:
  friend class SharedRegion;

  // Only SharedRegion::New, with SharedRegionBytes(capacity) bytes at `this`.
  SharedQueue(ProcessShared, int64_t capacity)
      : lock_(kProcessShared),
        not_empty_(base_internal::Sharing::kProcess),
        not_full_(base_internal::Sharing::kProcess),
        capacity_(static_cast<uint64_t>(capacity)) {}

  // The slot of the value with sequence number `index`; the ring follows the
  // object.
  T* Slot(uint64_t index) {
    return reinterpret_cast<T*>(reinterpret_cast<unsigned char*>(this) +
                                sizeof(SharedQueue)) +
           index % capacity_;
  }

  // Acquires the lock, taking it over if its holder died: every change below
  // commits with one store, so the state is consistent whatever the holder
  // had done.
  void LockRepairing()
      ABSL_EXCLUSIVE_LOCK_FUNCTION(lock_) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    absl::Status status = lock_.Acquire();
    if (PreviousOwnerDied(status)) status = lock_.MarkConsistent();
    base_internal::CheckOk(status);
  }
  void Unlock() ABSL_UNLOCK_FUNCTION(lock_) { lock_.unlock(); }

  absl::Status PushImpl(const T& value, const base_internal::Deadline& deadline,
                        bool is_try);
  absl::StatusOr<T> PopImpl(const base_internal::Deadline& deadline,
                            bool is_try);

  RobustLock lock_;
  sync_internal::WaitList not_empty_;
  sync_internal::WaitList not_full_;
  // Sequence numbers of the next value to pop and to push. Atomic only so
  // that each change is one store (see LockRepairing).
  std::atomic<uint64_t> head_ ABSL_GUARDED_BY(lock_){0};
  std::atomic<uint64_t> tail_ ABSL_GUARDED_BY(lock_){0};
  std::atomic<bool> closed_{false};
  const uint64_t capacity_;
};

template <typename T>
absl::Status SharedQueue<T>::PushImpl(const T& value,
                                      const base_internal::Deadline& deadline,
                                      bool is_try) {
  LockRepairing();
  while (true) {
    if (closed_.load(std::memory_order_relaxed)) {
      Unlock();
      return absl::FailedPreconditionError(
          "SharedQueue::Push: the queue is closed");
    }
    const uint64_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - head_.load(std::memory_order_relaxed) < capacity_) {
      ::new (Slot(tail)) T(value);
      tail_.store(tail + 1, std::memory_order_relaxed);  // Commits the push.
      Unlock();
      not_empty_.NotifyOne();
      return absl::OkStatus();
    }
    if (is_try) {
      Unlock();
      return absl::ResourceExhaustedError(
          absl::StrCat("SharedQueue::TryPush: the queue is full (capacity ",
                       capacity_, ")"));
    }
    const uint32_t ticket = not_full_.Enter();
    Unlock();
    const bool woken = not_full_.Sleep(ticket, deadline);
    not_full_.Leave();
    LockRepairing();
    if (!woken && !closed_.load(std::memory_order_relaxed) &&
        tail_.load(std::memory_order_relaxed) -
                head_.load(std::memory_order_relaxed) >=
            capacity_) {
      Unlock();
      return absl::DeadlineExceededError(
          absl::StrCat("SharedQueue::Push: still full (capacity ", capacity_,
                       ") at the deadline"));
    }
  }
}

template <typename T>
absl::StatusOr<T> SharedQueue<T>::PopImpl(
    const base_internal::Deadline& deadline, bool is_try) {
  LockRepairing();
  while (true) {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    if (tail_.load(std::memory_order_relaxed) != head) {
      const T value = *std::launder(Slot(head));
      head_.store(head + 1, std::memory_order_relaxed);  // Commits the pop.
      Unlock();
      not_full_.NotifyOne();
      return value;
    }
    if (closed_.load(std::memory_order_relaxed)) {
      Unlock();
      return absl::OutOfRangeError(
          "SharedQueue::Pop: the queue is closed and drained");
    }
    if (is_try) {
      Unlock();
      return absl::UnavailableError("SharedQueue::TryPop: the queue is empty");
    }
    const uint32_t ticket = not_empty_.Enter();
    Unlock();
    const bool woken = not_empty_.Sleep(ticket, deadline);
    not_empty_.Leave();
    LockRepairing();
    if (!woken && !closed_.load(std::memory_order_relaxed) &&
        tail_.load(std::memory_order_relaxed) ==
            head_.load(std::memory_order_relaxed)) {
      Unlock();
      return absl::DeadlineExceededError(
          "SharedQueue::Pop: still empty at the deadline");
    }
  }
}

}  // namespace multirun

#endif  // MULTIRUN_SYNC_SHARED_QUEUE_H_
