// Copyright 2026 The multirun Authors.
//
// InjectionQueue: ThreadPool's shared queue for tasks scheduled from outside
// the pool (threads that are not its workers). Many producers, many consumers,
// unbounded, closable.
//
// The fast path is Dmitry Vyukov's bounded multi-producer multi-consumer ring:
// each cell carries a sequence number that says whether it is free for the
// producer of position p (sequence == p) or holds the item of position p for
// its consumer (sequence == p + 1); producers claim positions with a CAS on
// `tail_`, consumers with a CAS on `head_`, and the item is moved into and out
// of the cell itself, so a push allocates nothing. When the ring is full, items
// go to an overflow deque under a Lock; while that deque is not empty every
// push goes there too (so the items of one producer stay in order), and
// consumers take from it once the ring is empty. Each cell has a cache line of
// its own, so a producer filling one cell and a consumer emptying the next do
// not share a line, and a push prefetches the cell a few positions ahead for
// writing (it was last written by a consumer, usually on another core).
// TryPopBatch() claims several published cells with one CAS.
//
// Close() sets a bit in `tail_`: a producer's claim (a CAS on `tail_`) and the
// close are ordered, so every Push() either claimed a cell before the close
// (its item will be poppable) or fails. After Close() returns, Pushed() is
// final, which is how ThreadPool knows that every accepted outside task has
// run.
//
// Memory ordering: a Push() happens before the TryPop() that returns its
// item. Push()'s claim (the CAS on `tail_`) and its overflow push (a store of
// `overflow_size_`) are seq_cst, and MaybeNonEmpty() uses seq_cst loads, for
// ThreadPool's Dekker-style handshake with its event count (event_count.h).
//
// Thread safety: every method from any thread.

#ifndef MULTIRUN_EXECUTORS_INTERNAL_INJECTION_QUEUE_H_
#define MULTIRUN_EXECUTORS_INTERNAL_INJECTION_QUEUE_H_

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {
namespace executors_internal {

// Example:
//
//   InjectionQueue<absl::AnyInvocable<void()>> queue;
//   absl::AnyInvocable<void()> task = [] {};
//   if (!queue.Push(task)) { /* closed; `task` is untouched */ }
//   absl::AnyInvocable<void()> next;
//   if (queue.TryPop(&next)) next();
template <typename T>
class InjectionQueue {
 public:
  // `ring_capacity` is rounded up to a power of two (at least 2).
  explicit InjectionQueue(size_t ring_capacity = 4096) {
    const size_t capacity = std::bit_ceil(std::max<size_t>(ring_capacity, 2));
    mask_ = capacity - 1;
    cells_ = std::make_unique<Cell[]>(capacity);
    for (size_t i = 0; i < capacity; ++i) {
      cells_[i].sequence.store(i, std::memory_order_relaxed);
    }
  }
  InjectionQueue(const InjectionQueue&) = delete;
  InjectionQueue& operator=(const InjectionQueue&) = delete;

  // Moves `item` into the queue and returns true, or returns false, leaving
  // `item` untouched, once Close() has been called. Never blocks, except
  // briefly on the overflow lock when the ring is full.
  bool Push(T& item) {
    uint64_t position = tail_.load(std::memory_order_relaxed);
    for (;;) {
      if (position & kClosed) return false;
      if (overflow_size_.load(std::memory_order_relaxed) != 0) break;
      Cell& cell = cells_[position & mask_];
      const uint64_t sequence = cell.sequence.load(std::memory_order_acquire);
      const int64_t lag = static_cast<int64_t>(sequence - position);
      if (lag == 0) {
        if (tail_.compare_exchange_weak(position, position + 1,
                                        std::memory_order_seq_cst,
                                        std::memory_order_relaxed)) {
          cell.value = std::move(item);
          cell.sequence.store(position + 1, std::memory_order_release);
          __builtin_prefetch(&cells_[(position + kPrefetchAhead) & mask_], 1);
          return true;
        }
      } else if (lag < 0) {
        break;  // Full: the cell still holds the item of the previous lap.
      } else {
        position = tail_.load(std::memory_order_relaxed);
      }
    }
    LockHolder hold(overflow_lock_);
    if (overflow_closed_) return false;
    overflow_.push_back(std::move(item));
    overflow_pushed_.store(overflow_pushed_.load(std::memory_order_relaxed) + 1,
                           std::memory_order_relaxed);
    overflow_size_.store(overflow_.size(), std::memory_order_seq_cst);
    return true;
  }

  // Moves the oldest published item into `*out` and returns true; returns
  // false when there is none (including an item whose producer has claimed a
  // cell and not yet filled it: MaybeNonEmpty() is then still true). Never
  // blocks, except briefly on the overflow lock.
  bool TryPop(T* out) { return TryPopBatch(out, 1) == 1; }

  // Moves up to `max` (at least 1) of the oldest published items into
  // out[0], out[1], ... in order and returns how many; 0 when there is none
  // (as for TryPop()). One claim (a CAS on `head_`) takes every item of the
  // batch, or one acquisition of the overflow lock when the ring is empty, so
  // a consumer that drains a busy queue pays the contended head (or lock) once
  // per batch instead of once per item. Never blocks, except briefly on the
  // overflow lock.
  int TryPopBatch(T* out, int max) {
    uint64_t position = head_.load(std::memory_order_relaxed);
    for (;;) {
      // The published cells from `position` on. A cell holds the item of
      // position p exactly when its sequence is p + 1, and stays so until the
      // consumer that claims p takes it: if the CAS below succeeds, nobody
      // claimed any of them in between.
      int ready = 0;
      while (ready < max &&
             cells_[(position + ready) & mask_].sequence.load(
                 std::memory_order_acquire) == position + ready + 1) {
        ++ready;
      }
      if (ready == 0) {
        const uint64_t now = head_.load(std::memory_order_relaxed);
        if (now == position) break;  // Empty, or the producer is not done.
        position = now;              // Another consumer took it.
        continue;
      }
      if (head_.compare_exchange_weak(position, position + ready,
                                      std::memory_order_seq_cst,
                                      std::memory_order_relaxed)) {
        for (int i = 0; i < ready; ++i) {
          Cell& cell = cells_[(position + i) & mask_];
          out[i] = std::move(cell.value);
          cell.sequence.store(position + i + mask_ + 1,
                              std::memory_order_release);
        }
        return ready;
      }
    }
    if (overflow_size_.load(std::memory_order_seq_cst) == 0) return 0;
    LockHolder hold(overflow_lock_);
    int taken = 0;
    while (taken < max && !overflow_.empty()) {
      out[taken++] = std::move(overflow_.front());
      overflow_.pop_front();
    }
    if (taken > 0) {
      overflow_size_.store(overflow_.size(), std::memory_order_seq_cst);
    }
    return taken;
  }

  // Makes every later Push() fail. Items pushed before stay poppable. Blocks
  // briefly on the overflow lock. Idempotent.
  void Close() {
    tail_.fetch_or(kClosed, std::memory_order_seq_cst);
    LockHolder hold(overflow_lock_);
    overflow_closed_ = true;
  }

  // Whether an item may be in the queue: pushed (or claimed by a producer)
  // and not popped. seq_cst loads (see "Memory ordering").
  bool MaybeNonEmpty() const {
    if (overflow_size_.load(std::memory_order_seq_cst) != 0) return true;
    const uint64_t head = head_.load(std::memory_order_seq_cst);
    const uint64_t tail = tail_.load(std::memory_order_seq_cst) & ~kClosed;
    return head != tail;
  }

  // How many items Push() accepted so far; final once Close() has returned.
  uint64_t Pushed() const {
    return (tail_.load(std::memory_order_seq_cst) & ~kClosed) +
           overflow_pushed_.load(std::memory_order_seq_cst);
  }

  size_t ring_capacity() const { return mask_ + 1; }

 private:
  static constexpr uint64_t kClosed = uint64_t{1} << 63;
  static constexpr uint64_t kPrefetchAhead = 8;

  struct alignas(64) Cell {
    std::atomic<uint64_t> sequence{0};
    T value{};
  };

  size_t mask_ = 0;
  std::unique_ptr<Cell[]> cells_;
  // Producers write `tail_`, consumers `head_`: separate cache lines.
  alignas(64) std::atomic<uint64_t> tail_{0};
  alignas(64) std::atomic<uint64_t> head_{0};
  alignas(64) std::atomic<size_t> overflow_size_{0};
  std::atomic<uint64_t> overflow_pushed_{0};  // Written under the lock.
  Lock overflow_lock_;
  std::deque<T> overflow_ ABSL_GUARDED_BY(overflow_lock_);
  bool overflow_closed_ ABSL_GUARDED_BY(overflow_lock_) = false;
};

}  // namespace executors_internal
}  // namespace multirun

#endif  // MULTIRUN_EXECUTORS_INTERNAL_INJECTION_QUEUE_H_
