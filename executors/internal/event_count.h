// Copyright 2026 The multirun Authors.
//
// EventCount: lets idle threads sleep until "something may have changed",
// without a lock and without a lost wake-up, while a notifier that finds
// nobody asleep pays one atomic load. ThreadPool's idle workers park on one.
//
// A condition variable needs a mutex held around the predicate; an event count
// does not. A waiter announces itself, re-checks its predicate, and only then
// sleeps; a notifier changes the predicate, then checks for announced waiters:
//
//   Waiter (worker with nothing to do)        Notifier (whoever adds work)
//     event_count.PrepareWait();                queue.Push(task);   // seq_cst
//     if (!queue.Empty()) {                     event_count.Notify(false);
//       event_count.CancelWait();
//       return;  // and go run it
//     }
//     event_count.CommitWait(my_waiter);        // sleeps
//
// The design follows the event count of Eigen's thread pool (and Dmitry
// Vyukov's): one 64-bit state word holds the number of threads between
// PrepareWait() and CommitWait()/CancelWait() ("pre-waiters"), the number of
// notifications addressed to them that they have not consumed yet
// ("signals"), and a lock-free stack of the threads asleep in CommitWait().
// Each sleeper sleeps on its own futex word in its Waiter, so Notify(false)
// wakes exactly one thread and takes it off the stack at once: a second Notify
// right after it finds nobody left to wake and costs one load, even before the
// woken thread has been scheduled.
//
// Memory ordering (the Dekker-style argument): PrepareWait() is a seq_cst
// read-modify-write of `state_`, and Notify() starts with a seq_cst load of
// `state_`. The waiter's re-check of the predicate must be made of seq_cst
// loads, and the notifier's change of the predicate of seq_cst stores (or
// read-modify-writes), each sequenced before the notifier's Notify(). All
// these operations are in the single total order S of seq_cst operations:
//   - if the waiter's PrepareWait() precedes the notifier's load in S, the
//     notifier sees the pre-waiter (or, later, the sleeper on the stack) and
//     signals it: CommitWait() then returns at once, or the sleeper is woken;
//   - otherwise the notifier's change precedes its load, which precedes
//     PrepareWait(), which precedes the re-check: the re-check sees the
//     change, and the waiter cancels instead of sleeping.
// Either way no wake-up is lost. A Notify() that wakes or signals a thread
// happens before that thread returns from CommitWait().
//
// Waking is lossless but not exact: a signal may be consumed by a different
// pre-waiter than the one that prompted it, and a thread may return from
// CommitWait() with its predicate still false (it re-checks and waits again).

#ifndef MULTIRUN_EXECUTORS_INTERNAL_EVENT_COUNT_H_
#define MULTIRUN_EXECUTORS_INTERNAL_EVENT_COUNT_H_

#include <atomic>
#include <cstdint>
#include <memory>

namespace multirun {
namespace executors_internal {

// Example: see the file comment.
class EventCount {
 public:
  // The most threads that can wait at once (one Waiter each).
  static constexpr int kMaxWaiters = 4094;

  // Per-thread parking spot. Each thread that calls CommitWait() uses its own
  // Waiter (waiter(i) for thread i); a Waiter is used by one thread at a time.
  class alignas(64) Waiter {
   public:
    Waiter() = default;
    Waiter(const Waiter&) = delete;
    Waiter& operator=(const Waiter&) = delete;

   private:
    friend class EventCount;
    enum : uint32_t { kNotSignaled = 0, kParked = 1, kSignaled = 2 };

    // The futex word this waiter sleeps on.
    std::atomic<uint32_t> futex_{kNotSignaled};
    // The stack entry (index and tag) below this waiter while it is on the
    // stack.
    std::atomic<uint64_t> next_{0};
    // Tag for the next push of this waiter (guards the stack against ABA);
    // touched only by the thread that owns the waiter.
    uint64_t tag_ = 0;
  };

  // `waiters` in [1, kMaxWaiters].
  explicit EventCount(int waiters);
  EventCount(const EventCount&) = delete;
  EventCount& operator=(const EventCount&) = delete;
  // Precondition: no thread waits.
  ~EventCount() = default;

  Waiter* waiter(int index) { return &waiters_[index]; }
  int waiter_count() const { return waiter_count_; }

  // Announces that the calling thread is about to wait; it must then re-check
  // its predicate and call CancelWait() or CommitWait(). Never blocks.
  void PrepareWait() {
    state_.fetch_add(kPrewaiterOne, std::memory_order_seq_cst);
  }

  // Withdraws the announcement of PrepareWait() (the predicate was true).
  // Never blocks.
  void CancelWait();

  // Sleeps until a Notify() addressed to this pre-waiter, unless one has
  // already arrived since PrepareWait(). Blocks.
  void CommitWait(Waiter* waiter);

  // Wakes one waiter (`all` false) or every waiter (`all` true): a thread
  // between PrepareWait() and CommitWait() will not sleep, a sleeping thread
  // is woken. Returns whether there was anyone to notify. With nobody waiting
  // this is one seq_cst load. Never blocks.
  bool Notify(bool all) {
    const uint64_t state = state_.load(std::memory_order_seq_cst);
    if ((state & kStackMask) == kEmptyStack &&
        Prewaiters(state) == Signals(state)) {
      return false;
    }
    return NotifySlow(state, all);
  }

  // Threads asleep on the stack plus pre-waiters with no signal (for tests).
  int WaitingForTests() const;

 private:
  // state_ layout, low to high bits:
  //   [0, 12)   index of the Waiter on top of the sleepers' stack, or
  //   kEmptyStack [12, 24)  pre-waiters: threads between PrepareWait() and
  //   Commit/Cancel [24, 36)  signals: notifications addressed to pre-waiters,
  //   not consumed [36, 64)  tag of the top entry (each push uses a fresh tag
  //   of its waiter)
  static constexpr uint64_t kStackBits = 12;
  static constexpr uint64_t kStackMask = (uint64_t{1} << kStackBits) - 1;
  static constexpr uint64_t kEmptyStack = kStackMask;
  static constexpr uint64_t kPrewaiterShift = 12;
  static constexpr uint64_t kPrewaiterOne = uint64_t{1} << kPrewaiterShift;
  static constexpr uint64_t kPrewaiterMask = uint64_t{0xfff} << kPrewaiterShift;
  static constexpr uint64_t kSignalShift = 24;
  static constexpr uint64_t kSignalOne = uint64_t{1} << kSignalShift;
  static constexpr uint64_t kSignalMask = uint64_t{0xfff} << kSignalShift;
  static constexpr uint64_t kTagShift = 36;
  static constexpr uint64_t kTagMask = ~uint64_t{0} << kTagShift;
  static constexpr uint64_t kTagOne = uint64_t{1} << kTagShift;

  static uint64_t Prewaiters(uint64_t state) {
    return (state & kPrewaiterMask) >> kPrewaiterShift;
  }
  static uint64_t Signals(uint64_t state) {
    return (state & kSignalMask) >> kSignalShift;
  }

  bool NotifySlow(uint64_t state, bool all);
  static void Park(Waiter* waiter);
  static void Unpark(Waiter* waiter);

  alignas(64) std::atomic<uint64_t> state_{kEmptyStack};
  const int waiter_count_;
  std::unique_ptr<Waiter[]> waiters_;
};

}  // namespace executors_internal
}  // namespace multirun

#endif  // MULTIRUN_EXECUTORS_INTERNAL_EVENT_COUNT_H_
