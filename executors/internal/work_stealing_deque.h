// Copyright 2026 The multirun Authors.
//
// WorkStealingDeque: the per-worker task deque of ThreadPool (Chase-Lev).
//
// One thread, the owner, pushes and pops at the bottom (LIFO: the task it
// spawned last is the one whose data is still in its cache); any thread may
// steal from the top (FIFO: the oldest task, usually the biggest piece of a
// divide-and-conquer computation). The deque stores pointers to objects that
// live elsewhere (ThreadPool's heap task nodes), never owns them, and grows
// its ring when full. A grown-out ring is kept until the deque is destroyed: a
// thief that read the old ring pointer may still read a slot of it.
//
// This is the algorithm of Chase and Lev, "Dynamic Circular Work-Stealing
// Deque" (SPAA 2005), with the memory orderings of Le, Pop, Cohen and
// Zappa Nardelli, "Correct and Efficient Work-Stealing for Weak Memory Models"
// (PPoPP 2013), except that the two places where that paper puts a standalone
// seq_cst fence use seq_cst operations instead, so that ThreadSanitizer (which
// does not model fences) understands the synchronization.
//
// Memory ordering: a Push() happens before the Pop() or Steal() that returns
// the pushed pointer, so whatever the owner wrote to the object before pushing
// it is visible to the thread that takes it. Push()'s store of `bottom_` is
// seq_cst, so a Push() followed by a seq_cst load of some other atomic (the
// event count's state in ThreadPool) cannot be reordered: that is the
// "publish, then check for sleepers" half of the pool's Dekker-style handshake.
// Empty() uses seq_cst loads (the "announce, then re-check" half).
//
// Thread safety: Push() and Pop() only from the owner thread; Steal(), Empty()
// and Size() from any thread.

#ifndef MULTIRUN_EXECUTORS_INTERNAL_WORK_STEALING_DEQUE_H_
#define MULTIRUN_EXECUTORS_INTERNAL_WORK_STEALING_DEQUE_H_

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

namespace multirun {
namespace executors_internal {

// Example:
//
//   WorkStealingDeque<Node> deque;        // owned by worker thread W
//   deque.Push(node);                     // on W
//   Node* mine = deque.Pop();             // on W: newest first
//   Node* stolen = other_deque.Steal();   // on any thread: oldest first
template <typename T>
class WorkStealingDeque {
 public:
  // `initial_capacity` is rounded up to a power of two (at least 2).
  explicit WorkStealingDeque(int64_t initial_capacity = 256) {
    const int64_t capacity = static_cast<int64_t>(std::bit_ceil(
        static_cast<uint64_t>(std::max<int64_t>(initial_capacity, 2))));
    auto ring = std::make_unique<Ring>(capacity);
    ring_.store(ring.get(), std::memory_order_relaxed);
    rings_.push_back(std::move(ring));
  }
  WorkStealingDeque(const WorkStealingDeque&) = delete;
  WorkStealingDeque& operator=(const WorkStealingDeque&) = delete;

  // Pushes `item` (not null) at the bottom; grows the ring when it is full.
  // Owner only. Never blocks (allocates when growing).
  void Push(T* item) {
    const int64_t bottom = bottom_.load(std::memory_order_relaxed);
    const int64_t top = top_.load(std::memory_order_acquire);
    Ring* ring = ring_.load(std::memory_order_relaxed);
    if (bottom - top > ring->mask) ring = Grow(ring, top, bottom);
    ring->Put(bottom, item);
    // seq_cst rather than release: see "Memory ordering" above.
    bottom_.store(bottom + 1, std::memory_order_seq_cst);
  }

  // Takes the item pushed last, or returns nullptr when the deque is empty (or
  // a thief took the last item). Owner only. Never blocks.
  T* Pop() {
    const int64_t bottom = bottom_.load(std::memory_order_relaxed) - 1;
    Ring* ring = ring_.load(std::memory_order_relaxed);
    // Announce the claim on slot `bottom` before reading `top_`: a thief that
    // reads `top_` == bottom after this store sees that the slot is contested.
    bottom_.store(bottom, std::memory_order_seq_cst);
    int64_t top = top_.load(std::memory_order_seq_cst);
    if (top > bottom) {  // Was empty.
      bottom_.store(bottom + 1, std::memory_order_release);
      return nullptr;
    }
    T* item = ring->Get(bottom);
    if (top == bottom) {
      // The last item: race the thieves for it through `top_`.
      if (!top_.compare_exchange_strong(top, top + 1, std::memory_order_seq_cst,
                                        std::memory_order_relaxed)) {
        item = nullptr;  // A thief won.
      }
      bottom_.store(bottom + 1, std::memory_order_release);
    }
    return item;
  }

  // Takes the oldest item, or returns nullptr when the deque looks empty or
  // another thread won the race for that item (the caller may retry). Any
  // thread. Never blocks.
  T* Steal() {
    int64_t top = top_.load(std::memory_order_seq_cst);
    const int64_t bottom = bottom_.load(std::memory_order_seq_cst);
    if (top >= bottom) return nullptr;
    // The ring pointer is read after `bottom_`: a ring that Push() installed
    // before publishing `bottom` is seen; an older ring still holds slot `top`
    // (Grow() copies, never clears), and retired rings live until ~deque.
    Ring* ring = ring_.load(std::memory_order_acquire);
    T* item = ring->Get(top);
    if (!top_.compare_exchange_strong(top, top + 1, std::memory_order_seq_cst,
                                      std::memory_order_relaxed)) {
      return nullptr;  // The owner or another thief took it.
    }
    return item;
  }

  // Whether the deque looked empty (seq_cst loads). Any thread; exact only
  // when neither the owner nor a thief is active.
  bool Empty() const {
    const int64_t top = top_.load(std::memory_order_seq_cst);
    const int64_t bottom = bottom_.load(std::memory_order_seq_cst);
    return top >= bottom;
  }

  // The number of items, approximately (exact when quiescent). Any thread.
  int64_t Size() const {
    const int64_t top = top_.load(std::memory_order_seq_cst);
    const int64_t bottom = bottom_.load(std::memory_order_seq_cst);
    return bottom > top ? bottom - top : 0;
  }

  // The capacity of the current ring. Owner only (for tests).
  int64_t Capacity() const {
    return ring_.load(std::memory_order_relaxed)->mask + 1;
  }

 private:
  // A power-of-two ring of atomic slots. Slots are atomics because a thief may
  // read a slot that the owner is overwriting: the thief then loses the CAS on
  // `top_` and drops the value it read.
  struct Ring {
    explicit Ring(int64_t capacity)
        : mask(capacity - 1),
          slots(std::make_unique<std::atomic<T*>[]>(capacity)) {}
    T* Get(int64_t index) const {
      return slots[index & mask].load(std::memory_order_relaxed);
    }
    void Put(int64_t index, T* item) {
      slots[index & mask].store(item, std::memory_order_relaxed);
    }
    const int64_t mask;
    std::unique_ptr<std::atomic<T*>[]> slots;
  };

  Ring* Grow(Ring* old, int64_t top, int64_t bottom) {
    auto ring = std::make_unique<Ring>((old->mask + 1) * 2);
    for (int64_t i = top; i < bottom; ++i) ring->Put(i, old->Get(i));
    Ring* raw = ring.get();
    rings_.push_back(std::move(ring));  // Owner only; read by no other thread.
    ring_.store(raw, std::memory_order_release);
    return raw;
  }

  // The owner writes `bottom_`, thieves write `top_`: separate cache lines.
  alignas(64) std::atomic<int64_t> top_{0};
  alignas(64) std::atomic<int64_t> bottom_{0};
  std::atomic<Ring*> ring_{nullptr};
  std::vector<std::unique_ptr<Ring>>
      rings_;  // Current and retired; owner only.
};

}  // namespace executors_internal
}  // namespace multirun

#endif  // MULTIRUN_EXECUTORS_INTERNAL_WORK_STEALING_DEQUE_H_
